// Package workflows runs one plan task from assignment to closure as a
// Temporal workflow: joint sign-off by every listed ministry (the lead signs
// last with the joint report), review by the office, reminders, deadlines,
// escalation, participant changes, extensions and cancellation.
//
// The workflow registers one Workflow Update per action definition (package
// actions), with the definition's rules as its validator, so a rejected
// action leaves nothing in history, and every accepted one is on the ledger
// before the caller gets its receipt. The task's rules and transitions live
// in package domain; this package adds only what Temporal needs: handlers,
// timers, the record and the search attributes. It links no store: the
// ledger is reached through a local activity called by name.
package workflows

import (
	"fmt"
	"time"

	"lianxi/domain"
)

// TaskQueue is the task queue the lifecycle workflow and its activities use.
const TaskQueue = "lianxi-tasks"

// WorkflowName is the registered name of the lifecycle workflow.
const WorkflowName = "TaskLifecycle"

// QueryStatus is the query that answers a task's domain.TaskStatus.
const QueryStatus = "status"

// ErrTypeInvalidTask is the error type of a workflow that was started with
// a spec it cannot run; such a start fails at once, without retries.
const ErrTypeInvalidTask = "InvalidTask"

// TaskInput starts or continues a task workflow.
type TaskInput struct {
	Spec domain.TaskSpec `json:"spec"`
	// State is set only when the workflow continues as new.
	State *domain.TaskState `json:"state,omitempty"`
	// ContinueAsNewAfter, when positive, continues as new once the history
	// is this long, in addition to when the server suggests it.
	ContinueAsNewAfter int `json:"continue_as_new_after,omitempty"`
	// Revision is the workflow revision the launcher started the task at
	// (CurrentRevision), carried through continue-as-new; runs started
	// without it (before the field existed, or by hand) keep the behaviour
	// of revision 0, so their histories replay as they were made.
	//
	//   - 1: the run keeps up with its ledger from its first step, without
	//     asking workflow.GetVersion (whose marker also upserts the
	//     TemporalChangeVersion search attribute, one visibility write
	//     per task).
	//   - 2: the search attributes are those the launcher set with the
	//     start, and the outcome, upserted as the task closes; a running
	//     task's phase, round, due date and participants are on the board
	//     (every record writes it), not upserted at each change, which cost
	//     one visibility write per phase change, the dearest write a task
	//     made.
	Revision int `json:"revision,omitempty"`
}

// Revisions of TaskInput.Revision.
const (
	RevisionConverges   = 1
	RevisionOutcomeOnly = 2
	// CurrentRevision is the revision launchers put in TaskInput.Revision.
	CurrentRevision = RevisionOutcomeOnly
)

// CheckSpec applies the checks the workflow makes when it starts, so a
// launcher can refuse a spec before anything starts.
func CheckSpec(spec domain.TaskSpec) error {
	_, err := normalizeSpec(spec)
	return err
}

// normalizeSpec checks a spec and fills in the default periods.
func normalizeSpec(spec domain.TaskSpec) (domain.TaskSpec, error) {
	switch {
	case spec.PlanID == "":
		return spec, fmt.Errorf("task spec: plan_id is empty")
	case spec.TaskNo == "":
		return spec, fmt.Errorf("task spec: task_no is empty")
	case len(spec.Participants) == 0:
		return spec, fmt.Errorf("task %s: no participants", spec.TaskNo)
	}
	seen := map[string]bool{}
	for _, p := range spec.Participants {
		if p == "" || seen[p] {
			return spec, fmt.Errorf("task %s: participant %q is empty or listed twice", spec.TaskNo, p)
		}
		seen[p] = true
	}
	if spec.Lead != "" && spec.Participants[0] != spec.Lead {
		return spec, fmt.Errorf("task %s: lead %q must be listed first among the participants", spec.TaskNo, spec.Lead)
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&spec.SignOffPeriod, domain.DefaultSignOffPeriod},
		{&spec.ReviewPeriod, domain.DefaultReviewPeriod},
		{&spec.ReminderInterval, domain.DefaultReminderInterval},
		{&spec.WarningWindow, domain.DefaultWarningWindow},
	}
	for _, d := range defaults {
		if *d.d < 0 {
			return spec, fmt.Errorf("task %s: periods must not be negative", spec.TaskNo)
		}
		if *d.d == 0 {
			*d.d = d.def
		}
	}
	return spec, nil
}

// newState is a task's state when its workflow first starts.
func newState(spec domain.TaskSpec, now time.Time) domain.TaskState {
	s := domain.TaskState{
		Status:       domain.StatusSigning,
		Round:        1,
		Lead:         spec.Lead,
		SignOffDue:   domain.FirstDue(spec, now),
		NextReminder: now.Add(spec.ReminderInterval),
		StartedAt:    now,
		Participants: domain.FirstParticipants(spec),
	}
	s.Warning = domain.WarningAt(now, s.SignOffDue, spec.WarningWindow)
	return s
}
