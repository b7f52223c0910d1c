package audit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"

	"lianxi/domain"
	"lianxi/ledger"
)

func TestTimelineCrossChecksLedger(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	id := scenarios["return-second-round"](l)
	l.wait(id)
	runs, err := Runs(ctx, l.c, l.ns, TaskQuery(id))
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v %v", runs, err)
	}
	h, err := Fetch(ctx, l.c, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	histories := map[string]*historypb.History{runs[0].RunID: h}

	tl, err := BuildTimeline(ctx, id, histories, l.ledger)
	if err != nil {
		t.Fatal(err)
	}
	// assigned + 6 sign-offs + return + approval, all matched.
	if len(tl.Entries) != 9 || tl.Problems != 0 {
		t.Fatalf("timeline has %d entries and %d problems: %+v", len(tl.Entries), tl.Problems, tl.Entries)
	}
	rounds := map[int]int{}
	for _, e := range tl.Entries {
		if e.LedgerSeq == 0 {
			t.Errorf("entry %s has no ledger record", e.DecisionID)
		}
		rounds[e.Round]++
	}
	if rounds[1] != 5 || rounds[2] != 4 {
		t.Errorf("entries per round %v, want 5 in round 1 (assigned, 3 answers, return) and 4 in round 2", rounds)
	}
	if e := tl.Entries[1]; e.Action != "sign-off" || e.Actor != "miit" || e.RequestID != "miit-1" {
		t.Errorf("second entry %+v, want miit's sign-off", e)
	}

	// A decision on the ledger that the history never accepted is flagged.
	if _, err := l.ledger.Append(ctx, ledger.Entry{DecisionID: id + "/ghost", WorkflowID: id, RunID: "x", PlanID: "audit", TaskNo: "3",
		Round: 2, Kind: domain.KindSignOff, Ministry: "mof", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	tl, _ = BuildTimeline(ctx, id, histories, l.ledger)
	if tl.Problems != 1 {
		t.Errorf("ghost decision: %d problems, want 1", tl.Problems)
	}
	// A record whose text was rewritten in the database (triggers dropped)
	// no longer matches the update the workflow accepted.
	db := l.ledger.DB()
	for _, q := range []string{`DROP TRIGGER IF EXISTS decisions_no_update`,
		`UPDATE decisions SET payload = '{"decision":"return","comment":"改写"}' WHERE decision_id LIKE '%/return'`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tl, _ = BuildTimeline(ctx, id, histories, l.ledger)
	rewritten := 0
	for _, e := range tl.Entries {
		if strings.Contains(e.Problem, "comment is \"请补充\" in the history and \"改写\" on the ledger") {
			rewritten++
		}
	}
	if rewritten != 1 || tl.Problems != 2 {
		t.Errorf("rewritten record: %d flagged, %d problems (want 1 and 2 with the ghost): %+v", rewritten, tl.Problems, tl.Entries)
	}
	// Against an empty ledger every accepted update is flagged.
	empty, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	tl, _ = BuildTimeline(ctx, id, histories, empty)
	if tl.Problems != 8 {
		t.Errorf("empty ledger: %d problems, want the 8 accepted updates", tl.Problems)
	}
}

// A decision the workflow took over from the ledger (its own workflow
// task never completed) and a retry answered with the first receipt are
// explained on the timeline, not flagged.
func TestTimelineExplainsAdoptedAndRetried(t *testing.T) {
	l := newLab(t)
	ctx := context.Background()
	id := scenarios["adopt-ghost"](l)
	l.wait(id)
	runs, err := Runs(ctx, l.c, l.ns, TaskQuery(id))
	if err != nil {
		t.Fatal(err)
	}
	histories := map[string]*historypb.History{}
	for _, r := range runs {
		h, err := Fetch(ctx, l.c, r)
		if err != nil {
			t.Fatal(err)
		}
		histories[r.RunID] = h
	}
	tl, err := BuildTimeline(ctx, id, histories, l.ledger)
	if err != nil {
		t.Fatal(err)
	}
	adopted := 0
	for _, e := range tl.Entries {
		if e.DecisionID == id+"/ghost-miit" && e.AdoptedBy > 0 {
			adopted++
		}
	}
	if tl.Problems != 0 || adopted != 1 {
		t.Errorf("%d problems, ghost adopted %d times: %+v", tl.Problems, adopted, tl.Entries)
	}

	id2 := l.start(spec("14"), 0)
	l.do(id2, domain.UpdateReportProgress, "p", domain.ProgressRequest{Ministry: "mof", Text: "进展"})
	l.do(id2, domain.UpdateReportProgress, "p-again", domain.ProgressRequest{Ministry: "mof", Text: "进展"})
	l.do(id2, domain.UpdateCancel, "end", domain.CancelRequest{Reason: "测试结束"})
	l.wait(id2)
	runs, _ = Runs(ctx, l.c, l.ns, TaskQuery(id2))
	h, err := Fetch(ctx, l.c, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	tl, _ = BuildTimeline(ctx, id2, map[string]*historypb.History{runs[0].RunID: h}, l.ledger)
	retries := 0
	for _, e := range tl.Entries {
		if e.RequestID == "p-again" && e.RetryOf == id2+"/p" {
			retries++
		}
	}
	if tl.Problems != 0 || retries != 1 {
		t.Errorf("%d problems, %d retries explained: %+v", tl.Problems, retries, tl.Entries)
	}
}
