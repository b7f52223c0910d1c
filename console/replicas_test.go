package console

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/ledger"
	"lianxi/plan"
	"lianxi/testkit"
)

// sharedDatabases gives, for every backend, a way to open handles on one
// fresh database: each handle is what one console process would open.
// PostgreSQL is tested where the test command started it.
func sharedDatabases(t *testing.T) map[string]func(t *testing.T) func() *ledger.SQLStore {
	out := map[string]func(t *testing.T) func() *ledger.SQLStore{
		"sqlite": func(t *testing.T) func() *ledger.SQLStore {
			path := filepath.Join(t.TempDir(), "ledger.db")
			return func() *ledger.SQLStore {
				s, err := ledger.OpenSQLite(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				return s
			}
		},
	}
	dsn := testkit.PostgresDSN(t)
	if dsn == "" {
		return out
	}
	out["postgres"] = func(t *testing.T) func() *ledger.SQLStore {
		db := testkit.FreshDatabase(t, dsn)
		return func() *ledger.SQLStore {
			s, err := ledger.OpenPostgres(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}
	return out
}

// replica is one console process: its own handle on the shared database,
// its own principals (read from the shared file), its own listener.
type replica struct {
	t    *testing.T
	addr string
	srv  *http.Server
	done chan struct{}
}

func startReplica(t *testing.T, addr string, d Deps) *replica {
	t.Helper()
	var l net.Listener
	var err error
	for i := 0; ; i++ {
		if l, err = net.Listen("tcp", addr); err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond) // the old listener's port, freed
	}
	if err != nil {
		t.Fatal(err)
	}
	api, err := New(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{t: t, addr: l.Addr().String(), done: make(chan struct{}), srv: &http.Server{Handler: api}}
	go func() {
		defer close(r.done)
		if err := r.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

// bareDeps is what a console process without Temporal opens: its own
// handle on the database and its own reading of the principals file.
func bareDeps(t *testing.T, store *ledger.SQLStore, principalsPath string) Deps {
	t.Helper()
	principals, err := identity.LoadPrincipals(principalsPath)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := plan.DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	return Deps{Deps: api.Deps{Principals: principals, Ledger: store, Registry: reg, Logger: zap.NewNop()}}
}

// stop kills the replica: connections are cut, nothing is handed over.
func (r *replica) stop() {
	r.srv.Close()
	<-r.done
}

// roundRobin is a small load balancer: each request goes to the next
// replica in turn, whichever served the last one.
func roundRobin(t *testing.T, targets []string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			i := n.Add(1) - 1
			pr.SetURL(&url.URL{Scheme: "http", Host: targets[i%int64(len(targets))]})
			pr.Out.Host = pr.In.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			t.Logf("proxy: %s %s: %v", r.Method, r.URL.Path, err)
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestTwoReplicasBehindAProxy runs two consoles on one database behind a
// round-robin proxy: the sign-in form comes from one and is posted to the
// other, pages and forms alternate between them, a notice set on one shows
// on the other, one replica is killed and started again midway and nobody
// is signed out, and a sign-out through either ends the session on both.
func TestTwoReplicasBehindAProxy(t *testing.T) {
	for name, open := range sharedDatabases(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tokPath, prPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
			if _, err := identity.EnsureTokens(tokPath, prPath, []string{"ndrc"}, nil); err != nil {
				t.Fatal(err)
			}
			tok := readTokens(t, tokPath)
			handle := open(t)
			a := startReplica(t, "127.0.0.1:0", bareDeps(t, handle(), prPath))
			b := startReplica(t, "127.0.0.1:0", bareDeps(t, handle(), prPath))
			proxy, served := roundRobin(t, []string{a.addr, b.addr})

			office := newBrowser(t, &stack{t: t, url: proxy.URL})
			// The form (one replica) and the post (the other).
			office.login(tok.Office)
			if n := served.Load(); n != 2 {
				t.Fatalf("sign-in took %d requests, want 2 (one on each replica)", n)
			}
			for i := range 4 {
				if code, loc, body := office.do("GET", "/upload", nil); code != http.StatusOK || !strings.Contains(body, `name="csrf"`) {
					t.Fatalf("page %d (replica %d): %d to %q, want the page of a signed-in user", i, i%2, code, loc)
				}
			}

			// A form rendered by one replica is posted to the other; the
			// notice it leaves shows on the first, once.
			form := office.csrf("/upload")
			code, loc, _ := office.do("POST", "/upload/launch", url.Values{"csrf": {form}, "plan_json": {`{"plan_id": ""}`}})
			if code != http.StatusSeeOther || loc != "/upload?error=plan" {
				t.Fatalf("launch of a bad plan: %d to %q", code, loc)
			}
			_, _, page := office.do("GET", loc, nil)
			if !strings.Contains(page, errorTexts["plan"]) || !strings.Contains(page, "说明：") {
				t.Fatalf("the notice's detail did not reach the other replica:\n%s", page)
			}
			if _, _, again := office.do("GET", loc, nil); strings.Contains(again, "说明：") {
				t.Fatal("the notice showed twice")
			}
			// The CSRF token is the session's, on every replica: a wrong
			// one is refused by both.
			for range 2 {
				if code, _, _ := office.do("POST", "/upload/launch", url.Values{"csrf": {form + "x"}}); code != http.StatusForbidden {
					t.Fatalf("a wrong CSRF token: %d, want 403", code)
				}
			}

			// Replica b dies; while it is down the proxy sends half the
			// requests nowhere. Started again (a new process: new handle,
			// principals read anew) on its address, it knows the session.
			b.stop()
			served.Store(0)
			if code, _, _ := office.do("GET", "/upload", nil); code != http.StatusOK {
				t.Fatalf("replica a while b is down: %d", code)
			}
			if code, _, _ := office.do("GET", "/upload", nil); code != http.StatusBadGateway {
				t.Fatalf("replica b is down, but its turn answered %d", code)
			}
			b = startReplica(t, b.addr, bareDeps(t, handle(), prPath))
			for i := range 4 {
				if code, loc, _ := office.do("GET", "/upload", nil); code != http.StatusOK {
					t.Fatalf("after the restart, page %d: %d to %q: signed out", i, code, loc)
				}
			}

			// A second user signed in through the restarted replica.
			ndrc := newBrowser(t, &stack{t: t, url: proxy.URL})
			ndrc.login(tok.Ministries["ndrc"])

			// Sign-out through the proxy ends the office's session on both
			// replicas; the ministry's stays. The cookie is kept from before,
			// as a thief would keep it.
			cookie, other := sessionOf(t, office, proxy.URL), sessionOf(t, ndrc, proxy.URL)
			if code, loc, _ := office.do("POST", "/logout", url.Values{"csrf": {office.csrf("/upload")}}); code != http.StatusSeeOther || loc != "/login" {
				t.Fatalf("logout: %d to %q", code, loc)
			}
			for _, r := range []*replica{a, b} {
				if code, loc := getWith(t, "http://"+r.addr+"/", cookie); code != http.StatusSeeOther || loc != "/login" {
					t.Errorf("replica %s after the office signed out: %d to %q, want the sign-in page", r.addr, code, loc)
				}
				if code, loc := getWith(t, "http://"+r.addr+"/", other); code != http.StatusSeeOther || loc != "/inbox" {
					t.Errorf("replica %s: the ministry's session ended with the office's (%d to %q)", r.addr, code, loc)
				}
			}
		})
	}
}

// sessionOf is the session cookie a browser holds for base.
func sessionOf(t *testing.T, b *browser, base string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// readTokens reads a tokens.json.
func readTokens(t *testing.T, path string) identity.Tokens {
	t.Helper()
	var tok identity.Tokens
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, &tok)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func getWith(t *testing.T, target string, c *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", target, nil)
	req.AddCookie(c)
	resp, err := (&http.Transport{}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// A console built without the database has nowhere to keep sessions: it
// says so instead of signing anyone in to one replica only.
func TestNoSessionsWithoutTheDatabase(t *testing.T) {
	dir := t.TempDir()
	tokPath, prPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
	if _, err := identity.EnsureTokens(tokPath, prPath, []string{"ndrc"}, nil); err != nil {
		t.Fatal(err)
	}
	d := bareDeps(t, nil, prPath)
	api, err := New(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	resp := signIn(t, srv, readTokens(t, tokPath).Office, "", true)
	if resp.StatusCode != http.StatusServiceUnavailable || sessionCookieOf(resp) != nil {
		t.Fatalf("sign-in without a database: %d, cookie %v; want 503 and no session", resp.StatusCode, sessionCookieOf(resp))
	}
	r, err := http.Get(srv.URL + "/upload")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "Deps.Ledger") {
		t.Fatalf("a page without a database: %d %q", r.StatusCode, body)
	}
}
