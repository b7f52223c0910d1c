package board

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

func entry(id string, i int) ledger.Entry {
	return ledger.Entry{
		DecisionID: id, WorkflowID: "plan/1.1", RunID: "run", PlanID: "plan", TaskNo: "1.1",
		Round: 1, Kind: domain.KindSignOff, Ministry: "ndrc", Person: "张三",
		Payload: map[string]string{"decision": "approve", "n": fmt.Sprint(i)},
		At:      time.Date(2026, 3, 1, 9, 0, 0, i, time.UTC),
	}
}

func row(id, status string, decisions int, pending ...string) Row {
	return Row{WorkflowID: id, PlanID: "plan", TaskNo: id[len("plan/"):], Title: "任务 " + id, Status: status, Round: 1,
		Lead: "ndrc", Participants: []string{"ndrc", "miit", "m_f"}, Pending: pending,
		Due: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), WarningWindow: 5 * 24 * time.Hour, Decisions: decisions,
		UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
}

// The board is written in the record's transaction: a row lands with its
// record, never without it, and an older row never replaces a newer one.
func TestBoardIsWrittenWithItsRecord(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, b := open(t)
			if _, err := s.Append(ctx, entry("a", 1), b.Put(row("plan/1.1", "signing", 1, "miit", "m_f", "ndrc"))); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Append(ctx, entry("b", 2), b.Put(row("plan/1.1", "signing", 2, "m_f", "ndrc"))); err != nil {
				t.Fatal(err)
			}
			// A record the ledger refuses leaves the board as it was.
			refused := entry("c", 3)
			refused.Kind = ""
			if _, err := s.Append(ctx, refused, b.Put(row("plan/1.1", "closed", 3))); err == nil {
				t.Fatal("an invalid entry was recorded")
			}
			failing := func(context.Context, func(string, ...any) error) error { return errors.New("outbox down") }
			if _, err := s.Append(ctx, entry("d", 4), b.Put(row("plan/1.1", "closed", 4)), failing); err == nil {
				t.Fatal("append succeeded though part of its transaction failed")
			}
			// A stale row (fewer decisions) does not replace a newer one.
			if _, err := s.Append(ctx, entry("e", 5), b.Put(row("plan/1.1", "signing", 1, "miit", "m_f", "ndrc"))); err != nil {
				t.Fatal(err)
			}
			got, err := b.List(ctx, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			want := row("plan/1.1", "signing", 2, "m_f", "ndrc")
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Fatalf("board = %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestFiltersAndSeeds(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, b := open(t)
			if _, err := s.Append(ctx, entry("a", 1), b.Put(row("plan/1.1", "signing", 3, "miit"))); err != nil {
				t.Fatal(err)
			}
			// Seeding adds what is missing and never replaces a row a task wrote.
			n, err := b.Seed(ctx, []Row{row("plan/1.1", "closed", 0), row("plan/1.2", "in_review", 0), row("plan/1.3", "signing", 0, "mf_", "m_f")})
			if err != nil || n != 2 {
				t.Fatalf("seeded %d rows (%v), want 2", n, err)
			}
			ids := func(f Filter) []string {
				rows, err := b.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				out := []string{}
				for _, r := range rows {
					out = append(out, r.WorkflowID)
				}
				return out
			}
			for _, c := range []struct {
				f    Filter
				want []string
			}{
				{Filter{}, []string{"plan/1.1", "plan/1.2", "plan/1.3"}},
				{Filter{Status: "signing"}, []string{"plan/1.1", "plan/1.3"}},
				{Filter{Pending: "miit"}, []string{"plan/1.1"}},
				// _ is a LIKE wildcard: "m_f" must not match "mif" or "mf_".
				{Filter{Pending: "m_f"}, []string{"plan/1.3"}},
				{Filter{Pending: "mif"}, []string{}},
				{Filter{Participant: "ndrc", Plan: "plan"}, []string{"plan/1.1", "plan/1.2", "plan/1.3"}},
				{Filter{Participant: "ndrc", Plan: "other"}, []string{}},
				{Filter{Pending: "%"}, []string{}},
			} {
				if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
					t.Errorf("List(%+v) = %v, want %v", c.f, got, c.want)
				}
			}
		})
	}
}

// Appends made at the same time are committed in groups; an append whose
// part of the transaction fails fails alone, and the others are recorded
// once each, on an unbroken chain, with their rows.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, b := open(t)
			const n = 60
			failing := func(context.Context, func(string, ...any) error) error { return errors.New("outbox down") }
			errs := make([]error, n)
			recs := make([]ledger.Record, n)
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					also := []ledger.Also{b.Put(row(fmt.Sprintf("plan/1.%d", i), "signing", 1, "miit"))}
					if i%7 == 3 {
						also = append(also, failing)
					}
					// Some appends repeat the decision ID of one that succeeds.
					id := fmt.Sprintf("d%d", i)
					if i%10 == 9 && i%7 != 3 && (i-1)%7 != 3 {
						id = fmt.Sprintf("d%d", i-1)
					}
					recs[i], errs[i] = s.Append(ctx, entry(id, i), also...)
				}()
			}
			wg.Wait()
			ok := map[string]int64{}
			for i := 0; i < n; i++ {
				if (errs[i] != nil) != (i%7 == 3) {
					t.Errorf("append %d: error %v, want one only for the failing part", i, errs[i])
				}
				if errs[i] == nil {
					if seq, seen := ok[recs[i].DecisionID]; seen && seq != recs[i].Seq {
						t.Errorf("decision %s answered with two records (%d and %d)", recs[i].DecisionID, seq, recs[i].Seq)
					}
					ok[recs[i].DecisionID] = recs[i].Seq
				}
			}
			res, err := ledger.Verify(ctx, s)
			if err != nil || !res.OK || res.Count != int64(len(ok)) {
				t.Fatalf("verify: %+v %v; want %d records", res, err, len(ok))
			}
			rows, err := b.List(ctx, Filter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				var i int
				fmt.Sscanf(r.TaskNo, "1.%d", &i)
				if i%7 == 3 {
					t.Errorf("row of failed append %d was written", i)
				}
			}
		})
	}
}

// End ends an open row only, empties its pending list, and counts
// the board's rows by status, on both backends.
func TestEndAndCounts(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			_, b := open(t)
			if _, err := b.Seed(ctx, []Row{row("plan/1.1", "signing", 1, "miit"), row("plan/1.2", "closed", 5), row("plan/1.3", "signing", 1, "ndrc")}); err != nil {
				t.Fatal(err)
			}
			openSt := []string{"signing", "in_review"}
			at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
			for _, c := range []struct {
				id   string
				want bool
			}{{"plan/1.1", true}, {"plan/1.1", false}, {"plan/1.2", false}, {"plan/none", false}} {
				if got, err := b.End(ctx, c.id, "terminated", openSt, at); err != nil || got != c.want {
					t.Errorf("End(%s) = %v, %v; want %v", c.id, got, err, c.want)
				}
			}
			rows, err := b.List(ctx, Filter{Plan: "plan"})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range rows {
				got[r.WorkflowID] = fmt.Sprint(r.Status, r.Pending)
			}
			want := map[string]string{"plan/1.1": "terminated[]", "plan/1.2": "closed[]", "plan/1.3": "signing[ndrc]"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("board %v, want %v", got, want)
			}
			for st, want := range map[string]int{"signing": 1, "closed": 1, "terminated": 1, "in_review": 0} {
				if n, err := b.Count(ctx, st); err != nil || n != want {
					t.Errorf("Count(%s) = %d, %v; want %d", st, n, err, want)
				}
			}
			if _, err := b.End(ctx, "plan/1.3", "terminated", nil, at); err == nil {
				t.Error("End with no open statuses was accepted")
			}
		})
	}
}
