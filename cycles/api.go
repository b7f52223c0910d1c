// Package cycles runs the office's periodic reporting (定期报送): a cycle is
// a Temporal Schedule that starts one reporting round per date of its
// calendar; a round asks the reporters of every open task of a plan for
// progress, reminds the late ones before the window closes, and at the close
// records who reported and who did not and issues the supervision bulletin
// (督查通报) with its hash on the ledger.
//
// The round is its own workflow type beside the task lifecycle: it never
// touches a task's workflow. Reports are the ordinary progress action; the
// round only reads the ledger, so a report filed before anyone asked still
// counts for the round whose window it falls in.
package cycles

import (
	"fmt"
	"time"

	"lianxi/domain"
)

// WorkflowName is the reporting round's workflow type.
const WorkflowName = domain.RoundWorkflow

// Activities the round calls by name, so workflow code links no store.
const (
	ReadTasksActivity = "ReadRoundTasks"
	StandingActivity  = "RoundStanding"
	CompileActivity   = "CompileBulletin"
)

// Kinds of record a round and a cycle write on the ledger, named in
// package domain beside every other kind.
const (
	KindRoundOpened   = domain.KindRoundOpened
	KindRoundReminder = domain.KindRoundReminder
	KindRoundClosed   = domain.KindRoundClosed
	KindBulletin      = domain.KindBulletin
	KindCycleCreated  = domain.KindCycleCreated
	KindCycleChanged  = domain.KindCycleChanged
	KindCyclePaused   = domain.KindCyclePaused
	KindCycleResumed  = domain.KindCycleResumed
	KindCycleDeleted  = domain.KindCycleDeleted
	KindCycleTrigger  = domain.KindCycleTrigger
)

// Notification kinds of a round.
const (
	NotifyRoundRequest  = domain.NotifyRoundRequest
	NotifyRoundReminder = domain.NotifyRoundReminder
	NotifyBulletin      = domain.NotifyBulletin
)

// Who reports in a round.
const (
	// ReportersLead asks each task's lead (the default): the lead files
	// the joint progress.
	ReportersLead = "lead"
	// ReportersAll asks every participant of each task.
	ReportersAll = "all"
)

// RoundInput starts a reporting round. A cycle's schedule starts every round
// with the same input; the round takes its key from its scheduled time.
type RoundInput struct {
	PlanID string `json:"plan_id"`
	// CycleID names the cycle that started the round; empty for a round
	// started by hand.
	CycleID string `json:"cycle_id,omitempty"`
	// RoundKey names the round ("2026-12", "2026-Q4"); empty takes the date
	// the round was scheduled for, YYYY-MM-DD.
	RoundKey string `json:"round_key,omitempty"`
	// Window is how long reporters have, from the round's start.
	Window time.Duration `json:"window"`
	// RemindBefore, when set and shorter than Window, is how long before
	// the close the reporters still missing are reminded.
	RemindBefore time.Duration `json:"remind_before,omitempty"`
	// Reporters is ReportersLead (default) or ReportersAll.
	Reporters string `json:"reporters,omitempty"`
	// Grant is the office's permission for a cycle's schedule to start
	// this round: the door key's MAC over the rest of the input
	// (domain.GrantMessage), given when the cycle was created or changed.
	// A round started by hand through lianxi carries a signed claim instead.
	Grant string `json:"grant,omitempty"`
}

// Validate says what is wrong with a round's input and how to fix it.
func (in RoundInput) Validate() error {
	switch {
	case in.PlanID == "":
		return fmt.Errorf("a reporting round needs a plan ID")
	case in.Window <= 0:
		return fmt.Errorf("the reporting window must be positive (e.g. 240h for 10 days), not %s", in.Window)
	case in.RemindBefore < 0 || (in.RemindBefore > 0 && in.RemindBefore >= in.Window):
		return fmt.Errorf("the reminder must come inside the window: %s before a close %s after the start", in.RemindBefore, in.Window)
	case in.Reporters != "" && in.Reporters != ReportersLead && in.Reporters != ReportersAll:
		return fmt.Errorf("reporters must be %q or %q, not %q", ReportersLead, ReportersAll, in.Reporters)
	}
	return nil
}

// RoundResult is what a closed round leaves: the bulletin's hash and where
// it is on the ledger, and who did not report.
type RoundResult struct {
	RoundKey     string   `json:"round_key"`
	BulletinSeq  int64    `json:"bulletin_seq"`
	BulletinHash string   `json:"bulletin_sha256"`
	Reported     int      `json:"reported"`
	Missing      []Answer `json:"missing,omitempty"`
}

// RoundTask is one task a round asks about: who must report on it.
type RoundTask struct {
	WorkflowID string    `json:"workflow_id"`
	TaskNo     string    `json:"task_no"`
	Title      string    `json:"title"`
	Reporters  []string  `json:"reporters"`
	Due        time.Time `json:"due"`
}

// Answer is one reporter's standing on one task in a round.
type Answer struct {
	TaskNo   string `json:"task_no"`
	Ministry string `json:"ministry"`
}

// ReadTasksInput asks for the open tasks of a plan with their reporters.
type ReadTasksInput struct {
	PlanID    string `json:"plan_id"`
	Reporters string `json:"reporters"`
}

// StandingInput asks who has reported on the round's tasks between From and
// To (both inclusive).
type StandingInput struct {
	Tasks []RoundTask `json:"tasks"`
	From  time.Time   `json:"from"`
	To    time.Time   `json:"to"`
}

// Standing splits a round's reporters into those who reported and those
// still missing, and names the tasks no longer open.
type Standing struct {
	Reported []Answer `json:"reported"`
	Missing  []Answer `json:"missing"`
	// Dropped are the round's tasks closed or cancelled since it opened:
	// nobody owes a report on them.
	Dropped []string `json:"dropped,omitempty"`
}

// CompileInput asks for a round's bulletin.
type CompileInput struct {
	PlanID   string      `json:"plan_id"`
	CycleID  string      `json:"cycle_id,omitempty"`
	RoundKey string      `json:"round_key"`
	RoundID  string      `json:"round_id"`
	Tasks    []RoundTask `json:"tasks"`
	From     time.Time   `json:"from"`
	To       time.Time   `json:"to"`
}

// Compiled is an issued bulletin as the round records it: the canonical
// JSON and its SHA-256 (hex), fixed once the activity's result is in the
// round's history.
type Compiled struct {
	JSON     string   `json:"json"`
	SHA256   string   `json:"sha256"`
	Standing Standing `json:"standing"`
}

// RoundID is a round's workflow ID when started by hand or in tests; a
// schedule appends the scheduled time to ScheduleRoundPrefix instead.
func RoundID(planID, key string) string { return "round/" + planID + "/" + key }

// ScheduleID is the Temporal Schedule of a plan's cycle.
func ScheduleID(planID, cycleID string) string { return "cycle/" + planID + "/" + cycleID }

// ScheduleRoundPrefix is the workflow ID a cycle's schedule gives its
// rounds; Temporal appends the scheduled time (RFC 3339), so each round's ID
// is fixed by its date and a round is never started twice for one date.
func ScheduleRoundPrefix(planID, cycleID string) string {
	return "round/" + planID + "/" + cycleID
}
