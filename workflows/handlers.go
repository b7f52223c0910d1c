package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/actions"
	"lianxi/domain"
)

// decisionID is the ledger ID of the running update: the workflow ID and the
// caller's request (update) ID, so equal request IDs on two tasks never meet.
func (w *taskWorkflow) decisionID(ctx workflow.Context) string {
	return w.id + "/" + workflow.GetCurrentUpdateInfo(ctx).ID
}

// Validate implements actions.Host. A request already answered (same
// request ID, possibly before a continue-as-new) is let through to get its
// receipt again; a finished task refuses every action the same way; then
// the action's input rules and state rules decide.
func (w *taskWorkflow) Validate(ctx workflow.Context, _ *actions.Action, input func(actions.Env) error, state func(*domain.Task) error) error {
	if _, ok := w.s.Receipts[w.decisionID(ctx)]; ok {
		return nil
	}
	if err := w.refuseFinished(); err != nil {
		return err
	}
	env := actions.Env{Now: workflow.Now(ctx)}
	if w.known != nil {
		env.Body = func(id string) error {
			if w.s.Participant(id) != nil {
				return nil
			}
			return w.known(id)
		}
	}
	if err := input(env); err != nil {
		return ruleError(err)
	}
	if err := w.checkState(state); err != nil {
		if w.catching > 0 {
			// The state is being brought level with the ledger: the
			// handler decides on the caught-up task.
			return nil
		}
		return err
	}
	return nil
}

// checkState asks a state rule about the task as it stands.
func (w *taskWorkflow) checkState(state func(*domain.Task) error) error {
	t := domain.Task{Spec: w.spec, State: w.s}
	if w.converges {
		t.Generation = domain.RulesConverge
	}
	err := ruleError(state(&t))
	var app *temporal.ApplicationError
	if w.converges && errors.As(err, &app) {
		// A state rule's refusal says how many records of the task the
		// state reflected: a caller that finds the ledger holding more
		// asks the workflow to catch up and sends the request again.
		var field string
		if app.HasDetails() {
			_ = app.Details(&field)
		}
		return temporal.NewApplicationError(app.Message(), app.Type(), field, w.s.Decisions)
	}
	return err
}

// Decide implements actions.Host: it serializes decisions, re-checks the
// state rules (another handler may have changed the task while this one
// waited), applies the decision, records it on the ledger with the
// notifications it causes in one transaction, and answers with the receipt.
//
// If the ledger refuses, the state is put back as it was, the handler lets
// other decisions through and tries again, re-checking, until the ledger
// takes it: the caller's wait runs out first and it is told to send the
// same request again, which then gets this decision's receipt, recorded once.
func (w *taskWorkflow) Decide(ctx workflow.Context, a *actions.Action, actor string, requestJSON []byte, state func(*domain.Task) error, effect func(*domain.Change) domain.Record) (domain.Receipt, error) {
	request := domain.RequestDigest(requestJSON)
	id := w.decisionID(ctx)
	// An update that arrives with the start waits for the assignment, so
	// the ledger never holds a decision on a task before its assignment.
	if err := workflow.Await(ctx, func() bool { return w.s.Assigned }); err != nil {
		return domain.Receipt{}, err
	}
	if err := w.mu.Lock(ctx); err != nil {
		return domain.Receipt{}, err
	}
	defer w.mu.Unlock()
	if r, ok := w.s.Receipts[id]; ok {
		return r, nil
	}
	if err := w.checkState(state); err != nil {
		if !w.converges {
			return domain.Receipt{}, err
		}
		// The state may be behind the ledger (a reset, a crash): refuse
		// only what the caught-up task refuses.
		if _, cerr := w.catchUp(ctx, "refusal"); cerr != nil {
			return domain.Receipt{}, cerr
		}
		if r, ok := w.s.Receipts[id]; ok {
			return r, nil
		}
		if err := w.checkState(state); err != nil {
			return domain.Receipt{}, err
		}
	}
	if w.converges {
		if r, ok := w.retried(a.Name, actor, request, workflow.Now(ctx)); ok {
			return r, nil
		}
	}
	var rec domain.RecordResult
	decidedIn := w.s.Round
	for wait := time.Second; ; wait = min(2*wait, time.Minute) {
		before := w.s.Clone()
		w.shown = &before
		round := w.s.Round
		w.s.Decisions++
		c := w.change(ctx, id)
		r := effect(c)
		if c.Rearm {
			w.dirty = true
		}
		if w.converges {
			r.Payload = withRequest(r.Payload, a.Name, requestJSON)
		}
		var err error
		rec, err = w.record(ctx, round, id, r, c.Out)
		w.shown = nil
		if err == nil {
			break
		}
		w.s = before
		if errors.Is(err, errAhead) {
			// Adopt what the ledger holds first, then decide again.
			if _, err := w.catchUp(ctx, "behind"); err != nil {
				return domain.Receipt{}, err
			}
			if r, ok := w.s.Receipts[id]; ok {
				return r, nil
			}
		} else {
			workflow.GetLogger(ctx).Warn("decision waits for the ledger", "decision", id, "error", err)
			if err := w.pause(ctx, wait); err != nil {
				return domain.Receipt{}, err
			}
		}
		if err := w.checkState(state); err != nil {
			return domain.Receipt{}, err
		}
	}
	w.upsertSearch(ctx)
	r := domain.Receipt{DecisionID: rec.DecisionID, Seq: rec.Seq, Hash: rec.Hash, Status: w.s.Status, Round: w.s.Round, Request: request,
		LeafIndex: rec.Seq - 1, LeafHash: rec.LeafHash}
	if w.converges {
		r.Action, r.Actor, r.At, r.DecidedIn = a.Name, actor, workflow.Now(ctx), decidedIn
	}
	w.keepReceipt(id, r)
	return r, nil
}

// withRequest adds to a decision's payload (the effect's own, fresh map)
// the action and the request, so the decision can be applied again from
// its record.
func withRequest(payload map[string]string, action string, request []byte) map[string]string {
	if payload == nil {
		payload = map[string]string{}
	}
	payload[domain.PayloadAction] = action
	payload[domain.PayloadRequest] = string(request)
	return payload
}

// ruleError turns a rule's refusal into the application error callers
// read: its type, its message, and the field at fault as its detail.
func ruleError(err error) error {
	var re *domain.RuleError
	if !errors.As(err, &re) {
		return err
	}
	if re.Field != "" {
		return temporal.NewApplicationError(re.Msg, re.Type, re.Field)
	}
	return temporal.NewApplicationError(re.Msg, re.Type)
}

// refuseFinished answers any action on a closed or cancelled task the same
// way, whichever action it is.
func (w *taskWorkflow) refuseFinished() error {
	if w.s.Open() {
		return nil
	}
	since := ""
	if w.s.Outcome != nil {
		since = " since " + w.s.Outcome.EndedAt.UTC().Format("2006-01-02 15:04 MST")
	}
	return temporal.NewApplicationError(
		"task "+w.spec.TaskNo+" is "+w.s.Status+" ("+domain.StatusNames[w.s.Status]+")"+since+"; it takes no more actions",
		domain.ErrTypeConflict)
}
