package console

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/testkit"
)

// browser is an HTTP client with its own cookies, as one signed-in user.
type browser struct {
	t    *testing.T
	s    *stack
	c    *http.Client
	last *http.Response
}

func newBrowser(t *testing.T, s *stack) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var resp *http.Response
	var err error
	if method == "GET" {
		resp, err = b.c.Get(b.s.url + path)
	} else {
		resp, err = b.c.PostForm(b.s.url+path, form)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = resp
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) login(token string) {
	b.t.Helper()
	code, loc, _ := b.do("POST", "/login", url.Values{"token": {token}, "csrf": {b.csrf("/login")}})
	if code != http.StatusSeeOther || loc != "/" {
		b.t.Fatalf("login: %d to %q", code, loc)
	}
	var cookie string
	for _, c := range b.last.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, sessionCookie+"=") {
			cookie = c
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, want) {
			b.t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
}

func (b *browser) csrf(path string) string {
	b.t.Helper()
	code, _, body := b.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(body)
	if code != 200 || m == nil {
		b.t.Fatalf("GET %s: %d, no CSRF token", path, code)
	}
	return m[1]
}

// Console forms need a session and its CSRF token; each role sees and may
// post only its own forms.
func TestConsoleSessionsAndForms(t *testing.T) {
	s := newStack(t)
	task := "/tasks/web/1.1"

	anon := newBrowser(t, s)
	if code, loc, _ := anon.do("GET", "/office", nil); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("anonymous dashboard: %d to %q, want the login page", code, loc)
	}
	if code, loc, _ := anon.do("POST", "/login", url.Values{"token": {"forged"}, "csrf": {anon.csrf("/login")}}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?error=") {
		t.Errorf("forged token: %d to %q", code, loc)
	}

	miit := newBrowser(t, s)
	miit.login(s.tokens.Ministries["miit"])
	token := miit.csrf(task)
	if _, _, body := miit.do("GET", task, nil); !strings.Contains(body, `id="extension-requests-form"`) || strings.Contains(body, `id="cancel-form"`) {
		t.Errorf("a ministry's task page should offer the extension form and not the office's forms")
	}
	until := time.Now().AddDate(0, 3, 0).Format("2006-01-02")
	ext := url.Values{"until": {until}, "reason": {"需协调地方"}, "request_id": {"ext-1"}}
	if code, _, _ := miit.do("POST", task+"/extension-requests", ext); code != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d, want 403", code)
	}
	ext.Set("csrf", token)
	if code, loc, _ := miit.do("POST", task+"/extension-requests", ext); code != http.StatusSeeOther || !strings.Contains(loc, "msg=") {
		t.Errorf("extension request: %d to %q", code, loc)
	}
	if code, _, _ := miit.do("POST", task+"/cancel", url.Values{"csrf": {token}, "reason": {"x"}}); code != http.StatusForbidden {
		t.Errorf("a ministry cancelling: %d, want 403", code)
	}
	if st := s.status(); len(st.Extensions) != 1 || st.Extensions[0].Ministry != "miit" || st.Status != domain.StatusSigning {
		t.Fatalf("after the ministry's forms: %+v", st)
	}

	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	token = office.csrf(task)
	if code, _, _ := office.do("POST", task+"/extension-decision", url.Values{"csrf": {miit.csrf(task)}, "decision": {"grant"}}); code != http.StatusForbidden {
		t.Errorf("another session's CSRF token: %d, want 403", code)
	}
	if code, loc, _ := office.do("POST", task+"/extension-decision", url.Values{"csrf": {token}, "decision": {"grant"}, "request_id": {"d-1"}}); code != http.StatusSeeOther || !strings.Contains(loc, "msg=") {
		t.Errorf("extension decision: %d to %q", code, loc)
	}
	if code, loc, _ := office.do("POST", task+"/cancel", url.Values{"csrf": {token}, "request_id": {"c-0"}}); code != http.StatusSeeOther || !strings.Contains(loc, "error=") {
		t.Errorf("cancel without reason should come back with the reason: %d to %q", code, loc)
	}
	if code, _, _ := office.do("POST", task+"/cancel", url.Values{"csrf": {token}, "reason": {"并入其他任务"}, "request_id": {"c-1"}}); code != http.StatusSeeOther {
		t.Errorf("cancel: %d", code)
	}
	if st := s.status(); st.Status != domain.StatusCancelled || st.Extensions[0].State != domain.ExtensionGranted {
		t.Errorf("after the office's forms: %s, extension %s", st.Status, st.Extensions[0].State)
	}
	if code, _, _ := office.do("POST", "/logout", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	if code, loc, _ := office.do("GET", "/office", nil); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("after logout: %d to %q", code, loc)
	}
}

// Revoking a token (as `lianxi tokens revoke` does, while serve runs) ends
// the sessions made from it and refuses it on the API.
func TestRevokedTokenEndsSessions(t *testing.T) {
	s := newStack(t)
	p := s.console.d.Principals
	b := newBrowser(t, s)
	b.login(s.tokens.Ministries["miit"])
	if code, _, _ := b.do("GET", homeOf("miit"), nil); code != http.StatusOK {
		t.Fatalf("signed in: %d", code)
	}
	if _, err := identity.RevokeTokens(p.Path(), "miit", time.Now()); err != nil {
		t.Fatal(err)
	}
	p.SetNow(func() time.Time { return time.Now().Add(2 * time.Second) })
	if code, loc, _ := b.do("GET", homeOf("miit"), nil); code != http.StatusSeeOther || loc != "/login" {
		t.Errorf("after revocation the session goes on: %d to %q", code, loc)
	}
	if a := s.call("miit", "GET", "/api/tasks", nil); a.status != http.StatusUnauthorized {
		t.Errorf("after revocation the API answers %d", a.status)
	}
}

// A page's message box shows only the fixed words for a known key: text
// put in ?msg= or ?error= never reaches the page.
func TestMessagesComeFromKeys(t *testing.T) {
	s := newStack(t)
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	_, _, page := office.do("GET", "/office?msg="+url.QueryEscape("请拨打电话")+"&error="+url.QueryEscape("令牌过期"), nil)
	if strings.Contains(page, "请拨打电话") || strings.Contains(page, "令牌过期") || strings.Contains(page, `id="flash"`) {
		t.Errorf("the page echoes the query string's words")
	}
	if _, _, page := office.do("GET", "/office?msg=submitted", nil); !strings.Contains(page, `<p class="flash" id="flash">已提交</p>`) {
		t.Errorf("the submitted key does not show its fixed words")
	}
}

// With two plans launched the dashboard has a plan column and filter, each
// plan named by its title (its ID only in URLs), and lists each plan's
// tasks by number, 1.2 before 1.10.
func TestDashboardSeveralPlans(t *testing.T) {
	s := newStack(t)
	second := `{"plan_id":"second","title":"第二项规划","tasks":[` +
		`{"no":"1.10","title":"第十项","lead":"ndrc","participants":[{"id":"ndrc","role":"lead"},{"id":"miit","role":"co"}]},` +
		`{"no":"1.2","title":"第二项","lead":"ndrc","participants":[{"id":"ndrc","role":"lead"},{"id":"mof","role":"co"}]}]}`
	if a := s.call("office", "POST", "/api/plans", []byte(second)); a.status != 200 {
		t.Fatalf("launch the second plan: %d %s", a.status, a.body)
	}
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	testkit.Eventually(t, "the dashboard to list both plans by title", func() (bool, string) {
		_, _, page := office.do("GET", "/office", nil)
		return strings.Contains(page, `<option value="second" >第二项规划</option>`) && strings.Contains(page, `<option value="web" >`+testPlanTitle+`</option>`) &&
			strings.Contains(page, `<a href="/plans/web">`+testPlanTitle+`</a>`) && strings.Contains(page, `<a href="/plans/second">第二项规划</a>`) &&
			strings.Contains(page, "第十项") && strings.Contains(page, "第二项"), "plans missing"
	})
	_, _, page := office.do("GET", "/office?plan=second", nil)
	if strings.Contains(page, `<a href="/plans/web">`) {
		t.Error("the plan filter lets another plan's tasks through")
	}
	if i, j := strings.Index(page, "第二项<"), strings.Index(page, "第十项"); i < 0 || j < 0 || i > j {
		t.Errorf("1.2 should come before 1.10 (at %d and %d)", i, j)
	}
	if _, _, page := office.do("GET", "/office?q="+url.QueryEscape("第十"), nil); !strings.Contains(page, "第十项") || strings.Contains(page, "第二项<") {
		t.Error("searching by title should find 第十项 only")
	}
	// Where people read, a plan is its title: the dashboard, its overview,
	// the statistics, the audit page and a task's page never show the ID
	// as text.
	for _, path := range []string{"/office", "/plans/second", "/stats?plan=second", "/audit", "/tasks/second/1.2"} {
		_, _, page := office.do("GET", path, nil)
		if text := visibleText(page); strings.Contains(text, "second") || strings.Contains(text, "web") {
			t.Errorf("%s shows a plan's ID where people read: %q", path, excerptAround(text, "second", "web"))
		}
		if !strings.Contains(page, "第二项规划") {
			t.Errorf("%s does not name the plan by its title", path)
		}
	}
}

// visibleText is what a page shows a reader: its text outside tags, with
// the title and style left out.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?s)<(style|title)>.*?</(style|title)>`).ReplaceAllString(page, "")
	return html.UnescapeString(regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " "))
}

// excerptAround shows the text around the first of words found.
func excerptAround(text string, words ...string) string {
	for _, w := range words {
		if i := strings.Index(text, w); i >= 0 {
			return text[max(0, i-60):min(len(text), i+60)]
		}
	}
	return ""
}

// Returned rounds stay on the task page whole, newest first, three to a
// page: each ministry's answer with its signer, the objection and the joint
// report, and the office's return comment, read from the ledger (the
// status keeps only the latest rounds, without signers). The current
// round's signer is shown whole, not as the status's excerpt.
func TestTaskPageShowsEarlierRounds(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	for r := 1; r <= 4; r++ {
		for _, step := range []struct{ role, path, body string }{
			{"miit", "/sign-off", fmt.Sprintf(`{"decision":"approve","signer":"王五%d"}`, r)},
			{"mof", "/sign-off", fmt.Sprintf(`{"decision":"object","comment":"口径不一致%d","signer":"赵六%d"}`, r, r)},
			{"ndrc", "/sign-off", fmt.Sprintf(`{"decision":"approve","report":"第%d轮联合报告","signer":"张三%d"}`, r, r)},
			{"office", "/review", fmt.Sprintf(`{"decision":"return","comment":"请统一口径%d"}`, r)},
		} {
			if a := s.call(step.role, "POST", task+step.path, []byte(step.body)); a.status != 200 {
				t.Fatalf("round %d: %s %s: %d %s", r, step.role, step.path, a.status, a.body)
			}
		}
	}
	longSigner := strings.Repeat("签", domain.NameExcerptLen) + "欧阳某某"
	if a := s.call("miit", "POST", task+"/sign-off", js(map[string]string{"decision": "approve", "signer": longSigner})); a.status != 200 {
		t.Fatalf("round 5: %d %s", a.status, a.body)
	}
	if st := s.status(); st.Round != 5 || len(st.Rounds) > domain.KeepRounds {
		t.Fatalf("the status should be in round 5 and keep at most %d rounds: round %d, %d kept", domain.KeepRounds, st.Round, len(st.Rounds))
	}
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	_, _, page := office.do("GET", "/tasks/web/1.1", nil)
	current, rounds, ok := strings.Cut(page, `id="rounds"`)
	if !ok {
		t.Fatal("no earlier rounds on the task page")
	}
	// The rounds end where the next section (the timeline) begins.
	rounds, _, _ = strings.Cut(rounds, "<h2")
	if !strings.Contains(current, longSigner) {
		t.Errorf("the current round does not show its signer whole")
	}
	if !strings.Contains(page, "往轮（4 轮）") {
		t.Errorf("the task page does not count 4 returned rounds")
	}
	for r := 4; r >= 2; r-- {
		for _, want := range []string{fmt.Sprintf("第 %d 轮：退回", r), fmt.Sprintf("王五%d", r), fmt.Sprintf("赵六%d", r), fmt.Sprintf("张三%d", r),
			fmt.Sprintf("口径不一致%d", r), fmt.Sprintf("第%d轮联合报告", r), fmt.Sprintf("请统一口径%d", r)} {
			if !strings.Contains(rounds, want) {
				t.Errorf("round %d on the first page does not show %q", r, want)
			}
		}
	}
	if i, j := strings.Index(rounds, "第 4 轮"), strings.Index(rounds, "第 2 轮"); i < 0 || j < 0 || i > j {
		t.Errorf("the newest round should come first (at %d and %d)", i, j)
	}
	if strings.Contains(rounds, "王五1") {
		t.Error("the first page shows more than three rounds")
	}
	older := regexp.MustCompile(`<a href="([^"]*rounds=2[^"]*)" rel="next">`).FindStringSubmatch(rounds)
	if older == nil {
		t.Fatal("no link to the older rounds")
	}
	_, _, page = office.do("GET", html.UnescapeString(older[1]), nil)
	_, rounds, _ = strings.Cut(page, `id="rounds"`)
	rounds, _, _ = strings.Cut(rounds, "<h2")
	for _, want := range []string{"第 1 轮：退回", "王五1", "赵六1", "张三1", "口径不一致1", "第1轮联合报告", "请统一口径1", "异议", s.console.ministryName("mof")} {
		if !strings.Contains(rounds, want) {
			t.Errorf("the older rounds' page does not show %q", want)
		}
	}
	if strings.Contains(rounds, "王五2") {
		t.Error("the older rounds' page repeats the newer rounds")
	}
}
