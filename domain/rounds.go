package domain

// Kinds of record the office's reporting cycles write (package cycles): a
// round's opening, reminder, close and bulletin, and the office's changes
// to a cycle. They are not a task's: their workflow ID is the round's or
// the cycle's.
const (
	KindRoundOpened   = "round-opened"
	KindRoundReminder = "round-reminder"
	KindRoundClosed   = "round-closed"
	KindBulletin      = "bulletin"
	KindCycleCreated  = "cycle-created"
	KindCycleChanged  = "cycle-changed"
	KindCyclePaused   = "cycle-paused"
	KindCycleResumed  = "cycle-resumed"
	KindCycleDeleted  = "cycle-deleted"
	KindCycleTrigger  = "cycle-triggered"
)

// Notification kinds of a reporting round: the request (本期待报送) and
// the reminder before the close go to the reporters, the bulletin to the
// office.
const (
	NotifyRoundRequest  = "round_request"
	NotifyRoundReminder = "round_reminder"
	NotifyBulletin      = "bulletin_issued"
)

// CycleKinds are the kinds of package cycles' records.
var CycleKinds = []string{KindRoundOpened, KindRoundReminder, KindRoundClosed, KindBulletin,
	KindCycleCreated, KindCycleChanged, KindCyclePaused, KindCycleResumed, KindCycleDeleted, KindCycleTrigger}
