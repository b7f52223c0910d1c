package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes the workflow keeps current, for Temporal's Web UI and
// for auditors (the console's lists read the board). LianxiWarning is kept
// only by runs before GenReaderLight; readers derive the light themselves.
var (
	SearchPlan         = temporal.NewSearchAttributeKeyKeyword("LianxiPlan")
	SearchTaskNo       = temporal.NewSearchAttributeKeyKeyword("LianxiTaskNo")
	SearchStatus       = temporal.NewSearchAttributeKeyKeyword("LianxiStatus")
	SearchWarning      = temporal.NewSearchAttributeKeyKeyword("LianxiWarning")
	SearchParticipants = temporal.NewSearchAttributeKeyKeywordList("LianxiParticipants")
	SearchPending      = temporal.NewSearchAttributeKeyKeywordList("LianxiPending")
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
		SearchWarning.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchParticipants.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SearchPending.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SearchDue.GetName():          enumspb.INDEXED_VALUE_TYPE_DATETIME,
		SearchRound.GetName():        enumspb.INDEXED_VALUE_TYPE_INT,
	}
}

// searchSignature is what upsertSearch compares to skip an upsert that
// would change nothing. On the board, the pending list is not in visibility,
// so a sign-off that changes only who is pending writes no upsert.
func (w *taskWorkflow) searchSignature(status, warning string, round int, due time.Time, pending, ids []string) string {
	due = due.UTC().Truncate(time.Second)
	if w.readerLight {
		// Readers derive the light; it is not in visibility.
		warning = ""
	}
	if w.boardOn {
		return fmt.Sprint(status, warning, round, due.Unix(), ids)
	}
	return fmt.Sprint(status, warning, round, due.Unix(), pending, ids)
}

// upsertSearch writes the search attributes when they changed since the
// last upsert of this run.
func (w *taskWorkflow) upsertSearch(ctx workflow.Context) {
	due := w.s.currentDue().UTC().Truncate(time.Second)
	pending, ids := w.s.pending(), w.s.ids()
	sig := w.searchSignature(w.s.Status, w.s.Warning, w.s.Round, due, pending, ids)
	if sig == w.lastSA {
		return
	}
	w.lastSA = sig
	pendingSA := SearchPending.ValueSet(pending)
	if w.boardOn {
		// The board holds the pending list; a stale copy here would mislead.
		pendingSA = SearchPending.ValueUnset()
	}
	sa := []temporal.SearchAttributeUpdate{
		SearchPlan.ValueSet(w.spec.PlanID),
		SearchTaskNo.ValueSet(w.spec.TaskNo),
		SearchStatus.ValueSet(w.s.Status),
		SearchParticipants.ValueSet(ids),
		pendingSA,
		SearchDue.ValueSet(due),
		SearchRound.ValueSet(int64(w.s.Round)),
	}
	if !w.readerLight {
		sa = append(sa, SearchWarning.ValueSet(w.s.Warning))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, sa...); err != nil {
		workflow.GetLogger(ctx).Error("upsert search attributes", "error", err)
	}
}
