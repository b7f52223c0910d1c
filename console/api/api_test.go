package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/console/identity"
)

// apiServer serves the API over HTTP with real principals and nothing
// else: what these tests send is answered before a task is read.
func apiServer(t *testing.T) (url string, tokens map[string]string) {
	t.Helper()
	principals, tokens := issueTokens(t, time.Now())
	mux := http.NewServeMux()
	New(Deps{Principals: principals}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, tokens
}

// issueTokens issues tokens to the office and to miit, and loads them.
func issueTokens(t *testing.T, now time.Time) (*identity.Principals, map[string]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "principals.json")
	tokens := map[string]string{}
	for _, is := range []identity.Issue{{Role: identity.RoleOffice}, {Role: identity.RoleMinistry, Ministry: "miit"}} {
		tok, p, err := identity.IssueToken(path, is, now)
		if err != nil {
			t.Fatal(err)
		}
		tokens[p.Name] = tok
	}
	principals, err := identity.LoadPrincipals(path)
	if err != nil {
		t.Fatal(err)
	}
	return principals, tokens
}

// answer is a response with its JSON error, when it has one.
type answer struct {
	status int
	header http.Header
	err    Error
}

func send(t *testing.T, method, url, auth string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
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
	var e struct{ Error Error }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return answer{status: resp.StatusCode, header: resp.Header, err: e.Error}
}

// A request without a known bearer token is 401 with a challenge; one for
// another role is 403 naming the role; the scheme's name is read in any
// case.
func TestAuthAnswers(t *testing.T) {
	url, tok := apiServer(t)
	for _, auth := range []string{"", "Bearer nonsense", "Basic " + tok["office"]} {
		a := send(t, "GET", url+"/api/stats", auth, nil)
		if a.status != http.StatusUnauthorized || a.err.Code != "unauthorized" || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%q: %d %+v, want 401 with a Bearer challenge", auth, a.status, a.err)
		}
	}
	if a := send(t, "GET", url+"/api/stats", "Bearer "+tok["miit"], nil); a.status != http.StatusForbidden || !strings.Contains(a.err.Message, "office or auditor") {
		t.Errorf("a ministry's stats: %d %+v, want 403 naming the roles", a.status, a.err)
	}
	if a := send(t, "GET", url+"/api/stats", "bearer "+tok["office"], nil); a.status != http.StatusBadRequest || a.err.Field != "plan" {
		t.Errorf("the office's stats without a plan: %d %+v, want 400 on plan", a.status, a.err)
	}
}

// A body that is not UTF-8 is refused naming the field it is in, and one
// too large is refused, both before the task is asked.
func TestActionBodyRefused(t *testing.T) {
	url, tok := apiServer(t)
	path := url + "/api/plans/p/tasks/1/sign-off"
	a := send(t, "POST", path, "Bearer "+tok["miit"], []byte("{\"decision\":\"object\",\"comment\":\"口径\xff\"}"))
	if a.status != http.StatusBadRequest || a.err.Field != "comment" || !strings.Contains(a.err.Message, "UTF-8") {
		t.Errorf("invalid UTF-8: %d %+v, want 400 on comment", a.status, a.err)
	}
	a = send(t, "POST", path, "Bearer "+tok["miit"], bytes.Repeat([]byte(" "), maxBody+1))
	if a.status != http.StatusBadRequest || !strings.Contains(a.err.Message, "larger than") {
		t.Errorf("oversized body: %d %+v, want 400", a.status, a.err)
	}
}
