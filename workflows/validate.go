package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Application error types a validator rejects with. Callers map them to
// their own vocabulary (the HTTP API to 400, 403 and 409).
const (
	// ErrTypeInvalid: the request itself is malformed (missing reason,
	// unknown decision, text too long or not UTF-8).
	ErrTypeInvalid = "InvalidRequest"
	// ErrTypeNotParticipant: the ministry is not on the task.
	ErrTypeNotParticipant = "NotParticipant"
	// ErrTypeConflict: the request is well-formed but not allowed now
	// (wrong phase, already answered, lead before the others).
	ErrTypeConflict = "Conflict"
)

// invalid rejects a malformed field; the field's name travels as the
// error's details so an API can point at it.
func invalid(field, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeInvalid, field)
}

func conflict(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeConflict)
}

func notParticipant(ministry, taskNo string) error {
	return temporal.NewApplicationError(
		fmt.Sprintf("ministry %q is not a participant of task %s", ministry, taskNo), ErrTypeNotParticipant)
}

// checkText rejects text that is not valid UTF-8, too long, or missing when
// required. Invalid bytes turn into U+FFFD on their way through JSON, so the
// replacement character counts as invalid too, as do control characters
// other than tab and line breaks.
func checkText(field, s string, limit int, required bool) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return invalid(field, "%s is not valid UTF-8 text", field)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }); i >= 0 {
		return invalid(field, "%s contains a control character at byte %d", field, i)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return invalid(field, "%s is %d characters long; the limit is %d", field, n, limit)
	}
	if required && strings.TrimSpace(s) == "" {
		return invalid(field, "%s is required", field)
	}
	return nil
}

func (w *taskWorkflow) requireOpen(action string) error {
	if !w.s.open() {
		return conflict("cannot %s: task %s is %s", action, w.spec.TaskNo, w.s.Status)
	}
	return nil
}

func (w *taskWorkflow) validateSignOff(r SignOffRequest) error {
	for _, c := range []struct {
		field, v string
		limit    int
	}{{"ministry", r.Ministry, MaxNameLen}, {"signer", r.Signer, MaxNameLen}, {"comment", r.Comment, MaxCommentLen}, {"report", r.Report, MaxReportLen}} {
		if err := checkText(c.field, c.v, c.limit, c.field == "ministry"); err != nil {
			return err
		}
	}
	if err := validateAttachments(r.Attachments); err != nil {
		return err
	}
	if r.Decision != DecisionApprove && r.Decision != DecisionObject {
		return invalid("decision", "decision %q is not one of approve, object", r.Decision)
	}
	if r.Decision == DecisionObject && strings.TrimSpace(r.Comment) == "" {
		return invalid("comment", "comment is required: an objection must give its reason")
	}
	p := w.s.participant(r.Ministry)
	if p == nil {
		return notParticipant(r.Ministry, w.spec.TaskNo)
	}
	if w.s.Status != StatusSigning {
		return conflict("cannot sign off: task %s is %s, not signing", w.spec.TaskNo, w.s.Status)
	}
	if p.Answer != nil {
		return conflict("ministry %s has already answered in round %d", r.Ministry, w.s.Round)
	}
	if p.Role == RoleLead {
		if !w.s.cosDone() {
			return conflict("the lead %s signs last: still waiting for %s", r.Ministry, strings.Join(w.s.pending()[:len(w.s.pending())-1], ", "))
		}
		if strings.TrimSpace(r.Report) == "" {
			return invalid("report", "report is required: the lead files the joint report")
		}
	}
	return nil
}

func (w *taskWorkflow) validateReview(r ReviewRequest) error {
	if err := checkText("reviewer", r.Reviewer, MaxNameLen, false); err != nil {
		return err
	}
	if err := checkText("comment", r.Comment, MaxCommentLen, false); err != nil {
		return err
	}
	switch r.Decision {
	case DecisionApprove:
	case DecisionReturn:
		if strings.TrimSpace(r.Comment) == "" {
			return invalid("comment", "comment is required: a return must say what to revise")
		}
	default:
		return invalid("decision", "decision %q is not one of approve, return", r.Decision)
	}
	if w.s.Status != StatusInReview {
		return conflict("cannot review: task %s is %s, not in_review", w.spec.TaskNo, w.s.Status)
	}
	return nil
}

func (w *taskWorkflow) validateProgress(r ProgressRequest) error {
	if err := checkText("ministry", r.Ministry, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkText("author", r.Author, MaxNameLen, false); err != nil {
		return err
	}
	if err := checkText("text", r.Text, MaxReportLen, true); err != nil {
		return err
	}
	if err := validateAttachments(r.Attachments); err != nil {
		return err
	}
	if w.s.participant(r.Ministry) == nil {
		return notParticipant(r.Ministry, w.spec.TaskNo)
	}
	return w.requireOpen("report progress")
}

func (w *taskWorkflow) validateExtensionRequest(r ExtensionRequest) error {
	if err := checkText("ministry", r.Ministry, MaxNameLen, true); err != nil {
		return err
	}
	if err := checkText("reason", r.Reason, MaxCommentLen, true); err != nil {
		return err
	}
	if r.Until.IsZero() {
		return invalid("until", "until is required: the date the extension runs to")
	}
	if w.s.participant(r.Ministry) == nil {
		return notParticipant(r.Ministry, w.spec.TaskNo)
	}
	if w.s.Status != StatusSigning {
		return conflict("cannot request an extension: task %s is %s, not signing", w.spec.TaskNo, w.s.Status)
	}
	if !r.Until.After(w.s.SignOffDue) {
		return invalid("until", "until %s is not after the current due date %s", r.Until.Format("2006-01-02"), w.s.SignOffDue.Format("2006-01-02"))
	}
	if p := w.s.pendingExtension(); p != nil {
		return conflict("an extension request from %s is already waiting for the office", p.Ministry)
	}
	return nil
}

func (w *taskWorkflow) validateExtensionDecision(r ExtensionDecision) error {
	if err := checkText("decider", r.Decider, MaxNameLen, false); err != nil {
		return err
	}
	if err := checkText("comment", r.Comment, MaxCommentLen, false); err != nil {
		return err
	}
	if r.Decision != DecisionGrant && r.Decision != DecisionRefuse {
		return invalid("decision", "decision %q is not one of grant, refuse", r.Decision)
	}
	if err := w.requireOpen("decide an extension"); err != nil {
		return err
	}
	if w.s.pendingExtension() == nil {
		return conflict("task %s has no extension request waiting for a decision", w.spec.TaskNo)
	}
	return nil
}

func (w *taskWorkflow) validateAmend(r AmendRequest) error {
	if err := checkText("reason", r.Reason, MaxCommentLen, true); err != nil {
		return err
	}
	if len(r.Add) == 0 && len(r.Remove) == 0 && r.Lead == "" && r.SignOffDue.IsZero() && r.ReviewDue.IsZero() {
		return invalid("add", "amend changes nothing: give add, remove, lead or a due date")
	}
	if err := w.requireOpen("amend"); err != nil {
		return err
	}
	ids := w.s.ids()
	for _, id := range r.Add {
		if err := checkText("add", id, MaxNameLen, true); err != nil {
			return err
		}
		if slices.Contains(ids, id) {
			return conflict("ministry %s is already a participant of task %s", id, w.spec.TaskNo)
		}
		ids = append(ids, id)
	}
	for _, id := range r.Remove {
		if !slices.Contains(ids, id) {
			return notParticipant(id, w.spec.TaskNo)
		}
		ids = slices.DeleteFunc(ids, func(s string) bool { return s == id })
	}
	if len(ids) == 0 {
		return invalid("remove", "amend would leave task %s without participants", w.spec.TaskNo)
	}
	if r.Lead != "" && !slices.Contains(ids, r.Lead) {
		return invalid("lead", "new lead %s is not a participant after the change", r.Lead)
	}
	if w.s.Lead != "" && slices.Contains(r.Remove, w.s.Lead) && r.Lead == "" {
		return invalid("lead", "removing the lead %s needs a new lead", w.s.Lead)
	}
	if !r.SignOffDue.IsZero() && w.s.Status != StatusSigning {
		return conflict("cannot change the sign-off due date: task %s is %s", w.spec.TaskNo, w.s.Status)
	}
	if !r.ReviewDue.IsZero() && w.s.Status != StatusInReview {
		return conflict("cannot change the review due date: task %s is %s", w.spec.TaskNo, w.s.Status)
	}
	return nil
}

func (w *taskWorkflow) validateCancel(r CancelRequest) error {
	if err := checkText("reason", r.Reason, MaxCommentLen, true); err != nil {
		return err
	}
	return w.requireOpen("cancel")
}

func (w *taskWorkflow) validateUrge(r UrgeRequest) error {
	if err := checkText("urger", r.Urger, MaxNameLen, false); err != nil {
		return err
	}
	if err := checkText("comment", r.Comment, MaxCommentLen, false); err != nil {
		return err
	}
	if w.s.Status != StatusSigning {
		return conflict("cannot urge: task %s is %s; only ministries that have not signed off can be urged", w.spec.TaskNo, w.s.Status)
	}
	return nil
}

// checkAmendNew holds the amend rules added after amend was first
// released: added participants and a new lead must be bodies the registry
// knows (a ministry it does not know has no token to answer with), and a new
// due date must lie ahead. They run in the validator only, never in the
// handler's re-check, so histories accepted under the older rules replay.
func (w *taskWorkflow) checkAmendNew(ctx workflow.Context, r AmendRequest) error {
	for _, id := range append(slices.Clone(r.Add), r.Lead) {
		if id != "" && !slices.Contains(w.s.ids(), id) && !w.known(id) {
			return invalid("add", "ministry %q is not in the registry of bodies; check the ID (e.g. ndrc, miit)", id)
		}
	}
	now := workflow.Now(ctx)
	for _, d := range []struct {
		field string
		due   time.Time
	}{{"sign_off_due", r.SignOffDue}, {"review_due", r.ReviewDue}} {
		if !d.due.IsZero() && !d.due.After(now) {
			return invalid(d.field, "%s %s is not in the future", d.field, d.due.UTC().Format("2006-01-02 15:04 MST"))
		}
	}
	return nil
}

// isBidiControl reports the bidirectional embedding, override and isolate
// controls (U+202A–U+202E, U+2066–U+2069), which can make text read
// differently from what was recorded.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// texter is a request whose text fields can be listed, name and value.
type texter interface{ texts() [][2]string }

func (r SignOffRequest) texts() [][2]string {
	return [][2]string{{"ministry", r.Ministry}, {"signer", r.Signer}, {"comment", r.Comment}, {"report", r.Report}}
}
func (r ReviewRequest) texts() [][2]string {
	return [][2]string{{"reviewer", r.Reviewer}, {"comment", r.Comment}}
}
func (r ProgressRequest) texts() [][2]string {
	return [][2]string{{"ministry", r.Ministry}, {"author", r.Author}, {"text", r.Text}}
}
func (r ExtensionRequest) texts() [][2]string {
	return [][2]string{{"ministry", r.Ministry}, {"reason", r.Reason}}
}
func (r ExtensionDecision) texts() [][2]string {
	return [][2]string{{"decider", r.Decider}, {"comment", r.Comment}}
}
func (r AmendRequest) texts() [][2]string {
	out := [][2]string{{"lead", r.Lead}, {"reason", r.Reason}}
	for _, id := range r.Add {
		out = append(out, [2]string{"add", id})
	}
	for _, id := range r.Remove {
		out = append(out, [2]string{"remove", id})
	}
	return out
}
func (r CancelRequest) texts() [][2]string { return [][2]string{{"reason", r.Reason}} }
func (r UrgeRequest) texts() [][2]string {
	return [][2]string{{"urger", r.Urger}, {"comment", r.Comment}}
}

// refuseBidi rejects a request with a bidirectional control in any of its
// text fields, naming the field. It runs in validators only (they do not
// run on replay), so histories accepted before the rule still replay.
func refuseBidi(r any) error {
	t, ok := r.(texter)
	if !ok {
		return nil
	}
	for _, f := range t.texts() {
		if j := strings.IndexFunc(f[1], isBidiControl); j >= 0 {
			return invalid(f[0], "%s contains a bidirectional control character at byte %d", f[0], j)
		}
	}
	return nil
}

// refuseFinished answers any action on a closed or cancelled task the same
// way, whichever action it is (validators only; the API says the same when
// the run has already ended).
func (w *taskWorkflow) refuseFinished() error {
	if w.s.open() {
		return nil
	}
	since := ""
	if w.s.Outcome != nil {
		since = " since " + w.s.Outcome.EndedAt.UTC().Format("2006-01-02 15:04 MST")
	}
	return conflict("task %s is %s (%s)%s; it takes no more actions", w.spec.TaskNo, w.s.Status, StatusNames[w.s.Status], since)
}
