package console

import (
	"errors"
	"net/http"
	"strings"

	"lianxi/actions"
	"lianxi/attachments"
	"lianxi/console/reports"
	"lianxi/domain"
	"lianxi/notify"
	"lianxi/taskclient"
)

// Pages show messages from these fixed sets only: a page's query string
// names a key (?msg=submitted, ?error=rejected), never the words, so a
// crafted link cannot put its own text in the console's official message
// box. Words that depend on the request (the workflow's reason, a launch's
// counts) travel in the session's row in the database (see sessions.setNotice), so
// they show on whichever replica serves the page after the redirect.
var (
	flashTexts = map[string]string{
		"submitted": "已提交",
		"launched":  "规划已启动",
	}
	errorTexts = map[string]string{
		"token":       "令牌无效，请核对后重新输入",
		"nofile":      "请选择要导入的文件",
		"plan":        "规划无效，请按说明修改后重新导入",
		"invalid":     "填写有误，请检查后重新提交",
		"conflict":    "任务当前状态下不能进行此操作",
		"participant": "贵单位不是该任务的参与单位",
		"rejected":    "操作未被接受",
		"attachment":  "附件未被接受，请按说明更换文件后重新提交",
		"login_csrf":  "登录表单已过期，请重新输入令牌登录",
		"origin":      "登录请求并非来自本系统的页面，已拒绝；请在本系统的登录页登录",
	}
)

// notice is what a page shows once after a redirect, kept in the session.
type notice struct {
	Flash, Error string
	// Detail is the reason the workflow or the plan check gave, shown under
	// the fixed message.
	Detail string
}

// rejectionNotice turns a refused form into a redirect key and the words
// to show: a fixed Chinese message chosen by the error's type and field,
// and the workflow's own reason as detail.
func rejectionNotice(a *actions.Action, err error) (key string, n notice, ok bool) {
	var rej *taskclient.Rejection
	var fe *actions.FieldError
	var ref *attachments.Refusal
	switch {
	case errors.As(err, &ref):
		key = "attachment"
		n = notice{Error: errorTexts[key], Detail: ref.Message}
	case errors.As(err, &rej):
		key = "rejected"
		switch rej.Type {
		case domain.ErrTypeInvalid:
			key = "invalid"
		case domain.ErrTypeConflict:
			key = "conflict"
		case domain.ErrTypeNotParticipant:
			key = "participant"
		}
		n = notice{Error: fieldMessage(a, rej.Field, errorTexts[key]), Detail: rej.Message}
	case errors.As(err, &fe):
		key = "invalid"
		n = notice{Error: fieldMessage(a, fe.Field, errorTexts[key]), Detail: fe.Message}
	default:
		return "", notice{}, false
	}
	return key, n, true
}

// fieldMessage names the form field at fault by its label, when known.
func fieldMessage(a *actions.Action, field, base string) string {
	for _, f := range a.Fields {
		if f.Name == field && field != "" {
			return "「" + f.Label + "」" + base
		}
	}
	return base
}

// redirectWith stores n in the session and redirects to target with the
// key only.
func (s *Server) redirectWith(w http.ResponseWriter, r *http.Request, sess session, target, param, key string, n notice) {
	if err := s.sessions.setNotice(r.Context(), sess.id, n); err != nil {
		// The page still says what happened through its key; only the
		// detail is lost.
		s.d.Logger.Sugar().Warnw("notice not kept", "error", err)
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	http.Redirect(w, r, target+sep+param+"="+key, http.StatusSeeOther)
}

// Words for states that the workflow and outbox keep as identifiers.
var (
	extensionStates = notify.ExtensionStates
	deliveryStates  = map[string]string{
		notify.StateStored: "站内送达", notify.StateDelivered: "已推送", notify.StatePending: "待重发", notify.StateRefused: "推送被拒",
	}
)

// lightOf is a task's warning light (reports.Light).
func lightOf(status, warning string) (class, label string) { return reports.Light(status, warning) }

// ministryName is a ministry's Chinese short name (notify.Name).
func (s *Server) ministryName(id string) string { return notify.Name(s.d.Registry, id) }

// noticeText is a stored notification as the console shows it, without
// the console link the page gives anyway.
func (s *Server) noticeText(m notify.Message) string { return notify.Compose(m.Notification, "") }
