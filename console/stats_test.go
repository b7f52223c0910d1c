package console

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"lianxi/console/reports"
)

// The plan's figures match its task list: one task led by ndrc with miit
// and mof co-signing, all three still to answer.
func TestStats(t *testing.T) {
	s := newStack(t)
	a := s.call("office", "GET", "/api/stats?plan=web", nil)
	if a.status != 200 {
		t.Fatalf("stats: %d %s", a.status, a.body)
	}
	var got reports.Stats
	if err := json.Unmarshal([]byte(a.body), &got); err != nil {
		t.Fatal(err)
	}
	want := reports.Stats{Plan: "web", Tasks: 1,
		Ministries: []reports.MinistryStats{
			{ID: "ndrc", Name: s.console.ministryName("ndrc"), Led: 1, Pending: 1, MedianDaysToAnswer: -1},
			{ID: "miit", Name: s.console.ministryName("miit"), CoSigned: 1, Pending: 1, MedianDaysToAnswer: -1},
			{ID: "mof", Name: s.console.ministryName("mof"), CoSigned: 1, Pending: 1, MedianDaysToAnswer: -1},
		},
		Sections: []reports.SectionStats{{Section: "1", Tasks: 1, Open: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats mismatch (-want +got):\n%s", diff)
	}
	if a := s.call("office", "GET", "/api/stats", nil); a.status != 400 {
		t.Errorf("stats without a plan: %d, want 400", a.status)
	}

	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	_, _, page := office.do("GET", "/stats?plan=web", nil)
	if !strings.Contains(page, `<svg width="360"`) || !strings.Contains(page, want.Ministries[0].Name) || strings.Contains(page, ">ndrc<") {
		t.Errorf("the stats page should draw each ministry by name")
	}
}
