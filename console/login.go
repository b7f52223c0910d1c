package console

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lianxi/console/identity"
)

// loginCookie carries the sign-in form's CSRF token before there is a
// session: the form echoes it, and a page on another site can neither read
// the cookie nor make the browser send it (SameSite=Strict). Together with
// the Origin check this stops login CSRF, where another site signs the
// browser in as someone else.
const loginCookie = "lianxi_login"

// loginPage serves the sign-in form with a fresh CSRF token, status and
// the error message of errKey.
func (s *Server) loginPage(t *template.Template, w http.ResponseWriter, status int, errKey string) {
	token, err := identity.NewToken()
	if err != nil {
		http.Error(w, "cannot create a sign-in form", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: token, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.d.SecureCookies, MaxAge: int(time.Hour.Seconds())})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout", view{Title: "登录", CSRF: token, Error: errorTexts[errKey]}); err != nil {
		s.d.Logger.Sugar().Errorw("render page", "error", err)
	}
}

// sameOrigin reports whether a form was posted from this console: the
// Origin header (or, without one, the Referer) names the public URL's
// origin or the host the request came to. A request with neither is not
// from a browser page, which always sends Origin on a POST.
func (s *Server) sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return true
	}
	u, err := url.Parse(from)
	if err != nil || u.Host == "" {
		return false
	}
	if pub, err := url.Parse(s.d.PublicURL); err == nil && pub.Host != "" && strings.EqualFold(pub.Scheme, u.Scheme) && strings.EqualFold(pub.Host, u.Host) {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host)
}

// login signs in with a token posted from the sign-in form.
func (s *Server) login(t *template.Template) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(loginCookie)
		form := r.PostFormValue("csrf")
		if !s.sameOrigin(r) {
			s.loginPage(t, w, http.StatusForbidden, "origin")
			return
		}
		if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
			s.loginPage(t, w, http.StatusForbidden, "login_csrf")
			return
		}
		if s.sessions == nil {
			http.Error(w, "无法登录：控制台未连接数据库 ("+ErrNoSessionStore.Error()+")", http.StatusServiceUnavailable)
			return
		}
		p, ok := s.d.Principals.Authenticate(strings.TrimSpace(r.PostFormValue("token")))
		if !ok {
			http.Redirect(w, r, "/login?error=token", http.StatusSeeOther)
			return
		}
		sess, err := s.sessions.create(r.Context(), p)
		if err != nil {
			s.d.Logger.Sugar().Errorw("sign-in failed", "error", err)
			http.Error(w, "暂时无法登录，请稍后重试", http.StatusServiceUnavailable)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.d.SecureCookies})
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.d.SecureCookies, MaxAge: int(identity.SessionTTL.Seconds())})
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
}
