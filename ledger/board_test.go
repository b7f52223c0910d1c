package ledger

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

func row(id, status string, decisions int, pending ...string) BoardRow {
	return BoardRow{WorkflowID: id, PlanID: "plan", TaskNo: id[len("plan/"):], Title: "任务 " + id, Status: status, Round: 1,
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
			s := open(t)
			if _, err := s.Append(ctx, entry("a", 1), PutBoard(row("plan/1.1", "signing", 1, "miit", "m_f", "ndrc"))); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Append(ctx, entry("b", 2), PutBoard(row("plan/1.1", "signing", 2, "m_f", "ndrc"))); err != nil {
				t.Fatal(err)
			}
			// A record the ledger refuses leaves the board as it was.
			refused := entry("c", 3)
			refused.Kind = ""
			if _, err := s.Append(ctx, refused, PutBoard(row("plan/1.1", "closed", 3))); err == nil {
				t.Fatal("an invalid entry was recorded")
			}
			failing := func(context.Context, func(string, ...any) error) error { return errors.New("outbox down") }
			if _, err := s.Append(ctx, entry("d", 4), PutBoard(row("plan/1.1", "closed", 4)), failing); err == nil {
				t.Fatal("append succeeded though part of its transaction failed")
			}
			// A stale row (fewer decisions) does not replace a newer one.
			if _, err := s.Append(ctx, entry("e", 5), PutBoard(row("plan/1.1", "signing", 1, "miit", "m_f", "ndrc"))); err != nil {
				t.Fatal(err)
			}
			got, err := s.Board(ctx, BoardFilter{})
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

func TestBoardFiltersAndSeeds(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if _, err := s.Append(ctx, entry("a", 1), PutBoard(row("plan/1.1", "signing", 3, "miit"))); err != nil {
				t.Fatal(err)
			}
			// Seeding adds what is missing and never replaces a row a task wrote.
			n, err := s.SeedBoard(ctx, []BoardRow{row("plan/1.1", "closed", 0), row("plan/1.2", "in_review", 0), row("plan/1.3", "signing", 0, "mf_", "m_f")})
			if err != nil || n != 2 {
				t.Fatalf("seeded %d rows (%v), want 2", n, err)
			}
			ids := func(f BoardFilter) []string {
				rows, err := s.Board(ctx, f)
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
				f    BoardFilter
				want []string
			}{
				{BoardFilter{}, []string{"plan/1.1", "plan/1.2", "plan/1.3"}},
				{BoardFilter{Status: "signing"}, []string{"plan/1.1", "plan/1.3"}},
				{BoardFilter{Pending: "miit"}, []string{"plan/1.1"}},
				// _ is a LIKE wildcard: "m_f" must not match "mif" or "mf_".
				{BoardFilter{Pending: "m_f"}, []string{"plan/1.3"}},
				{BoardFilter{Pending: "mif"}, []string{}},
				{BoardFilter{Participant: "ndrc", Plan: "plan"}, []string{"plan/1.1", "plan/1.2", "plan/1.3"}},
				{BoardFilter{Participant: "ndrc", Plan: "other"}, []string{}},
				{BoardFilter{Pending: "%"}, []string{}},
			} {
				if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
					t.Errorf("Board(%+v) = %v, want %v", c.f, got, c.want)
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
			s := open(t)
			const n = 60
			failing := func(context.Context, func(string, ...any) error) error { return errors.New("outbox down") }
			errs := make([]error, n)
			recs := make([]Record, n)
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					also := []Also{PutBoard(row(fmt.Sprintf("plan/1.%d", i), "signing", 1, "miit"))}
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
			res, err := Verify(ctx, s)
			if err != nil || !res.OK || res.Count != int64(len(ok)) {
				t.Fatalf("verify: %+v %v; want %d records", res, err, len(ok))
			}
			rows, err := s.Board(ctx, BoardFilter{})
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

// EndBoard ends an open row only, empties its pending list, and counts
// the board's rows by status, on both backends.
func TestEndBoardAndCounts(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if _, err := s.SeedBoard(ctx, []BoardRow{row("plan/1.1", "signing", 1, "miit"), row("plan/1.2", "closed", 5), row("plan/1.3", "signing", 1, "ndrc")}); err != nil {
				t.Fatal(err)
			}
			openSt := []string{"signing", "in_review"}
			at := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
			for _, c := range []struct {
				id   string
				want bool
			}{{"plan/1.1", true}, {"plan/1.1", false}, {"plan/1.2", false}, {"plan/none", false}} {
				if got, err := s.EndBoard(ctx, c.id, "terminated", openSt, at); err != nil || got != c.want {
					t.Errorf("EndBoard(%s) = %v, %v; want %v", c.id, got, err, c.want)
				}
			}
			rows, err := s.Board(ctx, BoardFilter{Plan: "plan"})
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
				if n, err := s.BoardCount(ctx, st); err != nil || n != want {
					t.Errorf("BoardCount(%s) = %d, %v; want %d", st, n, err, want)
				}
			}
			if _, err := s.EndBoard(ctx, "plan/1.3", "terminated", nil, at); err == nil {
				t.Error("EndBoard with no open statuses was accepted")
			}
		})
	}
}
