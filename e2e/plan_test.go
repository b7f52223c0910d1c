package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"lianxi/bundled"
	"lianxi/config"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
)

// signRound has every participant of a task answer, the lead last.
func (e *env) signRound(id string, round int) {
	e.t.Helper()
	st, err := e.tasks.Status(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var lead string
	for _, p := range st.Participants {
		if p.Role == domain.RoleLead {
			lead = p.ID
			continue
		}
		e.mustUpdate(id, domain.UpdateSignOff, fmt.Sprintf("%s-r%d", p.ID, round), domain.SignOffRequest{Ministry: p.ID, Decision: "approve"})
	}
	if lead != "" {
		e.mustUpdate(id, domain.UpdateSignOff, fmt.Sprintf("%s-r%d", lead, round), domain.SignOffRequest{Ministry: lead, Decision: "approve", Report: "联合报告"})
	}
}

// The whole bundled plan: 25 tasks launched, each driven to closed (one
// through a return), the worker replaced halfway; nothing lost, and a
// second launch starts nothing.
func TestBundledPlanToClosure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p, err := bundled.Plan()
	if err != nil {
		t.Fatal(err)
	}
	specs := starter.Specs(p, config.TaskDefaults{})
	rep, err := starter.Launch(ctx, e.client, specs, starter.Options{})
	if err != nil || rep.Started != 25 {
		t.Fatalf("launch: %+v %v", rep, err)
	}
	testkit.Eventually(t, "25 tasks signing in visibility", func() (bool, string) {
		l, err := e.tasks.List(ctx, taskclient.Filter{Plan: p.PlanID, Status: domain.StatusSigning})
		return err == nil && len(l) == 25, fmt.Sprintf("%d tasks, %v", len(l), err)
	})

	w := e.currentWorker
	drive := func(specs []domain.TaskSpec) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for _, s := range specs {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				id := domain.WorkflowID(s.PlanID, s.TaskNo)
				e.signRound(id, 1)
				if s.TaskNo == "1.1" {
					e.mustUpdate(id, domain.UpdateReview, "return", domain.ReviewRequest{Decision: "return", Comment: "请补充"})
					e.signRound(id, 2)
				}
				e.mustUpdate(id, domain.UpdateReview, "approve", domain.ReviewRequest{Decision: "approve"})
			}()
		}
		wg.Wait()
	}
	drive(specs[:12])
	// Replace the worker halfway: the tasks carry on with a new one.
	w().Stop()
	e.newW()
	drive(specs[12:])

	for _, s := range specs {
		id := domain.WorkflowID(s.PlanID, s.TaskNo)
		if out, err := e.outcome(id); err != nil || out.Status != domain.StatusClosed {
			t.Errorf("%s: %+v %v, want closed", id, out, err)
		}
	}
	testkit.Eventually(t, "25 tasks closed in visibility", func() (bool, string) {
		l, err := e.tasks.List(ctx, taskclient.Filter{Plan: p.PlanID, Status: domain.StatusClosed})
		return err == nil && len(l) == 25, fmt.Sprintf("%d tasks, %v", len(l), err)
	})
	// Every decision is on the ledger once: assigned + every answer + review.
	want := 0
	for _, s := range specs {
		want += 1 + len(s.Participants) + 1
		if s.TaskNo == "1.1" {
			want += len(s.Participants) + 1
		}
	}
	res, err := ledger.Verify(ctx, e.ledger)
	if err != nil || !res.OK || res.Count != int64(want) {
		t.Errorf("ledger: %+v %v, want OK with %d records", res, err, want)
	}
	rep, err = starter.Launch(ctx, e.client, specs, starter.Options{})
	if err != nil || rep.Started != 0 || rep.AlreadyClosed != 25 {
		t.Errorf("second launch: %+v %v, want nothing started and 25 closed", rep, err)
	}
}
