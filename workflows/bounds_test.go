package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"lianxi/domain"
	"lianxi/ledger"
)

func statusBytes(t *testing.T, st domain.TaskStatus) int {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// The worst a task's participants can send: 200 participants answering
// with the longest comments, the lead with the longest report, returns with
// the longest comments, three rounds of it, 60 progress reports of the
// longest text. The status stays under its documented bound, and every
// text is whole on the ledger.
func TestStatusStaysBounded(t *testing.T) {
	h := newHarness(t)
	s := spec()
	s.Participants = []string{"ndrc"}
	for i := range 199 {
		s.Participants = append(s.Participants, fmt.Sprintf("m%03d", i))
	}
	long := func(n int) string { return strings.Repeat("长", n) }
	at := time.Duration(0)
	next := func() time.Duration { at += time.Minute; return at }
	for round := range 3 {
		for i, m := range s.Participants[1:] {
			r := domain.SignOffRequest{Ministry: m, Decision: domain.DecisionObject, Comment: long(domain.MaxCommentLen), Signer: long(domain.MaxNameLen)}
			h.at(next(), func() { h.update(domain.UpdateSignOff, fmt.Sprintf("r%d-%d", round, i), r) })
		}
		h.at(next(), func() {
			h.update(domain.UpdateSignOff, fmt.Sprint("lead", round), domain.SignOffRequest{Ministry: "ndrc", Decision: domain.DecisionApprove, Report: long(domain.MaxReportLen)})
		})
		for i := range 20 {
			h.at(next(), func() {
				// Each report its own: the same text again within minutes
				// would be taken for a retry of the first.
				text := fmt.Sprintf("%d-%02d", round, i) + long(domain.MaxReportLen-4)
				h.update(domain.UpdateReportProgress, fmt.Sprintf("p%d-%d", round, i), domain.ProgressRequest{Ministry: "m001", Text: text})
			})
		}
		decision := domain.DecisionReturn
		if round == 2 {
			decision = domain.DecisionApprove
		}
		h.at(next(), func() {
			h.update(domain.UpdateReview, fmt.Sprint("review", round), domain.ReviewRequest{Decision: decision, Comment: long(domain.MaxCommentLen)})
		})
	}
	largest := 0
	for d := time.Hour; d < at; d += time.Hour {
		h.at(d, func() { largest = max(largest, statusBytes(t, h.status())) })
	}
	h.at(at-30*time.Second, func() { largest = max(largest, statusBytes(t, h.status())) })
	h.run(s)
	if out := h.outcome(); out.Status != domain.StatusClosed {
		t.Fatalf("outcome %+v", out)
	}
	if largest == 0 || largest > domain.MaxStatusBytes {
		t.Errorf("largest status %d bytes, bound %d", largest, domain.MaxStatusBytes)
	}
	t.Logf("largest status: %d bytes (bound %d)", largest, domain.MaxStatusBytes)
	// The texts are whole on the ledger.
	n := 0
	if err := h.ledger.Scan(context.Background(), func(r ledger.Record) error {
		if r.Kind == domain.KindProgress && len([]rune(r.Payload["text"])) == domain.MaxReportLen {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 60 {
		t.Errorf("%d whole progress reports on the ledger, want 60", n)
	}
}

// A task open for over two years of workflow time: reminders every three
// days, 510 progress reports of the longest text, 30 rounds returned and
// signed again, an escalation each round, a participant added and removed.
// Every run stays queryable within the bound, continues as new when the
// server suggests it, and every decision is on the ledger once.
func TestTaskLivesForYears(t *testing.T) {
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	s := spec()
	s.SignOffDue = time.Time{}
	s.SignOffPeriod = 20 * 24 * time.Hour
	const roundLen, rounds, perRun = 28 * 24 * time.Hour, 30, 10
	long := strings.Repeat("进", domain.MaxReportLen)
	input := TaskInput{Spec: s}
	start := testStart
	sent, runs, largest := map[string]bool{}, 0, 0
	participants := []string{"miit", "mof"}
	for first := 0; first < rounds; first += perRun {
		runs++
		h := newHarnessWith(t, store)
		h.env.SetStartTime(start)
		send := func(at time.Duration, name, id string, arg any) {
			sent[id] = true
			h.at(at, func() { h.update(name, id, arg) })
		}
		for r := first; r < first+perRun; r++ {
			base := time.Duration(r-first) * roundLen
			for i := range 17 {
				send(base+time.Duration(i+1)*time.Hour, domain.UpdateReportProgress, fmt.Sprintf("p%d-%d", r, i),
					domain.ProgressRequest{Ministry: "miit", Text: long})
			}
			switch r {
			case 5:
				send(base+20*time.Hour, domain.UpdateAmend, "add", domain.AmendRequest{Add: []string{"mofcom"}, Reason: "增加商务部"})
				participants = append(participants, "mofcom")
			case 12:
				send(base+20*time.Hour, domain.UpdateAmend, "remove", domain.AmendRequest{Remove: []string{"mofcom"}, Reason: "商务部不再参与"})
				participants = participants[:2]
			}
			for i, m := range participants {
				send(base+time.Duration(i+1)*24*time.Hour, domain.UpdateSignOff, fmt.Sprintf("s%d-%s", r, m), domain.SignOffRequest{Ministry: m, Decision: domain.DecisionApprove})
			}
			send(base+5*24*time.Hour, domain.UpdateSignOff, fmt.Sprint("lead", r), domain.SignOffRequest{Ministry: "ndrc", Decision: domain.DecisionApprove, Report: long})
			review := domain.ReviewRequest{Decision: domain.DecisionReturn, Comment: "请补充"}
			if r == rounds-1 {
				review = domain.ReviewRequest{Decision: domain.DecisionApprove}
			}
			send(base+6*24*time.Hour, domain.UpdateReview, fmt.Sprint("review", r), review)
			// Overdue after 20 days of the new round: escalated, reminded.
			h.at(base+27*24*time.Hour, func() { largest = max(largest, statusBytes(t, h.status())) })
		}
		if first+perRun < rounds {
			h.at(time.Duration(perRun)*roundLen-time.Hour, func() { h.env.SetContinueAsNewSuggested(true) })
		}
		h.env.ExecuteWorkflow(TaskWorkflow, input)
		for id, o := range h.results {
			if o.err != nil {
				t.Fatalf("run %d: update %s: %v", runs, id, o.err)
			}
		}
		var can *workflow.ContinueAsNewError
		if err := h.env.GetWorkflowError(); errors.As(err, &can) {
			if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &input); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(input.State)
			t.Logf("run %d continued as new carrying %d bytes of state", runs, len(b))
			if len(b) > domain.MaxStatusBytes {
				t.Errorf("run %d carries %d bytes into the next, more than the bound", runs, len(b))
			}
			start = start.Add(time.Duration(perRun) * roundLen)
			continue
		}
		if out := h.outcome(); out.Status != domain.StatusClosed || out.Rounds != rounds {
			t.Fatalf("outcome %+v, want closed after %d rounds", out, rounds)
		}
	}
	counts := map[string]int{}
	onLedger := map[string]int{}
	if err := store.Scan(context.Background(), func(r ledger.Record) error {
		counts[r.Kind]++
		if i := strings.LastIndex(r.DecisionID, "/"); i >= 0 {
			onLedger[r.DecisionID[i+1:]]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for id := range sent {
		if onLedger[id] != 1 {
			t.Errorf("decision %s is on the ledger %d times", id, onLedger[id])
		}
	}
	if res, err := ledger.Verify(context.Background(), store); err != nil || !res.OK {
		t.Errorf("ledger: %+v %v", res, err)
	}
	if counts[domain.KindEscalation] < rounds-1 || counts[domain.KindReminder] < 100 || counts[domain.KindProgress] != 510 {
		t.Errorf("ledger kinds %v: want an escalation a round, reminders every 3 days, 510 progress reports", counts)
	}
	if largest == 0 || largest > domain.MaxStatusBytes {
		t.Errorf("largest status %d bytes, bound %d", largest, domain.MaxStatusBytes)
	}
	t.Logf("%d runs, largest status %d bytes, ledger %v", runs, largest, counts)
}

// Bidirectional controls are refused in every text field, named.
func TestBidiControlsAreRefused(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() {
		h.update(domain.UpdateReportProgress, "b1", domain.ProgressRequest{Ministry: "miit", Text: "已完成\u202E成完未"})
	})
	h.at(2*time.Minute, func() {
		h.update(domain.UpdateAmend, "b2", domain.AmendRequest{Add: []string{"mof\u2066com"}, Reason: "调整"})
	})
	h.at(3*time.Minute, func() { h.update(domain.UpdateCancel, "c", domain.CancelRequest{Reason: "结束"}) })
	h.run(spec())
	h.rejected("b1", "text contains a bidirectional control")
	h.rejected("b2", "add contains a bidirectional control")
}
