package console

import (
	"html/template"
	"lianxi/console/api"
	"net/http"
)

// unread counts p's unread notifications for the header; a failure to
// count is logged and shows no count rather than failing the page.
func (s *Server) unread(r *http.Request, p Principal) int {
	rcpt := api.RecipientOf(p)
	if rcpt == "" || s.d.Outbox == nil {
		return 0
	}
	n, err := s.d.Outbox.Unread(r.Context(), rcpt)
	if err != nil {
		s.d.Logger.Sugar().Warnw("count unread notifications", "recipient", rcpt, "error", err)
	}
	return n
}

// notificationsPage lists the principal's notifications, unread first in
// weight, each with a button that marks it read and opens its task.
func (s *Server) notificationsPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		notes, err := s.d.Outbox.Inbox(r.Context(), api.RecipientOf(sess.principal), 200)
		if err != nil {
			return err
		}
		s.render(w, t, s.view(sess, "通知", r, notes))
		return nil
	}
}

// openNotification marks a notification read and goes to its task.
func (s *Server) openNotification(w http.ResponseWriter, r *http.Request, sess session) error {
	rcpt, id := api.RecipientOf(sess.principal), r.PostFormValue("id")
	ok, err := s.d.Outbox.MarkRead(r.Context(), rcpt, id)
	if err != nil {
		return err
	}
	if !ok {
		return api.ErrForbidden
	}
	notes, err := s.d.Outbox.Inbox(r.Context(), rcpt, 200)
	if err != nil {
		return err
	}
	target := "/notifications"
	for _, m := range notes {
		if m.ID == id {
			target = "/tasks/" + m.PlanID + "/" + m.TaskNo
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
