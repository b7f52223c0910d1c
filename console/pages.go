package console

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"lianxi/actions"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/plan"
	"lianxi/taskclient"
)

//go:embed templates/*.html
var templateFS embed.FS

const sessionCookie = "lianxi_session"

// view is what every page template gets.
type view struct {
	Title     string
	Principal Principal
	Who       string
	CSRF      string
	Flash     string
	Error     string
	// Detail is the reason behind Error, from the session, never the URL.
	Detail string
	// Unread counts the principal's unread notifications.
	Unread int
	Data   any
}

var statusLabels = domain.StatusNames

func (s *Server) templates() map[string]*template.Template {
	funcs := template.FuncMap{
		"statusLabel": func(st string) string { return statusLabels[st] },
		"light": func(status, warning string) string {
			c, _ := lightOf(status, warning)
			return c
		},
		"lightLabel": func(status, warning string) string {
			_, l := lightOf(status, warning)
			return l
		},
		"extensionState": func(st string) string { return extensionStates[st] },
		"deliveryState":  func(st string) string { return deliveryStates[st] },
		"noticeText":     s.noticeText,
		"kindLabel":      actions.KindLabel,
		// text is a decision's text as the ledger holds it, whole, or the
		// status's excerpt when the ledger has none.
		"text": func(texts map[string]map[string]string, id, field, excerpt string) string {
			if v, ok := texts[id][field]; ok {
				return v
			}
			return excerpt
		},
		// attachments lists the files a decision's ledger payload names.
		"attachments": attachmentLinks,
		// planZh and zhPieces put the importer's English in Chinese.
		"planZh":   planZh,
		"zhPieces": zhPieces,
		"date":     func(t time.Time) string { return t.Local().Format("2006-01-02") },
		"datetime": func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") },
		"ministryName": func(v any) string {
			id := ""
			switch x := v.(type) {
			case string:
				id = x
			case *string:
				if x != nil {
					id = *x
				}
			}
			return s.ministryName(id)
		},
		// pending names the pending ministries: all of them, folded
		// behind the first few and a count when they are many, so an
		// office chasing answers has every name one click away and the
		// list never squeezes the table's other columns.
		"pending": func(ids []string) pendingList {
			names := make([]string, 0, len(ids))
			for _, id := range ids {
				names = append(names, s.ministryName(id))
			}
			return foldNames(names)
		},
		// planTitle names a plan by its title; its ID is for URLs.
		"planTitle": func(id string) string { return s.titles.title(context.Background(), id) },
		// person is who signed a decision, whole, as the ledger holds it,
		// or the status's excerpt when the ledger has none.
		"person": func(persons map[string]string, id, excerpt string) string {
			if v := persons[id]; v != "" {
				return v
			}
			return excerpt
		},
		"folded": func(s string) bool { return utf8.RuneCountInString(s) > foldLen },
		"head": func(s string) string {
			if r := []rune(s); len(r) > foldHead {
				return string(r[:foldHead])
			}
			return s
		},
		"runes":      utf8.RuneCountInString,
		"durationZh": cycles.DurationZh,
	}
	out := map[string]*template.Template{}
	for _, page := range []string{"login", "dashboard", "inbox", "task", "upload", "audit", "stats", "notifications", "plan", "bulletin"} {
		files := []string{"templates/layout.html", "templates/" + page + ".html"}
		if page == "dashboard" || page == "inbox" || page == "audit" {
			// Their task lists come a page at a time.
			files = append(files, "templates/listpager.html")
		}
		out[page] = template.Must(template.New("layout").Funcs(funcs).ParseFS(templateFS, files...))
	}
	return out
}

type pageHandler func(w http.ResponseWriter, r *http.Request, sess session) error

func (s *Server) pageRoutes() {
	tpl := s.templates()
	s.mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		s.loginPage(tpl["login"], w, http.StatusOK, r.URL.Query().Get("error"))
	})
	s.mux.HandleFunc("POST /login", s.login(tpl["login"]))
	page := func(pattern string, h pageHandler, roles ...string) {
		s.routes = append(s.routes, route{pattern: pattern, roles: roles})
		s.mux.Handle(pattern, s.pageAuth(h, roles...))
	}
	all := allRoles
	page("POST /logout", func(w http.ResponseWriter, r *http.Request, sess session) error {
		if err := s.sessions.drop(r.Context(), sess.id); err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.d.SecureCookies})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}, all...)
	page("GET /{$}", func(w http.ResponseWriter, r *http.Request, sess session) error {
		target := "/office"
		switch sess.principal.Role {
		case RoleMinistry:
			target = "/inbox"
		case RoleAuditor:
			target = "/audit"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return nil
	}, all...)
	page("GET /office", s.dashboard(tpl["dashboard"]), RoleOffice, RoleAuditor)
	page("GET /inbox", s.inbox(tpl["inbox"]), RoleMinistry)
	page("GET /stats", s.statsPage(tpl["stats"]), RoleOffice, RoleAuditor)
	page("GET /plans/{plan}", s.planPage(tpl["plan"]), RoleOffice, RoleAuditor)
	page("GET /plans/{plan}/bulletins", s.bulletinPage(tpl["bulletin"]), RoleOffice, RoleAuditor)
	page("POST /plans/{plan}/cycles/{cycle}", s.cycleForm, RoleOffice)
	page("GET /plans/{plan}/bulletins/{seq}/export.xlsx", func(w http.ResponseWriter, r *http.Request, sess session) error {
		return s.api.BulletinExport(w, r, sess.principal)
	}, RoleOffice, RoleAuditor)
	page("GET /plans/{plan}/bulletins/{seq}/export.docx", func(w http.ResponseWriter, r *http.Request, sess session) error {
		return s.api.BulletinDocx(w, r, sess.principal)
	}, RoleOffice, RoleAuditor)
	page("GET /notifications", s.notificationsPage(tpl["notifications"]), RoleOffice, RoleMinistry)
	page("POST /notifications/open", s.openNotification, RoleOffice, RoleMinistry)
	page("GET /export/{plan}", func(w http.ResponseWriter, r *http.Request, sess session) error {
		return s.api.Export(w, r, sess.principal)
	}, RoleOffice, RoleAuditor)
	page("GET /tasks/{plan}/{no}", s.taskPage(tpl["task"]), all...)
	page("GET /tasks/{plan}/{no}/attachments/{sha256}", func(w http.ResponseWriter, r *http.Request, sess session) error {
		return s.api.DownloadAttachment(w, r, sess.principal)
	}, all...)
	for _, a := range actions.All() {
		pattern := "POST /tasks/{plan}/{no}/" + a.Path
		s.routes = append(s.routes, route{pattern: pattern, roles: rolesFor(a.Who), action: a})
		s.mux.Handle(pattern, s.pageAuth(s.formAction(a), rolesFor(a.Who)...))
	}
	page("GET /upload", func(w http.ResponseWriter, r *http.Request, sess session) error {
		s.render(w, tpl["upload"], s.view(sess, "导入规划", r, uploadData{}))
		return nil
	}, RoleOffice)
	page("POST /upload", s.uploadPreview(tpl["upload"]), RoleOffice)
	page("POST /upload/launch", s.uploadLaunch, RoleOffice)
	page("GET /audit", s.auditPage(tpl["audit"]), RoleAuditor, RoleOffice)
	page("GET /audit/history/{plan}/{no}", func(w http.ResponseWriter, r *http.Request, sess session) error {
		return s.api.History(w, r, sess.principal)
	}, RoleAuditor, RoleOffice)
}

func (s *Server) render(w http.ResponseWriter, t *template.Template, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.ExecuteTemplate(w, "layout", v); err != nil {
		s.d.Logger.Sugar().Errorw("render page", "error", err)
	}
}

func (s *Server) view(sess session, title string, r *http.Request, data any) view {
	who := "部际联席会议办公室"
	switch sess.principal.Role {
	case RoleMinistry:
		who = s.ministryName(sess.principal.Ministry)
	case RoleAuditor:
		who = "审计"
	}
	q := r.URL.Query()
	v := view{Title: title, Principal: sess.principal, Who: who, CSRF: sess.csrf, Flash: flashTexts[q.Get("msg")], Error: errorTexts[q.Get("error")],
		Unread: s.unread(r, sess.principal), Data: data}
	n, ok, err := s.sessions.takeNotice(r.Context(), sess)
	if err != nil {
		s.d.Logger.Sugar().Warnw("notice not shown", "error", err)
	}
	if ok {
		if n.Flash != "" && v.Flash != "" {
			v.Flash = n.Flash
		}
		if n.Error != "" && v.Error != "" {
			v.Error, v.Detail = n.Error, n.Detail
		}
	}
	return v
}

// pageAuth requires a session with one of roles, and a matching CSRF token
// on every POST.
func (s *Server) pageAuth(h pageHandler, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.sessions == nil {
			http.Error(w, "控制台未连接数据库，无法登录 ("+ErrNoSessionStore.Error()+")", http.StatusServiceUnavailable)
			return
		}
		var sess session
		c, err := r.Cookie(sessionCookie)
		ok := err == nil
		if ok {
			// A session ended anywhere (sign-out on another replica, its
			// token revoked or expired) is not found here either.
			if sess, ok, err = s.sessions.get(r.Context(), c.Value); err != nil {
				s.d.Logger.Sugar().Errorw("session not read", "path", r.URL.Path, "error", err)
				http.Error(w, "暂时无法读取登录状态，请稍后重试", http.StatusServiceUnavailable)
				return
			}
		}
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			} else {
				http.Error(w, "请先登录", http.StatusUnauthorized)
			}
			return
		}
		if len(roles) == 0 || !slices.Contains(roles, sess.principal.Role) {
			http.Error(w, "无权访问", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, s.api.MaxForm())
			if err := r.ParseMultipartForm(plan.MaxDocumentSize); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				http.Error(w, "表单无效", http.StatusBadRequest)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.csrf)) != 1 {
				http.Error(w, "CSRF 校验失败", http.StatusForbidden)
				return
			}
		}
		if err := h(w, r, sess); err != nil {
			var ae *apiError
			if errors.As(err, &ae) && ae.Status == http.StatusForbidden {
				http.Error(w, "无权访问", http.StatusForbidden)
				return
			}
			if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
				http.Error(w, "未找到", http.StatusNotFound)
				return
			}
			if errors.Is(err, taskclient.ErrNotFound) {
				http.Error(w, "任务不存在", http.StatusNotFound)
				return
			}
			s.d.Logger.Sugar().Errorw("page failed", "path", r.URL.Path, "error", err)
			http.Error(w, "内部错误", http.StatusInternalServerError)
		}
	})
}
