package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"

	commonpb "go.temporal.io/api/common/v1"

	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/workflows"
)

// bodySwap signs a claim for one request body and sends another: what a
// client holding a captured claim, or a buggy one, would do.
type bodySwap struct {
	interceptor.ClientInterceptorBase
	key  door.Key
	sent any
}

func (b *bodySwap) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	return &bodySwapOut{ClientOutboundInterceptorBase: interceptor.ClientOutboundInterceptorBase{Next: next}, b: b}
}

type bodySwapOut struct {
	interceptor.ClientOutboundInterceptorBase
	b *bodySwap
}

func (o *bodySwapOut) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	hash, _ := door.InputHash(in.Args[0])
	claim, _ := o.b.key.Sign(door.Claim{Principal: door.Principal{Name: "miit", Role: door.RoleMinistry, Ministry: "miit"},
		WorkflowID: in.WorkflowID, Update: in.UpdateName, UpdateID: in.UpdateID, Input: hash, IssuedAt: time.Now().UTC()})
	interceptor.Header(ctx)[door.HeaderKey] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)}, Data: claim}
	in.Args = []any{o.b.sent}
	return o.Next.UpdateWorkflow(ctx, in)
}

// Every way in is signed: a task started by a bare Temporal client, or
// with a forged state, or under a claim for another input, fails at once
// and records nothing; a claim for one request body does not carry
// another. A start through the launcher's client runs.
func TestStartsAndBodiesAreSigned(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	before := s.ledgerCount()
	spec := domain.TaskSpec{PlanID: "web", TaskNo: "9.9", Title: "伪造任务", Lead: "ndrc", Participants: []string{"ndrc", "miit"}}
	spec = starter.FixDue(spec, time.Now())
	forged := domain.TaskState{Status: domain.StatusInReview, Round: 1, Lead: "ndrc", Assigned: true,
		Participants: []domain.Participant{{ID: "ndrc", Role: domain.RoleLead, Answer: &domain.Answer{Decision: "approve", Report: "伪造"}}}}
	otherKey, _ := door.NewKey()
	withKey := func(k door.Key) client.Client {
		c, err := client.NewClientFromExisting(s.raw, client.Options{Namespace: s.tasks.Namespace, Interceptors: []interceptor.ClientInterceptor{door.ClientInterceptor(k)}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		id, want string
		c        client.Client
		in       workflows.TaskInput
	}{
		{"web/9.1", "carries no signed principal", s.raw, workflows.TaskInput{Spec: spec}},
		{"web/9.2", "signature does not match", withKey(otherKey), workflows.TaskInput{Spec: spec}},
		{"web/9.3", "without carried state", withKey(s.key), workflows.TaskInput{Spec: spec, State: &forged}},
	}
	for _, c := range cases {
		sp := c.in.Spec
		sp.TaskNo = strings.TrimPrefix(c.id, "web/")
		c.in.Spec = sp
		run, err := c.c.ExecuteWorkflow(ctx, starter.StartOptions(sp), workflows.WorkflowName, c.in)
		if err != nil {
			t.Fatalf("%s: start: %v", c.id, err)
		}
		err = run.Get(ctx, nil)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != door.ErrTypeUnauthorized || !strings.Contains(app.Error(), c.want) {
			t.Errorf("%s: %v, want refused: %s", c.id, err, c.want)
		}
		d, err := s.raw.DescribeWorkflowExecution(ctx, c.id, "")
		if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
			t.Errorf("%s: %v %v, want failed", c.id, d.GetWorkflowExecutionInfo().GetStatus(), err)
		}
	}
	if n := s.ledgerCount(); n != before {
		t.Errorf("refused starts wrote %d records", n-before)
	}
	// Nothing of them reached an inbox or the board.
	for _, m := range []string{"ndrc", "miit", "office"} {
		msgs, err := s.outbox.Inbox(ctx, m, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range msgs {
			if strings.Contains(msg.Text, "伪造任务") {
				t.Errorf("%s was notified of a refused start: %s", m, msg.Text)
			}
		}
	}
	if rows, err := s.tasks.List(ctx, taskclient.Filter{Plan: "web"}); err != nil || len(rows) != 1 {
		t.Errorf("the board lists %d tasks of plan web (%v), want only the launched one", len(rows), err)
	}

	// The signed launcher's start runs and records its assignment.
	ok := spec
	ok.TaskNo = "9.4"
	if _, err := starter.Launch(ctx, withKey(s.key), []domain.TaskSpec{ok}, starter.Options{}); err != nil {
		t.Fatal(err)
	}
	s.eventuallyLedgerCount("the signed start's assignment", before+1)

	// A claim signed for an approval does not carry an objection.
	swap := &bodySwap{key: s.key, sent: domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionObject, Comment: "替换"}}
	sc, err := client.NewClientFromExisting(s.raw, client.Options{Namespace: s.tasks.Namespace, Interceptors: []interceptor.ClientInterceptor{swap}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = (&taskclient.Client{C: sc}).Update(ctx, "web/1.1", domain.UpdateSignOff, "swap-1",
		domain.SignOffRequest{Ministry: "miit", Decision: domain.DecisionApprove})
	if err == nil || !strings.Contains(err.Error(), "another request body") {
		t.Errorf("a swapped body: %v, want refused", err)
	}
}

// A reporting round writes records and tells ministries what they owe, so
// it starts only from a cycle the office created (its input carries the
// office's grant) or by hand through lianxi (a signed claim): a bare
// Temporal client's round, or one with a forged grant, fails and records
// nothing; a granted input runs.
func TestRoundStartsAreGranted(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	before := s.ledgerCount()
	in := cycles.RoundInput{PlanID: "web", RoundKey: "bare", Window: time.Hour}
	forged := in
	forged.RoundKey, forged.Grant = "forged", strings.Repeat("ab", 32)
	other, _ := door.NewKey()
	stolen := in
	stolen.RoundKey = "other-key"
	msg, _ := domain.GrantMessage(stolen)
	stolen.Grant = other.Grant(msg)
	for _, c := range []cycles.RoundInput{in, forged, stolen} {
		run, err := s.raw.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: cycles.RoundID("web", c.RoundKey), TaskQueue: workflows.TaskQueue},
			cycles.WorkflowName, c)
		if err != nil {
			t.Fatalf("%s: start: %v", c.RoundKey, err)
		}
		// A round let through would wait out its hour: the bound says so.
		gctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = run.Get(gctx, nil)
		cancel()
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != door.ErrTypeUnauthorized || !strings.Contains(app.Error(), "neither a signed principal nor the office's grant") {
			t.Errorf("%s: %v, want refused", c.RoundKey, err)
		}
	}
	if n := s.ledgerCount(); n != before {
		t.Errorf("refused rounds wrote %d records", n-before)
	}
	// A cycle's input with the office's grant runs as the cycle's round
	// of a date: its opening is recorded.
	granted := in
	granted.RoundKey, granted.CycleID = "", "monthly"
	msg, _ = domain.GrantMessage(granted)
	granted.Grant = s.key.Grant(msg)
	if _, err := s.raw.ExecuteWorkflow(ctx, scheduledStart("monthly", time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)),
		cycles.WorkflowName, granted); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the granted round opened on the ledger", func() (bool, string) {
		n := s.ledgerCount()
		return n > before, fmt.Sprintf("%d records, %d before", n, before)
	})
}

// scheduledStart are the options a cycle's schedule starts its round of
// date with: the ID it gives that date, and the date stamped on the run.
func scheduledStart(cycle string, date time.Time) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: cycles.ScheduleRoundPrefix("web", cycle) + "-" + date.Format(time.RFC3339), TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime").ValueSet(date))}
}

// The office's grant for a cycle binds the cycle's settings and its
// rounds: copied from the schedule by a bare Temporal client, it starts
// no round with another window or other reporters, none under another
// ID, none without the date its schedule stamps or for another date, and
// none as a round of no cycle; the cycle's own round of a date runs.
func TestRoundGrantBindsItsCycle(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	grant := func(in cycles.RoundInput) cycles.RoundInput {
		msg, _ := domain.GrantMessage(in)
		in.Grant = s.key.Grant(msg)
		return in
	}
	date := time.Date(2027, 1, 25, 0, 0, 0, 0, time.UTC)
	cycle := grant(cycles.RoundInput{PlanID: "web", CycleID: "monthly", Window: time.Hour, Reporters: cycles.ReportersLead})
	wider, all := cycle, cycle
	wider.Window = 30 * 24 * time.Hour
	all.Reporters = cycles.ReportersAll
	elsewhere := scheduledStart("monthly", date)
	elsewhere.ID = "round/web/elsewhere"
	unstamped := scheduledStart("monthly", date)
	unstamped.TypedSearchAttributes = temporal.SearchAttributes{}
	otherDate := scheduledStart("monthly", date)
	otherDate.TypedSearchAttributes = scheduledStart("monthly", date.AddDate(0, 1, 0)).TypedSearchAttributes
	otherCycle := scheduledStart("quarterly", date)
	noCycle := grant(cycles.RoundInput{PlanID: "web", Window: time.Hour})
	before := s.ledgerCount()
	for _, c := range []struct {
		name string
		opts client.StartWorkflowOptions
		in   cycles.RoundInput
		want string
	}{
		{"a wider window", scheduledStart("monthly", date), wider, "neither a signed principal nor the office's grant"},
		{"every participant", scheduledStart("monthly", date), all, "neither a signed principal nor the office's grant"},
		{"another ID", elsewhere, cycle, "starts that cycle's rounds only"},
		{"no date stamped", unstamped, cycle, "starts that cycle's rounds only"},
		{"another date stamped", otherDate, cycle, "starts that cycle's rounds only"},
		{"another cycle's ID", otherCycle, cycle, "starts that cycle's rounds only"},
		{"no cycle", scheduledStart("monthly", date.AddDate(0, 0, 1)), noCycle, "names no cycle"},
	} {
		run, err := s.raw.ExecuteWorkflow(ctx, c.opts, cycles.WorkflowName, c.in)
		if err != nil {
			t.Fatalf("%s: start: %v", c.name, err)
		}
		gctx, cancel := context.WithTimeout(ctx, time.Minute)
		err = run.Get(gctx, nil)
		cancel()
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != door.ErrTypeUnauthorized || !strings.Contains(app.Error(), c.want) {
			t.Errorf("%s: %v, want refused (%s)", c.name, err, c.want)
		}
	}
	if n := s.ledgerCount(); n != before {
		t.Errorf("refused rounds wrote %d records", n-before)
	}
	if _, err := s.raw.ExecuteWorkflow(ctx, scheduledStart("monthly", date), cycles.WorkflowName, cycle); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, "the cycle's round of its date opened", func() (bool, string) {
		n := s.ledgerCount()
		return n > before, fmt.Sprintf("%d records, %d before", n, before)
	})
}
