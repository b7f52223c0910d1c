package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/actions"
	"lianxi/domain"
)

// changeConverge marks the runs that keep up with their ledger (domain's
// converge.go says how): runs started before it neither check nor adopt,
// so their histories replay as they were made.
const changeConverge = "ledger-converges"

// errAhead is a record refused because the ledger holds records of the
// task the workflow does not reflect; the caller has caught up since.
var errAhead = errors.New("the ledger was ahead of the workflow")

// readLimit is how many records one read returns at most.
const readLimit = 50

// readOptions: reading the task's records is a local activity like the
// record itself, bounded the same way.
var readOptions = recordOptions

// retryWindow is how long after a decision the same request under another
// request ID (same actor, action, content and round) counts as its retry
// and gets its receipt, not a second record.
const retryWindow = 10 * time.Minute

// reflects is how far the workflow has seen its task's record when it asks
// for one more (its Decisions already count the one being recorded); nil
// for runs from before.
func (w *taskWorkflow) reflects() *domain.Reflects {
	if !w.converges {
		return nil
	}
	return &domain.Reflects{LastSeq: w.s.LastSeq, Count: w.s.Decisions - 1}
}

// catchUp reads the task's records past what the state reflects and
// adopts each, in order; then, when it found any, records what it adopted
// and what it could not, with the board row after them. The caller holds
// w.mu.
func (w *taskWorkflow) catchUp(ctx workflow.Context, reason string) (domain.ConvergeResult, error) {
	w.catching++
	defer func() { w.catching-- }()
	res := domain.ConvergeResult{}
	for {
		for {
			var recs []domain.LedgerRecord
			in := domain.ReadInput{WorkflowID: w.id, After: domain.Reflects{LastSeq: w.s.LastSeq, Count: w.s.Decisions}, Limit: readLimit}
			lctx := workflow.WithLocalActivityOptions(ctx, readOptions)
			if err := workflow.ExecuteLocalActivity(lctx, domain.ReadActivity, in).Get(lctx, &recs); err != nil {
				return res, temporal.NewApplicationErrorWithCause("ledger unavailable: cannot read the task's records", ErrTypeLedger, err)
			}
			if len(recs) == 0 {
				break
			}
			for _, r := range recs {
				w.adopt(r, &res)
			}
		}
		res.Decisions, res.At = w.s.Decisions, workflow.Now(ctx)
		if len(res.Adopted) == 0 && len(res.Refused) == 0 {
			return res, nil
		}
		w.dirty = true
		err := w.recordCatchUp(ctx, reason, res)
		if err == nil {
			w.upsertSearch(ctx)
			return res, nil
		}
		if !errors.Is(err, errAhead) {
			return res, err
		}
	}
}

// recordCatchUp puts on the ledger what a catch-up adopted and refused.
func (w *taskWorkflow) recordCatchUp(ctx workflow.Context, reason string, res domain.ConvergeResult) error {
	refused := make([]string, 0, len(res.Refused))
	for _, r := range res.Refused {
		refused = append(refused, r.DecisionID+": "+r.Why)
	}
	adopted := res.Adopted
	more := ""
	if len(adopted) > 100 {
		adopted, more = adopted[len(adopted)-100:], fmt.Sprint(len(res.Adopted)-100)
	}
	payload := domain.Fields("reason", reason, "adopted", strings.Join(adopted, ","), "adopted_before", more,
		"adopted_count", fmt.Sprint(len(res.Adopted)), "refused", strings.Join(refused, "\n"))
	id := fmt.Sprintf("%s/caught-up/%d", w.id, w.s.LastSeq)
	return w.recordSystem(ctx, id, domain.KindCaughtUp, domain.ActorSystem, payload, nil)
}

// adopt applies one record of the task the state does not reflect.
func (w *taskWorkflow) adopt(r domain.LedgerRecord, res *domain.ConvergeResult) {
	w.s.Decisions++
	w.s.LastSeq = max(w.s.LastSeq, r.Seq)
	switch r.Kind {
	case domain.KindAssigned:
		w.s.Assigned = true
		w.s.NotifySeq += len(w.s.Participants)
		return
	case domain.KindReminder:
		if next := r.At.Add(w.spec.ReminderInterval); next.After(w.s.NextReminder) {
			w.s.NextReminder = next
		}
		w.s.NotifySeq += len(actions.SplitIDs(r.Payload["reminded"]))
		return
	case domain.KindEscalation:
		w.s.Escalated = fmt.Sprintf("%s/%d", r.Payload["phase"], r.Round)
		w.s.NotifySeq++
		return
	case domain.KindRunEnded, domain.KindCaughtUp:
		return
	}
	if _, ok := w.s.Receipts[r.DecisionID]; ok {
		return
	}
	refuse := func(format string, args ...any) {
		res.Refused = append(res.Refused, domain.Refusal{DecisionID: r.DecisionID, Why: fmt.Sprintf(format, args...)})
	}
	a, ok := actions.ByName(r.Payload[domain.PayloadAction])
	if !ok {
		refuse("the record names no action this workflow knows (%q)", r.Payload[domain.PayloadAction])
		return
	}
	ad, err := a.Adopt([]byte(r.Payload[domain.PayloadRequest]))
	if err != nil {
		refuse("%v", err)
		return
	}
	if err := w.checkState(ad.State); err != nil {
		refuse("%v", err)
		return
	}
	c := &domain.Change{Spec: w.spec, S: &w.s, At: r.At, ID: r.DecisionID}
	ad.Effect(c) // its notifications were stored with the record
	w.keepReceipt(r.DecisionID, domain.Receipt{DecisionID: r.DecisionID, Seq: r.Seq, Hash: r.Hash, Status: w.s.Status, Round: w.s.Round,
		Request: ad.Request, LeafIndex: r.Seq - 1, LeafHash: r.LeafHash, Action: a.Name, Actor: r.Ministry, At: r.At})
	res.Adopted = append(res.Adopted, r.DecisionID)
}

// keepReceipt remembers a decision's receipt, within the state's bounds.
func (w *taskWorkflow) keepReceipt(id string, r domain.Receipt) {
	w.s.Receipts[id] = r
	w.s.ReceiptOrder = append(w.s.ReceiptOrder, id)
	w.s.Bound()
}

// retried finds the receipt of an earlier decision this request repeats:
// the actor's latest decision, within retryWindow, made in the current
// round, of the same action with the same request. A decision by the actor
// in between (a withdrawal) makes the request a new one, and so does a new
// round: the office returning a task again with the same comment is a new
// return.
func (w *taskWorkflow) retried(action, actor, request string, now time.Time) (domain.Receipt, bool) {
	for i := len(w.s.ReceiptOrder) - 1; i >= 0; i-- {
		r, ok := w.s.Receipts[w.s.ReceiptOrder[i]]
		if !ok || r.At.IsZero() {
			continue
		}
		decidedIn := r.DecidedIn
		if decidedIn == 0 {
			decidedIn = r.Round // a receipt kept before DecidedIn existed
		}
		if now.Sub(r.At) > retryWindow || decidedIn != w.s.Round {
			break
		}
		if r.Actor == actor {
			return r, r.Action == action && r.Request == request
		}
	}
	return domain.Receipt{}, false
}

// converge is the handler of domain.UpdateConverge: adopt what the ledger
// holds of the task now.
func (w *taskWorkflow) converge(ctx workflow.Context, req domain.ConvergeRequest) (domain.ConvergeResult, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return domain.ConvergeResult{}, err
	}
	defer w.mu.Unlock()
	reason := req.Reason
	if reason == "" {
		reason = "asked"
	}
	return w.catchUp(ctx, reason)
}

// validateConverge refuses the update in runs from before convergence.
func (w *taskWorkflow) validateConverge(_ workflow.Context, req domain.ConvergeRequest) error {
	if !w.converges {
		return temporal.NewApplicationError("this task's run predates ledger convergence; it adopts nothing", domain.ErrTypeConflict)
	}
	return domain.CheckText("reason", req.Reason, domain.MaxNameLen, false)
}
