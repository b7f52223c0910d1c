package console

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/ledger"
)

// bareServer is the console with principals and a SQLite ledger for its
// sessions, nothing else: enough for signing in, authentication and path
// checks, without Temporal.
func bareServer(t *testing.T, publicURL string) (*httptest.Server, identity.Tokens) {
	t.Helper()
	dir := t.TempDir()
	tokPath, prinPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
	if _, err := identity.EnsureTokens(tokPath, prinPath, []string{"ndrc"}, nil); err != nil {
		t.Fatal(err)
	}
	principals, err := identity.LoadPrincipals(prinPath)
	if err != nil {
		t.Fatal(err)
	}
	var tok identity.Tokens
	b, err := os.ReadFile(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	api, err := New(context.Background(), Deps{Deps: api.Deps{Principals: principals, Ledger: store, Logger: zap.NewNop()}, PublicURL: publicURL})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, tok
}

// signIn posts the sign-in form as a browser on origin would, after
// fetching the form when fetch is set, and answers the response.
func signIn(t *testing.T, srv *httptest.Server, token, origin string, fetch bool) *http.Response {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := ""
	if fetch {
		resp, err := c.Get(srv.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfField.FindStringSubmatch(string(body))
		if m == nil {
			t.Fatalf("the sign-in form has no CSRF token:\n%s", body)
		}
		csrf = m[1]
	}
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"token": {token}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	return nil
}

// Signing in needs the form's CSRF token and a post from this console's
// origin; the session cookie is Secure when the public URL is https.
func TestLoginCSRFAndOrigin(t *testing.T) {
	srv, tok := bareServer(t, "")
	cases := []struct {
		name   string
		origin string
		fetch  bool
		status int
	}{
		{"form from this console", srv.URL, true, http.StatusSeeOther},
		{"client without Origin", "", true, http.StatusSeeOther},
		{"no CSRF token", srv.URL, false, http.StatusForbidden},
		{"another site", "https://evil.example", true, http.StatusForbidden},
		{"same host, other scheme", strings.Replace(srv.URL, "http://", "https://", 1), true, http.StatusForbidden},
	}
	for _, c := range cases {
		resp := signIn(t, srv, tok.Office, c.origin, c.fetch)
		got := sessionCookieOf(resp)
		if resp.StatusCode != c.status || (got != nil) != (c.status == http.StatusSeeOther) {
			t.Errorf("%s: %d, session %v; want %d", c.name, resp.StatusCode, got, c.status)
		}
		if got != nil && got.Secure {
			t.Errorf("%s: session cookie Secure over a plain http public URL", c.name)
		}
	}

	tls, tok := bareServer(t, "https://lianxi.example.gov.cn")
	resp := signIn(t, tls, tok.Office, "https://lianxi.example.gov.cn", true)
	if got := sessionCookieOf(resp); got == nil || !got.Secure || !got.HttpOnly {
		t.Errorf("behind https: %d, session cookie %+v; want Secure and HttpOnly", resp.StatusCode, got)
	}
}

// The bearer scheme is matched without regard to case; a control
// character in a path is a 400 that says what to fix, never a 500.
func TestBearerSchemeAndControlCharacters(t *testing.T) {
	srv, tok := bareServer(t, "")
	get := func(method, path, auth string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The auditor may not upload plans: 403 means the token was read,
	// 401 that it was not.
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		if code, body := get("POST", "/api/plans", scheme+" "+tok.Auditor); code != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403 (authenticated, not the office)", scheme, code, body)
		}
	}
	for _, auth := range []string{"Basic " + tok.Auditor, tok.Auditor, "Bearer"} {
		if code, _ := get("POST", "/api/plans", auth); code != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, code)
		}
	}
	for _, path := range []string{"/api/plans/internet-plus-2015%00/tasks/1.1", "/api/plans/internet-plus-2015/tasks/1.1%00", "/api/plans/p%0A/tasks/1.1/records", "/tasks/internet%1F/1.1", "/plans/%7F", "/api/tasks?plan=internet-plus-2015%00"} {
		code, body := get("GET", path, "Bearer "+tok.Office)
		if code != http.StatusBadRequest || !strings.Contains(body, "控制字符") || !strings.Contains(body, "control character") {
			t.Errorf("GET %s: %d %s, want 400 naming the control character", path, code, body)
		}
	}
}
