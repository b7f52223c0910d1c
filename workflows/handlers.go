package workflows

import (
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/ledger"
)

// validator wraps a check so a request already answered (same request ID,
// possibly before a continue-as-new) is let through to get its receipt again.
func validator[T any](w *taskWorkflow, check func(T) error) func(workflow.Context, T) error {
	return validatorCtx(w, func(_ workflow.Context, r T) error { return check(r) })
}

// validatorCtx is validator for checks that need the workflow context.
func validatorCtx[T any](w *taskWorkflow, check func(workflow.Context, T) error) func(workflow.Context, T) error {
	return func(ctx workflow.Context, r T) error {
		if _, ok := w.s.Receipts[w.decisionID(ctx)]; ok {
			return nil
		}
		if err := w.refuseFinished(); err != nil {
			return err
		}
		if err := refuseBidi(r); err != nil {
			return err
		}
		return check(ctx, r)
	}
}

// decisionID is the ledger ID of the running update: the workflow ID and the
// caller's request (update) ID, so equal request IDs on two tasks never meet.
func (w *taskWorkflow) decisionID(ctx workflow.Context) string {
	return w.id + "/" + workflow.GetCurrentUpdateInfo(ctx).ID
}

// decision is what a handler records and then applies.
type decision struct {
	kind    string
	actor   string
	person  string
	payload map[string]string
	recheck func() error
	apply   func(id string, at time.Time)
}

// decide serializes decisions: it re-checks the request against the state
// (another handler may have changed it while this one waited), records the
// decision on the ledger, applies it and answers with the receipt.
//
// On the transactional outbox the decision is applied first, so that the
// notifications it causes are recorded with it in one transaction. If the
// ledger refuses, the state is put back as it was, the handler lets other
// decisions through and tries again, re-checking, until the ledger takes it:
// the caller's wait runs out first and it is told to send the same request
// again, which then gets this decision's receipt, recorded once.
func (w *taskWorkflow) decide(ctx workflow.Context, d decision) (Receipt, error) {
	id := w.decisionID(ctx)
	if w.gen >= GenBoard {
		// An update that arrives with the start waits for the assignment,
		// so the ledger never holds a decision on a task before its
		// assignment. (Earlier runs could take the lock first.)
		if err := workflow.Await(ctx, func() bool { return w.s.Assigned }); err != nil {
			return Receipt{}, err
		}
	}
	if err := w.mu.Lock(ctx); err != nil {
		return Receipt{}, err
	}
	defer w.mu.Unlock()
	if r, ok := w.s.Receipts[id]; ok {
		return r, nil
	}
	if err := d.recheck(); err != nil {
		return Receipt{}, err
	}
	var rec activities.RecordDecisionResult
	if w.outbox(ctx) {
		for wait := time.Second; ; wait = min(2*wait, time.Minute) {
			before := w.s.clone()
			w.shown = &before
			round := w.s.Round
			w.s.Decisions++
			d.apply(id, workflow.Now(ctx))
			var err error
			rec, err = w.record(ctx, round, id, d.kind, d.actor, d.person, d.payload, w.takeOutgoing())
			w.shown = nil
			if err == nil {
				break
			}
			w.s = before
			workflow.GetLogger(ctx).Warn("decision waits for the ledger", "decision", id, "error", err)
			if err := w.pause(ctx, wait); err != nil {
				return Receipt{}, err
			}
			if err := d.recheck(); err != nil {
				return Receipt{}, err
			}
		}
	} else {
		var err error
		if rec, err = w.record(ctx, w.s.Round, id, d.kind, d.actor, d.person, d.payload, nil); err != nil {
			return Receipt{}, err
		}
		w.s.Decisions++
		d.apply(id, workflow.Now(ctx))
		// Runs started before this version woke the timer loop after every
		// decision (cancelling and restarting its timer each time); now only
		// decisions that move a due date or the phase do (see rearm).
		if workflow.GetVersion(ctx, versionRearmOnTimingOnly, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			w.dirty = true
		}
	}
	w.upsertSearch(ctx)
	r := Receipt{DecisionID: rec.DecisionID, Seq: rec.Seq, Hash: rec.Hash, Status: w.s.Status, Round: w.s.Round}
	w.s.Receipts[id] = r
	if w.outboxOn {
		w.s.ReceiptOrder = append(w.s.ReceiptOrder, id)
		w.s.bound()
	}
	return r, nil
}

func (w *taskWorkflow) signOff(ctx workflow.Context, r SignOffRequest) (Receipt, error) {
	kind := ledger.KindSignOff
	if r.Decision == DecisionObject {
		kind = ledger.KindObjection
	}
	return w.decide(ctx, decision{
		kind: kind, actor: r.Ministry, person: r.Signer,
		payload: fields("decision", r.Decision, "comment", r.Comment, "report", r.Report, PayloadAttachments, attachmentsField(r.Attachments)),
		recheck: func() error { return w.validateSignOff(r) },
		apply: func(id string, at time.Time) {
			w.s.participant(r.Ministry).Answer = &Answer{
				Decision: r.Decision, Signer: r.Signer, Comment: r.Comment, Report: r.Report, At: at, DecisionID: id,
			}
			if r.Decision == DecisionObject {
				w.notify(ctx, notifyObjection, officeRecipient, r.Ministry+": "+r.Comment)
			}
			w.completeRoundIfDone(ctx)
		},
	})
}

func (w *taskWorkflow) review(ctx workflow.Context, r ReviewRequest) (Receipt, error) {
	kind := ledger.KindClosure
	if r.Decision == DecisionReturn {
		kind = ledger.KindReturn
	}
	return w.decide(ctx, decision{
		kind: kind, actor: officeRecipient, person: r.Reviewer,
		payload: fields("decision", r.Decision, "comment", r.Comment),
		recheck: func() error { return w.validateReview(r) },
		apply: func(id string, at time.Time) {
			w.archiveRound(ReviewRecord{Decision: r.Decision, Reviewer: r.Reviewer, Comment: r.Comment, At: at, DecisionID: id})
			if r.Decision == DecisionApprove {
				w.finish(ctx, StatusClosed, r.Comment)
				w.notifyAll(ctx, notifyClosure, r.Comment)
				return
			}
			w.rearm()
			w.s.Round++
			w.s.Status = StatusSigning
			for i := range w.s.Participants {
				w.s.Participants[i].Answer = nil
			}
			w.s.SignOffDue = at.Add(w.spec.SignOffPeriod)
			w.s.NextReminder = at.Add(w.spec.ReminderInterval)
			w.s.Escalated = ""
			w.s.Warning = warningAt(at, w.s.SignOffDue, w.spec.WarningWindow)
			w.notifyAll(ctx, notifyReturn, r.Comment)
		},
	})
}

func (w *taskWorkflow) reportProgress(ctx workflow.Context, r ProgressRequest) (Receipt, error) {
	return w.decide(ctx, decision{
		kind: ledger.KindProgress, actor: r.Ministry, person: r.Author,
		payload: fields("text", r.Text, PayloadAttachments, attachmentsField(r.Attachments)),
		recheck: func() error { return w.validateProgress(r) },
		apply: func(id string, at time.Time) {
			w.s.Progress = append(w.s.Progress, ProgressReport{
				Ministry: r.Ministry, Author: r.Author, Text: r.Text, Round: w.s.Round, At: at, DecisionID: id,
			})
			w.s.ProgressCount = max(w.s.ProgressCount, len(w.s.Progress)-1) + 1
		},
	})
}

func (w *taskWorkflow) requestExtension(ctx workflow.Context, r ExtensionRequest) (Receipt, error) {
	return w.decide(ctx, decision{
		kind: ledger.KindExtensionRequest, actor: r.Ministry,
		payload: fields("until", r.Until.UTC().Format(time.RFC3339), "reason", r.Reason),
		recheck: func() error { return w.validateExtensionRequest(r) },
		apply: func(_ string, at time.Time) {
			w.s.Extensions = append(w.s.Extensions, ExtensionRecord{
				Ministry: r.Ministry, Until: r.Until, Reason: r.Reason, RequestedAt: at, State: ExtensionPending,
			})
			w.notify(ctx, notifyExtensionRequest, officeRecipient, r.Ministry+": "+r.Reason)
		},
	})
}

func (w *taskWorkflow) decideExtension(ctx workflow.Context, r ExtensionDecision) (Receipt, error) {
	return w.decide(ctx, decision{
		kind: ledger.KindExtensionDecision, actor: officeRecipient, person: r.Decider,
		payload: fields("decision", r.Decision, "comment", r.Comment),
		recheck: func() error { return w.validateExtensionDecision(r) },
		apply: func(_ string, at time.Time) {
			ext := w.s.pendingExtension()
			ext.Decider, ext.Comment, ext.DecidedAt = r.Decider, r.Comment, at
			ext.State = ExtensionRefused
			if r.Decision == DecisionGrant {
				ext.State = ExtensionGranted
				if w.s.Status == StatusSigning {
					w.moveDue(at, ext.Until)
				}
			}
			w.notify(ctx, notifyExtensionDecision, ext.Ministry, ext.State+": "+r.Comment)
		},
	})
}

// moveDue sets the current phase's due date and starts its warning afresh.
func (w *taskWorkflow) moveDue(now, due time.Time) {
	w.rearm()
	if w.s.Status == StatusInReview {
		w.s.ReviewDue = due
	} else {
		w.s.SignOffDue = due
	}
	w.s.Escalated = ""
	w.s.Warning = warningAt(now, due, w.spec.WarningWindow)
}

func (w *taskWorkflow) amend(ctx workflow.Context, r AmendRequest) (Receipt, error) {
	payload := fields("reason", r.Reason, "add", strings.Join(r.Add, ","), "remove", strings.Join(r.Remove, ","), "lead", r.Lead)
	if !r.SignOffDue.IsZero() {
		payload["sign_off_due"] = r.SignOffDue.UTC().Format(time.RFC3339)
	}
	if !r.ReviewDue.IsZero() {
		payload["review_due"] = r.ReviewDue.UTC().Format(time.RFC3339)
	}
	return w.decide(ctx, decision{
		kind: ledger.KindAmend, actor: officeRecipient, payload: payload,
		recheck: func() error { return w.validateAmend(r) },
		apply: func(_ string, at time.Time) {
			for _, id := range r.Remove {
				w.s.Participants = slices.DeleteFunc(w.s.Participants, func(p Participant) bool { return p.ID == id })
				w.notify(ctx, notifyParticipantChanged, id, "removed: "+r.Reason)
			}
			for _, id := range r.Add {
				w.s.Participants = append(w.s.Participants, Participant{ID: id, Role: RoleCo})
				w.notify(ctx, notifyAssignment, id, r.Reason)
			}
			if r.Lead != "" && r.Lead != w.s.Lead {
				w.changeLead(r.Lead)
			}
			due := r.SignOffDue
			if due.IsZero() {
				due = r.ReviewDue
			}
			if !due.IsZero() {
				w.moveDue(at, due)
			}
			w.completeRoundIfDone(ctx)
		},
	})
}

// changeLead makes id the lead, listed first. The new lead answers again
// in this round, since the lead signs last with the joint report.
func (w *taskWorkflow) changeLead(id string) {
	i := slices.IndexFunc(w.s.Participants, func(p Participant) bool { return p.ID == id })
	p := w.s.Participants[i]
	w.s.Participants = slices.Delete(w.s.Participants, i, i+1)
	for j := range w.s.Participants {
		if w.s.Participants[j].Role == RoleLead {
			w.s.Participants[j].Role = RoleCo
		}
	}
	p.Role = RoleLead
	if w.s.Status == StatusSigning {
		p.Answer = nil
	}
	w.s.Participants = append([]Participant{p}, w.s.Participants...)
	w.s.Lead = id
}

func (w *taskWorkflow) cancel(ctx workflow.Context, r CancelRequest) (Receipt, error) {
	return w.decide(ctx, decision{
		kind: ledger.KindCancel, actor: officeRecipient,
		payload: fields("reason", r.Reason),
		recheck: func() error { return w.validateCancel(r) },
		apply: func(_ string, _ time.Time) {
			w.finish(ctx, StatusCancelled, r.Reason)
			w.notifyAll(ctx, notifyCancellation, r.Reason)
		},
	})
}

func (w *taskWorkflow) urge(ctx workflow.Context, r UrgeRequest) (Receipt, error) {
	pending := w.s.pending()
	return w.decide(ctx, decision{
		kind: ledger.KindUrge, actor: officeRecipient, person: r.Urger,
		payload: fields("pending", strings.Join(pending, ","), "comment", r.Comment),
		recheck: func() error { return w.validateUrge(r) },
		apply: func(_ string, _ time.Time) {
			w.notifyMany(ctx, notifyUrge, w.s.pending(), r.Comment)
		},
	})
}
