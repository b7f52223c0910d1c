package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes, for Temporal's Web UI and for auditors: the launcher
// sets them with the start, and the workflow upserts the outcome as the
// task closes (TaskInput.Revision says when else it upserts). The live
// phase is on the board, which the console's lists read; readers derive
// the traffic light from the due date.
var (
	SearchPlan         = temporal.NewSearchAttributeKeyKeyword("LianxiPlan")
	SearchTaskNo       = temporal.NewSearchAttributeKeyKeyword("LianxiTaskNo")
	SearchStatus       = temporal.NewSearchAttributeKeyKeyword("LianxiStatus")
	SearchParticipants = temporal.NewSearchAttributeKeyKeywordList("LianxiParticipants")
	SearchDue          = temporal.NewSearchAttributeKeyTime("LianxiDue")
	SearchRound        = temporal.NewSearchAttributeKeyInt64("LianxiRound")
)

// SearchAttributes lists every custom search attribute with its type, for
// registering them on a namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SearchPlan.GetName():         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchTaskNo.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchStatus.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchParticipants.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SearchDue.GetName():          enumspb.INDEXED_VALUE_TYPE_DATETIME,
		SearchRound.GetName():        enumspb.INDEXED_VALUE_TYPE_INT,
	}
}

// searchSignature is what upsertSearch compares to skip an upsert that
// would change nothing: a sign-off that changes only who is pending writes
// no upsert.
func (w *taskWorkflow) searchSignature() string {
	due := w.s.CurrentDue().UTC().Truncate(time.Second)
	return fmt.Sprint(w.s.Status, w.s.Round, due.Unix(), w.s.IDs())
}

// upsertSearch writes the search attributes when they changed since the
// last upsert of this run; from RevisionOutcomeOnly on, only once the task
// is closed (in the workflow task that completes the run, so visibility
// writes the close record with them and no upsert of its own).
func (w *taskWorkflow) upsertSearch(ctx workflow.Context) {
	if w.revision >= RevisionOutcomeOnly && w.s.Open() {
		return
	}
	sig := w.searchSignature()
	if sig == w.lastSA {
		return
	}
	w.lastSA = sig
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		SearchPlan.ValueSet(w.spec.PlanID),
		SearchTaskNo.ValueSet(w.spec.TaskNo),
		SearchStatus.ValueSet(w.s.Status),
		SearchParticipants.ValueSet(w.s.IDs()),
		SearchDue.ValueSet(w.s.CurrentDue().UTC().Truncate(time.Second)),
		SearchRound.ValueSet(int64(w.s.Round)),
	); err != nil {
		workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
	}
}
