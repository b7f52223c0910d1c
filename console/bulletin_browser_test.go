package console

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lianxi/cycles"
	"lianxi/ledger"
	"lianxi/testkit"
)

// A round seen in Chromium: while it is open the lead's inbox lists the
// task under 本期待报送 with the plan's title and the deadline; once it
// closes, the office's bulletin page shows the bulletin with its figures,
// the lead named in Chinese, and both download links. Neither the inbox
// nor the bulletin shows English state names, ministry IDs, the plan ID,
// the cycle's ID or round IDs. The
// screenshots are kept under the test's temporary folder.
func TestBrowserRoundInboxAndBulletin(t *testing.T) {
	bin := chromium(t)
	s := newStack(t)
	if a := s.call("office", "POST", "/api/plans/web/cycles", js(cycles.Request{ID: "monthly", Day: 25, Window: "20s"})); a.status != http.StatusCreated {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", []byte(`{"action":"trigger"}`)); a.status != http.StatusOK {
		t.Fatalf("trigger: %d %s", a.status, a.body)
	}
	var opened ledger.Record
	testkit.Eventually(t, "the round opened", func() (bool, string) {
		n := 0
		err := s.ledger.ScanKind(t.Context(), "web", cycles.KindRoundOpened, func(r ledger.Record) error { opened = r; n++; return nil })
		return err == nil && n == 1, "no round-opened record"
	})
	closes, _ := time.Parse(time.RFC3339, opened.Payload["to"])

	dir := t.TempDir()
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
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
	noRawWords := func(page, text string, raw ...string) {
		t.Helper()
		if leaks := s.englishLeaks(text); len(leaks) > 0 {
			t.Errorf("%s shows %q", page, leaks)
		}
		for _, w := range asciiWord.FindAllString(text, -1) {
			for _, r := range append(raw, "web", "round", "cycle") {
				if strings.EqualFold(w, r) {
					t.Errorf("%s shows the raw ID %q", page, w)
				}
			}
		}
	}
	bctx := startChromium(t, bin)
	bctx, cancel := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel()

	var inbox string
	var owedRows int
	if err := chromedp.Run(bctx,
		login(s.tokens.Ministries["ndrc"]),
		chromedp.Navigate(s.url+"/inbox"),
		chromedp.WaitVisible("#owed", chromedp.ByID),
		shot("inbox-ndrc-during-round"),
		chromedp.Text("main", &inbox, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('#owed tr').length - 1`, &owedRows),
	); err != nil {
		t.Fatalf("inbox: %v", err)
	}
	deadline := closes.Local().Format("2006-01-02 15:04")
	if owedRows != 1 || !strings.Contains(inbox, "本期待报送") || !strings.Contains(inbox, testPlanTitle) || !strings.Contains(inbox, deadline) {
		t.Errorf("ndrc's inbox during the round: %d rows owed, want 1 under 本期待报送 with %s and the deadline %s:\n%s", owedRows, testPlanTitle, deadline, inbox)
	}
	noRawWords("the inbox", inbox, opened.WorkflowID)

	if a := s.call("ndrc", "POST", "/api/plans/web/tasks/1.1/progress", []byte(`{"text":"本期进展：试点已启动","request_id":"browser-round"}`)); a.status != http.StatusOK {
		t.Fatalf("report: %d %s", a.status, a.body)
	}
	var list struct {
		Bulletins []cycles.Issued `json:"bulletins"`
	}
	testkit.EventuallyWithin(t, 40*time.Second, "the bulletin issued", func() (bool, string) {
		a := s.call("auditor", "GET", "/api/plans/web/bulletins", nil)
		if a.status != 200 || json.Unmarshal([]byte(a.body), &list) != nil {
			return false, a.body
		}
		return len(list.Bulletins) == 1, a.body
	})
	is := list.Bulletins[0]
	var page string
	var links []string
	if err := chromedp.Run(bctx,
		chromedp.Click(`header form button`, chromedp.ByQuery),
		chromedp.WaitVisible("#token", chromedp.ByID),
		login(s.tokens.Office),
		chromedp.Navigate(s.url+"/plans/web/bulletins"),
		chromedp.WaitVisible("#bulletin", chromedp.ByID),
		shot("bulletin-office"),
		chromedp.Text("#bulletin", &page, chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('#bulletin a.button')).map(a => a.textContent.trim())`, &links),
	); err != nil {
		t.Fatalf("bulletin page: %v", err)
	}
	for _, want := range []string{is.Bulletin.RoundKey + " 期督查通报", "本期进展：试点已启动", s.console.ministryName("ndrc"), "各单位均已按期报送", "六、进展报送摘要（1 份）"} {
		if !strings.Contains(page, want) {
			t.Errorf("the bulletin page lacks %q:\n%s", want, page)
		}
	}
	if strings.Join(links, ",") != "下载（Excel）,下载（Word）" {
		t.Errorf("the bulletin's download links: %q", links)
	}
	// The hash is hex, not words: leave it out of the word check.
	noRawWords("the bulletin", strings.ReplaceAll(page, is.SHA256, ""), is.Bulletin.RoundID, "monthly")
	for _, name := range []string{"inbox-ndrc-during-round", "bulletin-office"} {
		if st, err := os.Stat(filepath.Join(dir, name+".png")); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
}
