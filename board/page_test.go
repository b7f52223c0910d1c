package board

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"lianxi/domain"
)

// readOrder is how people read task numbers, written out independently of
// SortKey: part by part, numbers by value, a shorter number first.
func readOrder(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		c := strings.Compare(pa[i], pb[i])
		if ea == nil && eb == nil {
			c = cmp.Compare(na, nb)
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(pa), len(pb))
}

// pageRows are 300 tasks of two plans in six sections of up to 12 numbers
// (so 2.9 and 2.10 both exist, and 3 alone), in shuffled order, a third of
// them pending for ndrc, every fifth closed.
func pageRows() []Row {
	var out []Row
	for i := range 300 {
		plan := "plan-a"
		if i%3 == 0 {
			plan = "plan-b"
		}
		no := fmt.Sprintf("%d.%d", i/50+1, i%50+1)
		if i%50 == 49 {
			no = fmt.Sprintf("%d.%d.%d", i/50+1, 1, 2)
		}
		if i == 120 {
			no = "3"
		}
		r := Row{WorkflowID: plan + "/" + no, PlanID: plan, TaskNo: no, Title: fmt.Sprintf("任务 %03d", i), Status: domain.StatusSigning,
			Round: 1, Lead: "miit", Participants: []string{"miit", "m_f"}, Pending: []string{"miit"},
			Due: time.Date(2026, 12, 1+i%28, 0, 0, 0, 0, time.UTC), WarningWindow: time.Duration(1+(i%11)%4) * 24 * time.Hour, Decisions: 1,
			UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
		if i%3 == 1 {
			r.Participants = append(r.Participants, "ndrc")
			r.Pending = append(r.Pending, "ndrc")
		}
		if i%5 == 0 {
			r.Status, r.Pending = domain.StatusClosed, []string{}
		}
		out = append(out, r)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func ids(rows []Row) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.WorkflowID)
	}
	return out
}

// allPages reads every page of q, 50 rows at a time, and checks each page's
// size and total.
func allPages(t *testing.T, b *Store, q Query, want int) []string {
	t.Helper()
	got := []string{}
	for page := 0; ; page++ {
		q.Offset, q.Limit = page*50, 50
		p, err := b.Page(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != want {
			t.Fatalf("%+v: total %d, want %d", q, p.Total, want)
		}
		if size := min(50, max(0, want-page*50)); len(p.Rows) != size {
			t.Fatalf("%+v: page %d has %d rows, want %d", q, page+1, len(p.Rows), size)
		}
		if len(p.Rows) == 0 {
			return got
		}
		got = append(got, ids(p.Rows)...)
	}
}

// A page is 50 rows in the dashboard's order (plan, then task number read
// as numbers), filters narrow both the rows and the total, and the menus
// count by status from the whole selection.
func TestPagesFiltersAndMenus(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, b := open(t)
			rows := pageRows()
			if _, err := b.Seed(ctx, rows); err != nil {
				t.Fatal(err)
			}
			sorted := slices.Clone(rows)
			slices.SortFunc(sorted, func(a, b Row) int {
				return cmp.Or(strings.Compare(a.PlanID, b.PlanID), readOrder(a.TaskNo, b.TaskNo), strings.Compare(a.WorkflowID, b.WorkflowID))
			})
			if diff := gocmp.Diff(ids(sorted), allPages(t, b, Query{}, 300)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			// Page 7 of 300 rows is empty; a Limit of 0 only counts.
			if p, err := b.Page(ctx, Query{Offset: 300, Limit: 50}); err != nil || len(p.Rows) != 0 || p.Total != 300 {
				t.Errorf("page 7: %d rows of %d (%v)", len(p.Rows), p.Total, err)
			}
			if p, err := b.Page(ctx, Query{Status: domain.StatusClosed}); err != nil || len(p.Rows) != 0 || p.Total != 60 {
				t.Errorf("count closed: %d rows of %d (%v)", len(p.Rows), p.Total, err)
			}
			filters := map[string]struct {
				q    Query
				keep func(Row) bool
			}{
				"plan":        {Query{Plan: "plan-b"}, func(r Row) bool { return r.PlanID == "plan-b" }},
				"section":     {Query{Section: "3"}, func(r Row) bool { return r.TaskNo == "3" || strings.HasPrefix(r.TaskNo, "3.") }},
				"status":      {Query{Status: domain.StatusClosed}, func(r Row) bool { return r.Status == domain.StatusClosed }},
				"participant": {Query{Participant: "ndrc"}, func(r Row) bool { return slices.Contains(r.Participants, "ndrc") }},
				"pending":     {Query{Pending: "ndrc", Plan: "plan-a"}, func(r Row) bool { return slices.Contains(r.Pending, "ndrc") && r.PlanID == "plan-a" }},
				"title":       {Query{Text: "任务 2"}, func(r Row) bool { return strings.Contains(r.Title, "任务 2") }},
				"number":      {Query{Text: "2.1"}, func(r Row) bool { return strings.HasPrefix(r.TaskNo, "2.1") }},
				// IDs match whole list items, with their case: no LIKE
				// wildcard, no ASCII case folding.
				"underscore": {Query{Participant: "m%f"}, func(Row) bool { return false }},
				"wildcard":   {Query{Participant: "m_"}, func(Row) bool { return false }},
				"case":       {Query{Participant: "NDRC"}, func(Row) bool { return false }},
				"comma":      {Query{Pending: "miit,ndrc"}, func(Row) bool { return false }},
			}
			for fname, f := range filters {
				want := []string{}
				for _, r := range sorted {
					if f.keep(r) {
						want = append(want, r.WorkflowID)
					}
				}
				if diff := gocmp.Diff(want, allPages(t, b, f.q, len(want))); diff != "" {
					t.Errorf("%s (-want +got):\n%s", fname, diff)
				}
			}
			m, err := b.Menus(ctx, "ndrc", "plan-a")
			if err != nil {
				t.Fatal(err)
			}
			// ndrc is on no task of plan-b.
			want := Menus{Plans: []string{"plan-a"}, Sections: []string{"1", "2", "3", "4", "5", "6"},
				Totals: map[string]int{domain.StatusSigning: 0, domain.StatusClosed: 0}}
			for _, r := range rows {
				if r.PlanID == "plan-a" && slices.Contains(r.Participants, "ndrc") {
					want.Totals[r.Status]++
				}
			}
			if diff := gocmp.Diff(want, m); diff != "" {
				t.Errorf("menus (-want +got):\n%s", diff)
			}
			if m, err := b.Menus(ctx, "", ""); err != nil || !slices.Equal(m.Plans, []string{"plan-a", "plan-b"}) || m.Totals[domain.StatusClosed] != 60 {
				t.Errorf("menus of every task: %+v (%v)", m, err)
			}
		})
	}
}

// An inbox reads its tasks by their light now (red, yellow, green, then
// finished), then due date, then ID: the order SortForDashboard gives, with
// each row's own warning window.
func TestUrgentOrderFollowsTheLight(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, b := open(t)
			rows := pageRows()
			rows[7].Due = time.Time{}
			rows[8].Status = domain.StatusTerminated
			if _, err := b.Seed(ctx, rows); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
			rank := func(r Row) int {
				switch l := domain.Light(r.Status, r.Due, r.WarningWindow, now); {
				case domain.IsOpen(r.Status) && l == domain.WarningRed:
					return 0
				case domain.IsOpen(r.Status) && l == domain.WarningYellow:
					return 1
				case domain.IsFinished(r.Status):
					return 3
				}
				return 2
			}
			want := slices.Clone(rows)
			slices.SortFunc(want, func(a, b Row) int {
				return cmp.Or(cmp.Compare(rank(a), rank(b)), a.Due.Compare(b.Due), strings.Compare(a.WorkflowID, b.WorkflowID))
			})
			if diff := gocmp.Diff(ids(want), allPages(t, b, Query{Urgent: true, Now: now}, 300)); diff != "" {
				t.Errorf("urgent order (-want +got):\n%s", diff)
			}
		})
	}
}

// Rows written before the page columns existed get them when the board
// opens, so they page in order like the rest.
func TestOpenFillsOlderRows(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, b := open(t)
			for _, no := range []string{"2.10", "2.9", "10.1"} {
				if _, err := s.DB().ExecContext(ctx, s.Rebind(`INSERT INTO board (`+boardColumns+`) VALUES (?, 'p', ?, 't', 'signing', 1, 'ndrc', ',ndrc,', ',ndrc,', '2026-12-01T00:00:00Z', 86400, 1, '2026-11-01T00:00:00Z')`),
					"p/"+no, no); err != nil {
					t.Fatal(err)
				}
			}
			if p, err := b.Page(ctx, Query{Section: "2", Limit: 50}); err != nil || p.Total != 0 {
				t.Fatalf("before reopening, rows without a section were found: %d (%v)", p.Total, err)
			}
			b, err := Open(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff([]string{"p/2.9", "p/2.10", "p/10.1"}, allPages(t, b, Query{}, 3)); diff != "" {
				t.Errorf("order after reopening (-want +got):\n%s", diff)
			}
			if got := allPages(t, b, Query{Section: "2"}, 2); len(got) != 2 {
				t.Errorf("section 2 after reopening: %v", got)
			}
		})
	}
}
