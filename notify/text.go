package notify

import (
	"fmt"
	"strings"

	"lianxi/actions"
	"lianxi/activities"
	"lianxi/domain"
	"lianxi/plan"
)

// Compose writes a notification's text in simplified Chinese: what
// happened, the task number and title, the due date, the detail in words
// (Detail) and a console link — none for a ministry taken off the task,
// which may no longer open it.
func Compose(n activities.Notification, consoleURL string) string {
	n.Detail = Detail(n)
	var b strings.Builder
	head, ok := actions.NoticeText(n.Kind)
	if !ok {
		head = "【通知】" + n.Kind
	}
	b.WriteString(head)
	switch {
	case n.TaskNo == "":
		// A notice about the plan, not one task: a round's bulletin.
		fmt.Fprintf(&b, "：%s", n.Title)
	case n.Round == 0:
		// A reporting round's notice: the task's sign-off round is not its business.
		fmt.Fprintf(&b, "：任务 %s「%s」", n.TaskNo, n.Title)
	default:
		fmt.Fprintf(&b, "：任务 %s「%s」（第%d轮）", n.TaskNo, n.Title, n.Round)
	}
	if !n.Due.IsZero() {
		fmt.Fprintf(&b, "，办理期限 %s", n.Due.Format("2006年1月2日"))
	}
	b.WriteString("。")
	if n.Detail != "" {
		fmt.Fprintf(&b, "说明：%s。", n.Detail)
	}
	if consoleURL != "" && n.Kind == domain.NotifyBulletin {
		fmt.Fprintf(&b, "详情：%s/plans/%s/bulletins", strings.TrimRight(consoleURL, "/"), n.PlanID)
	} else if consoleURL != "" && n.Kind != domain.NotifyParticipantChanged {
		fmt.Fprintf(&b, "详情：%s/tasks/%s/%s", strings.TrimRight(consoleURL, "/"), n.PlanID, n.TaskNo)
	}
	return b.String()
}

// ExtensionStates name an extension request's states.
var ExtensionStates = map[string]string{
	domain.ExtensionPending: "待批复", domain.ExtensionGranted: "同意延期", domain.ExtensionRefused: "不同意延期",
}

// Detail puts the words the workflow sends with a notification in Chinese:
// ministry IDs as names, an extension's outcome, the removal marker. The
// workflow writes "<ministry or state>: <text>" (text may be empty), so an
// action added later is put in words without an edit here.
func Detail(n activities.Notification) string {
	head, rest, found := strings.Cut(n.Detail, ": ")
	with := func(s string) string {
		if strings.TrimSpace(rest) == "" {
			return s
		}
		return s + "：" + rest
	}
	switch {
	case n.Kind == domain.NotifyOverdue && n.Detail != "":
		return "待办单位：" + NamesOf(nil, n.Detail)
	case n.Kind == domain.NotifyExtensionDecision && found:
		return with(ExtensionStates[head])
	case n.Kind == domain.NotifyParticipantChanged && head == "removed":
		if strings.TrimSpace(rest) == "" {
			return "您单位不再承担本任务"
		}
		return "您单位不再承担本任务；调整原因：" + rest
	case found && Name(nil, head) != head:
		// "<ministry>: text", from any action (objection, extension
		// request, withdrawal…).
		return with(Name(nil, head))
	}
	return n.Detail
}

// Name is a ministry's Chinese short name in reg (the bundled registry
// when nil); the office and the system have their own names, and an ID
// the registry does not know stays as it is.
func Name(reg *plan.Registry, id string) string {
	switch id {
	case domain.Office:
		return "联席办公室"
	case domain.ActorSystem:
		return "系统"
	}
	if reg == nil {
		var err error
		if reg, err = plan.DefaultRegistry(); err != nil {
			return id
		}
	}
	if m, ok := reg.ByID(id); ok {
		return m.Short
	}
	return id
}

// NamesOf writes a comma-separated list of ministry IDs as names.
func NamesOf(reg *plan.Registry, list string) string {
	var names []string
	for _, id := range strings.Split(list, ",") {
		names = append(names, Name(reg, strings.TrimSpace(id)))
	}
	return strings.Join(names, "、")
}
