package taskclient

import (
	"slices"
	"strings"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

// FromLedger rebuilds a task's status from what outlives its workflow: the
// task's board row (nil when the board has none) and its ledger records in
// sequence order. Readers use it once Temporal no longer holds the task
// (retention deleted its history), so a finished task keeps its page, its
// records and its place in the plan's statistics and 台账.
//
// The board row wins for what it holds (status, round, lead, participants,
// due date, decision count); the records give the answers, the finished
// rounds, progress, extensions and the outcome. ok is false when neither
// knows the task.
func FromLedger(id string, row *domain.BoardRow, recs []ledger.Record) (st domain.TaskStatus, ok bool) {
	if row == nil && len(recs) == 0 {
		return st, false
	}
	r := replay{}
	for _, rec := range recs {
		r.apply(rec)
	}
	st = domain.TaskStatus{
		ID: id, Status: r.status, Round: r.round, Lead: r.lead, Participants: r.participants(),
		Rounds: r.rounds, Progress: r.progress, Extensions: r.extensions, Decisions: r.decisions,
		StartedAt: r.started, Outcome: r.outcome, ProgressCount: len(r.progress), SignOffDue: r.signOffDue,
	}
	if len(recs) > 0 {
		st.PlanID, st.TaskNo = recs[0].PlanID, recs[0].TaskNo
	}
	if row != nil {
		st.PlanID, st.TaskNo, st.Title, st.Status, st.Round = row.PlanID, row.TaskNo, row.Title, row.Status, row.Round
		st.Lead, st.WarningWindow, st.Decisions = row.Lead, row.WarningWindow, row.Decisions
		r.lead, r.ids, r.round = row.Lead, slices.Clone(row.Participants), row.Round
		st.Participants = r.participants()
		if row.Status == domain.StatusInReview {
			st.ReviewDue = row.Due
		} else {
			st.SignOffDue = row.Due
		}
	}
	if st.Status == "" {
		// No closure or cancellation on the ledger and no row: the run is
		// gone without ending its lifecycle.
		st.Status = domain.StatusTerminated
	}
	if st.Outcome != nil {
		st.Outcome.Decisions = st.Decisions
	} else if !domain.IsOpen(st.Status) {
		st.Outcome = &domain.TaskOutcome{Status: st.Status, Rounds: st.Round, Decisions: st.Decisions}
		if row != nil {
			st.Outcome.EndedAt = row.UpdatedAt
		}
	}
	state := domain.TaskState{Status: st.Status, Participants: st.Participants}
	st.Pending = state.Pending()
	st.Warning = domain.Light(st.Status, domain.DueOf(st.Status, st.SignOffDue, st.ReviewDue), st.WarningWindow, time.Now())
	return st, true
}

// replay follows a task's records as the workflow applied them: who takes
// part, who answered in which round, and how the task ended.
type replay struct {
	status, lead string
	round        int
	// decisions counts the records people made, as the workflow does.
	decisions int
	ids       []string
	// answers holds each round's answers by ministry.
	answers    map[int]map[string]*domain.Answer
	rounds     []domain.RoundRecord
	progress   []domain.ProgressReport
	extensions []domain.ExtensionRecord
	started    time.Time
	signOffDue time.Time
	outcome    *domain.TaskOutcome
}

// apply takes one record into the replay.
func (r *replay) apply(rec ledger.Record) {
	p := rec.Payload
	r.round = max(r.round, rec.Round)
	if !slices.Contains(domain.SystemKinds, rec.Kind) {
		r.decisions++
	}
	switch rec.Kind {
	case domain.KindAssigned:
		r.started, r.status, r.lead = rec.At, domain.StatusSigning, p["lead"]
		r.ids = splitIDs(p["participants"])
		r.signOffDue, _ = time.Parse(time.RFC3339, p["sign_off_due"])
	case domain.KindSignOff, domain.KindObjection:
		if r.answers == nil {
			r.answers = map[int]map[string]*domain.Answer{}
		}
		if r.answers[rec.Round] == nil {
			r.answers[rec.Round] = map[string]*domain.Answer{}
		}
		r.answers[rec.Round][rec.Ministry] = &domain.Answer{Decision: p["decision"], Signer: rec.Person,
			Comment: p["comment"], Report: p["report"], At: rec.At, DecisionID: rec.DecisionID}
	case domain.KindReturn, domain.KindClosure:
		r.rounds = append(r.rounds, domain.RoundRecord{Round: rec.Round, Participants: r.answered(rec.Round),
			Review: domain.ReviewRecord{Decision: p["decision"], Reviewer: rec.Person, Comment: p["comment"], At: rec.At, DecisionID: rec.DecisionID}})
		if rec.Kind == domain.KindReturn {
			r.round, r.status = rec.Round+1, domain.StatusSigning
			break
		}
		r.status = domain.StatusClosed
		r.outcome = &domain.TaskOutcome{Status: domain.StatusClosed, Rounds: rec.Round, EndedAt: rec.At, Comment: p["comment"]}
	case domain.KindCancel:
		r.status = domain.StatusCancelled
		r.outcome = &domain.TaskOutcome{Status: domain.StatusCancelled, Rounds: r.round, EndedAt: rec.At, Comment: p["reason"]}
	case domain.KindAmend:
		for _, id := range splitIDs(p["remove"]) {
			r.ids = slices.DeleteFunc(r.ids, func(s string) bool { return s == id })
		}
		r.ids = append(r.ids, splitIDs(p["add"])...)
		if p["lead"] != "" {
			r.lead = p["lead"]
		}
	case domain.KindProgress:
		r.progress = append(r.progress, domain.ProgressReport{Ministry: rec.Ministry, Author: rec.Person, Text: p["text"],
			Round: rec.Round, At: rec.At, DecisionID: rec.DecisionID})
	case domain.KindExtensionRequest, domain.KindExtensionDecision:
		// Sequence numbers left out: the answer reads as the live workflow's.
		r.extensions = domain.ApplyExtensionRecord(r.extensions, rec.Kind, rec.Ministry, rec.Person, p, rec.At, 0)
	}
}

// answered lists the participants as of now with their answers in round.
func (r *replay) answered(round int) []domain.Participant {
	out := make([]domain.Participant, 0, len(r.ids))
	for _, id := range r.ids {
		role := domain.RoleCo
		if id == r.lead {
			role = domain.RoleLead
		}
		out = append(out, domain.Participant{ID: id, Role: role, Answer: r.answers[round][id]})
	}
	return out
}

// participants are the task's ministries with their answers of the current
// round, the lead first as the workflow lists them.
func (r *replay) participants() []domain.Participant {
	out := r.answered(r.round)
	slices.SortStableFunc(out, func(a, b domain.Participant) int {
		if (a.Role == domain.RoleLead) == (b.Role == domain.RoleLead) {
			return 0
		}
		if a.Role == domain.RoleLead {
			return -1
		}
		return 1
	})
	return out
}

// splitIDs reads a comma-separated list of ministry IDs.
func splitIDs(s string) []string {
	var out []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}
