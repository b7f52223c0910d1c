package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// IsOpen reports whether a task in this status still takes decisions: it
// is signing or in review. Closed, cancelled and ended runs take none.
func IsOpen(status string) bool { return status == StatusSigning || status == StatusInReview }

// IsFinished reports whether a task ended by a decision: closed (办结) or
// cancelled. A run that was terminated or timed out is neither open nor
// finished.
func IsFinished(status string) bool { return status == StatusClosed || status == StatusCancelled }

// DueOf is the due date of the phase a task is in: the review's while the
// office reviews, the sign-off's otherwise.
func DueOf(status string, signOffDue, reviewDue time.Time) time.Time {
	if status == StatusInReview {
		return reviewDue
	}
	return signOffDue
}

// WarningAt is the traffic light for a due date seen at now: red from the
// due date on, yellow within window before it, green before that.
func WarningAt(now, due time.Time, window time.Duration) string {
	switch {
	case !now.Before(due):
		return WarningRed
	case !now.Before(due.Add(-window)):
		return WarningYellow
	default:
		return WarningGreen
	}
}

// Light is a task's traffic light as seen at now. A task that is no longer
// open, or has no due date, is green; a zero window means DefaultWarningWindow.
func Light(status string, due time.Time, window time.Duration, now time.Time) string {
	if !IsOpen(status) || due.IsZero() {
		return WarningGreen
	}
	if window <= 0 {
		window = DefaultWarningWindow
	}
	return WarningAt(now, due, window)
}

// FirstParticipants are a task's participants as it starts: every body of
// the spec in plan order, the lead with the lead's role, none answered.
func FirstParticipants(spec TaskSpec) []Participant {
	var out []Participant
	for _, id := range spec.Participants {
		role := RoleCo
		if id == spec.Lead {
			role = RoleLead
		}
		out = append(out, Participant{ID: id, Role: role})
	}
	return out
}

// FirstPending is who owes an answer as a task starts, in the order the
// workflow lists them (TaskState.Pending).
func FirstPending(spec TaskSpec) []string {
	s := TaskState{Status: StatusSigning, Participants: FirstParticipants(spec)}
	return s.Pending()
}

// FirstDue is round 1's sign-off due date of a task started at start: the
// spec's own date, or start plus its sign-off period (or the default).
func FirstDue(spec TaskSpec, start time.Time) time.Time {
	if !spec.SignOffDue.IsZero() {
		return spec.SignOffDue
	}
	period := spec.SignOffPeriod
	if period <= 0 {
		period = DefaultSignOffPeriod
	}
	return start.Add(period)
}

// Error types a rule refuses with. Callers map them to their own
// vocabulary (the HTTP API to 400, 403 and 409).
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

// RuleError is a refusal by a rule: its type (ErrType…), the field at
// fault when there is one, and a message that says what to fix.
type RuleError struct {
	Type  string
	Field string
	Msg   string
}

func (e *RuleError) Error() string { return e.Msg }

// Invalid refuses a malformed field.
func Invalid(field, format string, args ...any) error {
	return &RuleError{Type: ErrTypeInvalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Conflict refuses a request the task's state does not allow now.
func Conflict(format string, args ...any) error {
	return &RuleError{Type: ErrTypeConflict, Msg: fmt.Sprintf(format, args...)}
}

// NotParticipant refuses a ministry that is not on the task.
func NotParticipant(ministry, taskNo string) error {
	return &RuleError{Type: ErrTypeNotParticipant, Msg: fmt.Sprintf("ministry %q is not a participant of task %s", ministry, taskNo)}
}

// CheckText refuses text that is not valid UTF-8, too long, missing when
// required, or carrying control characters. Invalid bytes turn into U+FFFD
// on their way through JSON, so the replacement character counts as invalid
// too; tabs and line breaks are allowed, bidirectional controls are not
// (they can make text read differently from what was recorded).
func CheckText(field, s string, limit int, required bool) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return Invalid(field, "%s is not valid UTF-8 text", field)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }); i >= 0 {
		return Invalid(field, "%s contains a control character at byte %d", field, i)
	}
	if i := strings.IndexFunc(s, isBidiControl); i >= 0 {
		return Invalid(field, "%s contains a bidirectional control character at byte %d", field, i)
	}
	if n := utf8.RuneCountInString(s); n > limit {
		return Invalid(field, "%s is %d characters long; the limit is %d", field, n, limit)
	}
	if required && strings.TrimSpace(s) == "" {
		return Invalid(field, "%s is required", field)
	}
	return nil
}

// isBidiControl reports the bidirectional embedding, override and isolate
// controls (U+202A–U+202E, U+2066–U+2069).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// StatusShows reports whether body is on the task as its status shows it:
// a participant now or in a round the status still holds.
func StatusShows(st TaskStatus, body string) bool {
	for _, pt := range st.Participants {
		if pt.ID == body {
			return true
		}
	}
	for _, rd := range st.Rounds {
		for _, pt := range rd.Participants {
			if pt.ID == body {
				return true
			}
		}
	}
	return false
}

// RecordNames reports whether a ledger record shows body on its task: the
// body decided it, the assignment listed it, or an amendment added,
// removed or made it the lead.
func RecordNames(kind, ministry string, payload map[string]string, body string) bool {
	if ministry == body {
		return true
	}
	var lists []string
	switch kind {
	case KindAssigned:
		lists = []string{payload["participants"], payload["lead"]}
	case KindAmend:
		lists = []string{payload["add"], payload["remove"], payload["lead"]}
	}
	for _, l := range lists {
		for _, id := range strings.Split(l, ",") {
			if id == body {
				return true
			}
		}
	}
	return false
}
