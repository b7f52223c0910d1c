package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/cycles"
	"lianxi/ledger"
	"lianxi/testkit"
)

// TestCycleAPI creates a monthly cycle through the API, triggers a round
// with a three-second window, has the lead report through the ordinary
// progress route while it is open, and reads the bulletin back: the lead
// reported, nobody is missing, and the figures are those on the ledger.
func TestCycleAPI(t *testing.T) {
	s := newStack(t)
	body := js(cycles.Request{ID: "monthly", Day: 25, Window: "5s"})
	if a := s.call("office", "POST", "/api/plans/web/cycles", body); a.status != http.StatusCreated {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if a := s.call("office", "POST", "/api/plans/web/cycles", body); a.status != http.StatusConflict {
		t.Errorf("create again: %d %s, want 409", a.status, a.body)
	}
	if a := s.call("office", "POST", "/api/plans/web/cycles", js(cycles.Request{ID: "bad", Day: 40, Window: "10d"})); a.status != http.StatusBadRequest {
		t.Errorf("create on day 40: %d %s, want 400", a.status, a.body)
	}
	if a := s.call("office", "POST", "/api/plans/web/cycles", js(cycles.Request{ID: "月度", Day: 25, Window: "10d"})); a.status != http.StatusBadRequest || !strings.Contains(a.body, "letters, digits") {
		t.Errorf("create with a Chinese ID (Temporal takes ASCII only): %d %s, want 400", a.status, a.body)
	}
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/none", []byte(`{"action":"pause"}`)); a.status != http.StatusNotFound {
		t.Errorf("pause a cycle that is not there: %d %s, want 404", a.status, a.body)
	}
	testkit.Eventually(t, "the cycle listed", func() (bool, string) {
		a := s.call("office", "GET", "/api/plans/web/cycles", nil)
		return a.status == 200 && strings.Contains(a.body, `"id":"monthly"`), a.body
	})

	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", []byte(`{"action":"trigger"}`)); a.status != http.StatusOK {
		t.Fatalf("trigger: %d %s", a.status, a.body)
	}
	testkit.Eventually(t, "the round opened", func() (bool, string) {
		n := 0
		err := s.ledger.ScanKind(t.Context(), "web", cycles.KindRoundOpened, func(ledger.Record) error { n++; return nil })
		return err == nil && n == 1, "no round-opened record"
	})
	ministry := newBrowser(t, s)
	ministry.login(s.tokens.Ministries["ndrc"])
	if code, _, page := ministry.do("GET", "/inbox", nil); code != http.StatusOK || !strings.Contains(page, `<table id="owed">`) || !strings.Contains(page, `href="/tasks/web/1.1"`) {
		t.Errorf("ndrc's inbox during the round: %d\n%s", code, page)
	}
	if a := s.call("ndrc", "POST", "/api/plans/web/tasks/1.1/progress", []byte(`{"text":"本期进展：已完成","request_id":"round-1"}`)); a.status != http.StatusOK {
		t.Fatalf("report: %d %s", a.status, a.body)
	}
	var list struct {
		Bulletins []cycles.Issued `json:"bulletins"`
	}
	testkit.EventuallyWithin(t, 20*time.Second, "the bulletin issued", func() (bool, string) {
		a := s.call("auditor", "GET", "/api/plans/web/bulletins", nil)
		if a.status != 200 || json.Unmarshal([]byte(a.body), &list) != nil {
			return false, a.body
		}
		return len(list.Bulletins) == 1, a.body
	})
	b := list.Bulletins[0].Bulletin
	if len(b.Reported) != 1 || b.Reported[0].Ministry != "ndrc" || len(b.Missing) != 0 || len(b.Reports) != 1 || b.Reports[0].Text != "本期进展：已完成" {
		t.Errorf("bulletin: reported %v, missing %v, reports %v", b.Reported, b.Missing, b.Reports)
	}
	if b.ByStatus["signing"] != 1 {
		t.Errorf("bulletin counts %v, want the one task signing", b.ByStatus)
	}

	if _, _, page := ministry.do("GET", "/inbox", nil); strings.Contains(page, `id="owed"`) {
		t.Errorf("ndrc's inbox still lists the report it filed:\n%s", page)
	}

	// The printable page names ministries in Chinese and shows the hash.
	br := newBrowser(t, s)
	br.login(s.tokens.Office)
	code, _, page := br.do("GET", "/plans/web/bulletins", nil)
	if code != http.StatusOK || !strings.Contains(page, "督查通报") || !strings.Contains(page, list.Bulletins[0].SHA256) ||
		!strings.Contains(page, "发展改革委") || !strings.Contains(page, "各单位均已按期报送") || strings.Contains(page, ">ndrc<") {
		t.Errorf("bulletin page: %d\n%s", code, page)
	}
	xlsx := fmt.Sprintf("/api/plans/web/bulletins/%d/export.xlsx", list.Bulletins[0].Seq)
	a := s.call("office", "GET", xlsx, nil)
	f, err := excelize.OpenReader(strings.NewReader(a.body))
	if a.status != http.StatusOK || err != nil {
		t.Fatalf("bulletin workbook: %d %v", a.status, err)
	}
	defer f.Close()
	if got, _ := f.GetCellValue("进展摘要", "E2"); got != "本期进展：已完成" {
		t.Errorf("the workbook's first report is %q", got)
	}
	if got, _ := f.GetCellValue("概况", "B7"); got != list.Bulletins[0].SHA256 {
		t.Errorf("the workbook's hash is %q, want %s", got, list.Bulletins[0].SHA256)
	}
	if code, _, _ := br.do("GET", "/plans/web/bulletins?seq=99999", nil); code != http.StatusNotFound {
		t.Errorf("a bulletin that is not there: %d, want 404", code)
	}

	// A missed date is backfilled through the API: its round opens, named
	// for the date; a second backfill while it runs is refused.
	backfill := []byte(`{"action":"backfill","from":"2026-01-01","to":"2026-01-31"}`)
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", backfill); a.status != http.StatusOK || !strings.Contains(a.body, `"started":"2026-01-25T00:00:00Z"`) {
		t.Fatalf("backfill: %d %s", a.status, a.body)
	}
	testkit.Eventually(t, "the backfilled round opened", func() (bool, string) {
		var keys []string
		err := s.ledger.ScanKind(t.Context(), "web", cycles.KindRoundOpened, func(r ledger.Record) error { keys = append(keys, r.Payload["round"]); return nil })
		return err == nil && len(keys) == 2 && keys[1] == "2026-01-25", fmt.Sprint(keys)
	})
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", backfill); a.status != http.StatusConflict {
		t.Errorf("backfill while its round runs: %d %s, want 409", a.status, a.body)
	}
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", []byte(`{"action":"backfill","from":"January","to":"2026-01-31"}`)); a.status != http.StatusBadRequest {
		t.Errorf("backfill from a word: %d %s, want 400", a.status, a.body)
	}

	// The office pauses the cycle from the page.
	if !strings.Contains(page, `id="cycles"`) || !strings.Contains(page, "每月25日") || !strings.Contains(page, "5秒") {
		t.Errorf("the bulletins page lists no cycle:\n%s", page)
	}
	form := url.Values{"action": {"pause"}, "csrf": {br.csrf("/plans/web/bulletins")}}
	if code, loc, body := br.do("POST", "/plans/web/cycles/monthly", form); code != http.StatusSeeOther || loc != "/plans/web/bulletins" {
		t.Errorf("pause from the page: %d to %q %s", code, loc, body)
	}
	testkit.Eventually(t, "the cycle listed paused", func() (bool, string) {
		a := s.call("office", "GET", "/api/plans/web/cycles", nil)
		return a.status == 200 && strings.Contains(a.body, `"paused":true`), a.body
	})

	change := js(map[string]any{"action": "change", "cycle": cycles.Request{Every: "quarter", Day: 20, Window: "10d"}})
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", change); a.status != http.StatusOK {
		t.Errorf("change: %d %s", a.status, a.body)
	}
	testkit.Eventually(t, "the changed cycle listed, still paused", func() (bool, string) {
		a := s.call("office", "GET", "/api/plans/web/cycles", nil)
		return a.status == 200 && strings.Contains(a.body, `"months":[3,6,9,12]`) && strings.Contains(a.body, `"paused":true`), a.body
	})

	if a := s.call("office", "DELETE", "/api/plans/web/cycles/monthly", nil); a.status != http.StatusOK {
		t.Errorf("delete: %d %s", a.status, a.body)
	}
}
