package audit

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/domain"
	"lianxi/workflows"
)

func committedHistories(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(historyDir, "*", "*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no committed histories under %s (go test ./audit -run Generate -update): %v", historyDir, err)
	}
	return files
}

var quiet = log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

// Every committed history of every lifecycle path replays against the
// current workflow code. A change to workflow logic that is not patched
// with workflow.GetVersion fails here.
func TestCommittedHistoriesReplay(t *testing.T) {
	paths := map[string]bool{}
	r := NewReplayer(quiet)
	for _, f := range committedHistories(t) {
		gen := filepath.Base(filepath.Dir(filepath.Dir(f)))
		paths[gen+"/"+filepath.Base(filepath.Dir(f))] = true
		h, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Replay(h); err != nil {
			t.Errorf("%s does not replay: %v", f, err)
		}
	}
	for name := range scenarios {
		if !paths[historyGeneration+"/"+name] {
			t.Errorf("no committed history of generation %s for the %s path", historyGeneration, name)
		}
	}
}

// The overdue history really has reminders and an escalation in it.
func TestOverdueHistoryHasTimers(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(historyDir, "*", "overdue-reminders", "*.json"))
	if len(files) == 0 {
		t.Fatal("no overdue-reminders history")
	}
	for _, f := range files {
		checkOverdue(t, f)
	}
}

func checkOverdue(t *testing.T, f string) {
	h, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	// Before the transactional outbox, reminders and the escalation were
	// notification activities; since, each is a record (local activity
	// marker) besides the assignment and the four people's decisions.
	timers, notifies, records := 0, 0, 0
	for _, ev := range h.GetEvents() {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			timers++
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if ev.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
				records++
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if n := ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName(); n == "Notify" || n == "NotifyBatch" {
				notifies++
			}
		}
	}
	if timers < 3 || (notifies < 4 && records < 1+4+2) {
		t.Errorf("%s: %d timers fired, %d notification activities, %d records; want reminders and an escalation", f, timers, notifies, records)
	}
}

// changed is the lifecycle with an extra activity at the start, as a
// careless edit would add it.
func changed(ctx workflow.Context, in workflows.TaskInput) (domain.TaskOutcome, error) {
	notifyOffice(ctx)
	return workflows.TaskWorkflow(ctx, in)
}

// patched is the same edit behind workflow.GetVersion: old histories keep
// the old path.
func patched(ctx workflow.Context, in workflows.TaskInput) (domain.TaskOutcome, error) {
	if workflow.GetVersion(ctx, "notify-office-on-start", workflow.DefaultVersion, 1) == 1 {
		notifyOffice(ctx)
	}
	return workflows.TaskWorkflow(ctx, in)
}

func notifyOffice(ctx workflow.Context) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	_ = workflow.ExecuteActivity(actx, a.Notify, activities.NotifyInput{Notification: activities.Notification{ID: "extra", Recipient: "office"}}).Get(ctx, nil)
}

func TestReplayGuardCatchesUnpatchedChange(t *testing.T) {
	register := func(fn any) func(sdkworker.WorkflowReplayer) {
		return func(r sdkworker.WorkflowReplayer) {
			r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: workflows.WorkflowName})
		}
	}
	bad, good := NewReplayer(quiet, register(changed)), NewReplayer(quiet, register(patched))
	for _, f := range committedHistories(t) {
		h, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f, "continue-as-new") && h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId() != "" {
			continue // later runs start from carried state, past the edit
		}
		if err := bad.Replay(h); err == nil {
			t.Errorf("%s replayed against an unpatched change", f)
		} else if !strings.Contains(err.Error(), "nondeterministic") {
			t.Errorf("%s: unexpected failure %v", f, err)
		}
		if err := good.Replay(h); err != nil {
			t.Errorf("%s does not replay against the patched change: %v", f, err)
		}
	}
}

// Export writes what Load reads back, event for event.
func TestExportReadsBack(t *testing.T) {
	f := committedHistories(t)[0]
	h, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "h.json")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := Load(out)
	if err != nil || len(back.GetEvents()) != len(h.GetEvents()) {
		t.Fatalf("read back %d events, want %d: %v", len(back.GetEvents()), len(h.GetEvents()), err)
	}
	if err := NewReplayer(quiet).Replay(back); err != nil {
		t.Error(err)
	}
}
