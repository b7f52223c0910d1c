package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lianxi/testkit"
)

// chromium finds the browser the test command installs.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("LIANXI_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("LIANXI_REQUIRE_BROWSER") != "" {
		t.Fatal("LIANXI_REQUIRE_BROWSER is set but chromium is missing: the test command should have installed it")
	}
	t.Skip("chromium not installed (./scripts/test.sh installs it)")
	return ""
}

// startChromium starts a headless Chromium with a profile of its own. When
// the test ends, Chromium is closed and waited for before its profile is
// removed: Chromium writes to the profile until it has exited, and removing
// a folder it still writes to fails.
func startChromium(t *testing.T, bin string) context.Context {
	t.Helper()
	profile, err := os.MkdirTemp("", "lianxi-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900))
	actx, cancelAllocator := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// chromedp.Cancel asks Chromium to close and waits for its process
		// to exit; if it hangs, cancelling the allocator kills it, and
		// either way cancelAllocator returns once the process is gone.
		closed := make(chan error, 1)
		go func() { closed <- chromedp.Cancel(ctx) }()
		select {
		case err := <-closed:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Logf("close chromium: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Log("chromium did not close within 30s; killing it")
		}
		cancelBrowser()
		cancelAllocator()
		// Helper processes may still be finishing their last writes.
		testkit.Eventually(t, "the chromium profile removed", func() (bool, string) {
			err := os.RemoveAll(profile)
			return err == nil, fmt.Sprint(err)
		})
	})
	// The first Run starts Chromium, tied to the context it is given: this
	// one, which only the cleanup ends, not a test's timeout.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// A ministry logs in and signs off, the other co-responsible one too, the
// lead files the joint report, and the office approves: the task page
// shows 办结. Screenshots are kept as test artifacts.
func TestBrowserJointSignOffAndClosure(t *testing.T) {
	bin := chromium(t)
	s := newStack(t)
	artifacts := os.Getenv("LIANXI_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("..", "artifacts")
	}
	artifacts = filepath.Join(artifacts, "browser")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := startChromium(t, bin)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(artifacts, name+".png"), buf, 0o644)
		})
	}
	login := func(token string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(s.url + "/login"),
			chromedp.WaitVisible("#token", chromedp.ByID),
			chromedp.SendKeys("#token", token, chromedp.ByID),
			chromedp.Click("#login", chromedp.ByID),
			chromedp.WaitVisible("header .who", chromedp.ByQuery),
		}
	}
	logout := chromedp.Tasks{chromedp.Click(`header form button`, chromedp.ByQuery), chromedp.WaitVisible("#token", chromedp.ByID)}
	task := s.url + "/tasks/web/1.1"
	var flash, inbox string
	// The lead attaches a file to its joint report through the form.
	attachment := filepath.Join(t.TempDir(), "联合报告附件.pdf")
	if err := os.WriteFile(attachment, []byte("%PDF-1.7\n% 联合报告附件\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sign := func(ministry, report string) chromedp.Tasks {
		steps := chromedp.Tasks{
			login(s.tokens.Ministries[ministry]),
			chromedp.Text("#pending", &inbox, chromedp.ByID),
			chromedp.Navigate(task),
			chromedp.WaitVisible("#sign-off-form", chromedp.ByID),
			chromedp.SendKeys("#sign-off-signer", s.console.ministryName(ministry)+"签署人", chromedp.ByID),
		}
		if report != "" {
			steps = append(steps, chromedp.SendKeys("#sign-off-report", report, chromedp.ByID),
				chromedp.SetUploadFiles("#sign-off-attachments", []string{attachment}, chromedp.ByID))
		}
		return append(steps, chromedp.Click("#sign-off", chromedp.ByID), chromedp.WaitVisible("#flash", chromedp.ByID),
			chromedp.Text("#flash", &flash, chromedp.ByID), shot("signed-"+ministry), logout)
	}
	if err := chromedp.Run(ctx, sign("miit", "")); err != nil {
		t.Fatalf("miit signs: %v", err)
	}
	if !strings.Contains(inbox, testPlanTitle) || !strings.Contains(inbox, "1.1") || flash != "已提交" {
		t.Errorf("miit: inbox %q, flash %q", inbox, flash)
	}
	if err := chromedp.Run(ctx, sign("mof", "")); err != nil {
		t.Fatalf("mof signs: %v", err)
	}
	if err := chromedp.Run(ctx, sign("ndrc", "联合报告：各项工作已完成")); err != nil {
		t.Fatalf("the lead files the report: %v", err)
	}
	if err := chromedp.Run(ctx, login(s.tokens.Office)); err != nil {
		t.Fatalf("the office logs in: %v", err)
	}
	// The dashboard lists tasks from visibility, which the lead's answer
	// reaches a little after it was accepted.
	testkit.Eventually(t, "the office dashboard to show the task in review (待审核)", func() (bool, string) {
		var dashboard string
		err := chromedp.Run(ctx, chromedp.Navigate(s.url+"/office"), chromedp.Text("#tasks", &dashboard, chromedp.ByID))
		return err == nil && strings.Contains(dashboard, "待审核"), fmt.Sprintf("%q %v", dashboard, err)
	})
	var status string
	if err := chromedp.Run(ctx,
		shot("office-dashboard"),
		chromedp.Navigate(task),
		chromedp.WaitVisible("#review-form", chromedp.ByID),
		chromedp.Click("#review", chromedp.ByID),
		chromedp.WaitVisible("#flash", chromedp.ByID),
		chromedp.Text("#status", &status, chromedp.ByID),
		shot("closed"),
	); err != nil {
		t.Fatalf("office approves: %v", err)
	}
	if status != "办结" {
		t.Errorf("task page status %q, want 办结", status)
	}
	if n := s.ledgerCount(); n != 5 {
		t.Errorf("ledger has %d records, want 5", n)
	}
	var files string
	if err := chromedp.Run(ctx, chromedp.Text("#participants .files", &files, chromedp.ByQuery)); err != nil || !strings.Contains(files, "联合报告附件.pdf") {
		t.Errorf("the joint report's attachment is not listed on the task page: %q %v", files, err)
	}

	// The office's other pages, then a ministry's inbox: each is kept as a
	// screenshot, and none shows a ministry's ASCII ID or an English state.
	check := func(name, path string) chromedp.Tasks {
		var text string
		return chromedp.Tasks{
			chromedp.Navigate(s.url + path),
			chromedp.WaitVisible("main", chromedp.ByQuery),
			chromedp.Text("body", &text, chromedp.ByQuery),
			shot(name),
			chromedp.ActionFunc(func(context.Context) error {
				if leaks := s.englishLeaks(text); len(leaks) > 0 {
					t.Errorf("%s shows %q", path, leaks)
				}
				return nil
			}),
		}
	}
	if err := chromedp.Run(ctx,
		check("page-dashboard", "/office"),
		check("page-stats", "/stats?plan=web"),
		check("page-plan", "/plans/web"),
		check("page-task-attachment", "/tasks/web/1.1"),
		check("page-notifications-office", "/notifications"),
		logout,
		login(s.tokens.Ministries["miit"]),
		check("page-inbox-miit", "/inbox"),
		check("page-notifications-miit", "/notifications"),
	); err != nil {
		t.Fatalf("pages: %v", err)
	}
}

// englishStates are the identifiers the workflow and the outbox keep, which
// a Chinese page must never show as they are.
var englishStates = []string{
	"signing", "in_review", "closed", "cancelled", "granted", "refused", "pending",
	"stored", "delivered", "green", "yellow", "red", "approve", "object", "lead", "co",
}

// englishLeaks lists the ministry IDs and English state names that text
// shows as words of their own.
func (s *stack) englishLeaks(text string) []string {
	words := map[string]bool{}
	for _, w := range asciiWord.FindAllString(text, -1) {
		words[strings.ToLower(w)] = true
	}
	var out []string
	for _, m := range s.console.d.Registry.All() {
		if words[m.ID] {
			out = append(out, m.ID)
		}
	}
	for _, st := range englishStates {
		if words[st] {
			out = append(out, st)
		}
	}
	return out
}

var asciiWord = regexp.MustCompile(`[A-Za-z_]+`)

func TestEnglishLeaks(t *testing.T) {
	s := newStack(t)
	if got := s.englishLeaks("待办：ndrc、工业和信息化部 状态 signing JSON web/1.1"); !slices.Equal(got, []string{"ndrc", "signing"}) {
		t.Errorf("leaks %q, want ndrc and signing", got)
	}
}
