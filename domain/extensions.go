package domain

import "time"

// Payload keys of the two extension records (延期申请 and its 批复).
const (
	PayloadUntil    = "until"
	PayloadReason   = "reason"
	PayloadDecision = "decision"
	PayloadComment  = "comment"
)

// ExtensionRequestPayload is what a 延期申请 record carries.
func ExtensionRequestPayload(until time.Time, reason string) map[string]string {
	return Fields(PayloadUntil, until.UTC().Format(time.RFC3339), PayloadReason, reason)
}

// ExtensionDecisionPayload is what the office's 批复 record carries.
func ExtensionDecisionPayload(decision, comment string) map[string]string {
	return Fields(PayloadDecision, decision, PayloadComment, comment)
}

// Settle records the office's decision on a pending request: granted
// when decision is DecisionGrant, refused otherwise.
func (e *ExtensionRecord) Settle(decider, decision, comment string, at time.Time) {
	e.Decider, e.Comment, e.DecidedAt = decider, comment, at
	e.State = ExtensionRefused
	if decision == DecisionGrant {
		e.State = ExtensionGranted
	}
}

// PendingExtensionIn is the request in list still waiting for the office
// (a task has at most one: a second request waits until the first is
// decided); nil when none waits.
func PendingExtensionIn(list []ExtensionRecord) *ExtensionRecord {
	for i := range list {
		if list[i].State == ExtensionPending {
			return &list[i]
		}
	}
	return nil
}

// ApplyExtensionRecord folds one ledger record into the list of extension
// requests as the workflow decided it: a request adds a pending entry, a
// decision settles the request still pending before it; records of other
// kinds leave the list as it was. Readers that rebuild a task's requests
// from the ledger (the task page, reads after retention) go through here,
// so the rule lives once.
func ApplyExtensionRecord(list []ExtensionRecord, kind, ministry, person string, payload map[string]string, at time.Time, seq int64) []ExtensionRecord {
	switch kind {
	case KindExtensionRequest:
		until, _ := time.Parse(time.RFC3339, payload[PayloadUntil])
		list = append(list, ExtensionRecord{Ministry: ministry, Until: until, Reason: payload[PayloadReason],
			RequestedAt: at, State: ExtensionPending, RequestSeq: seq})
	case KindExtensionDecision:
		if e := PendingExtensionIn(list); e != nil {
			e.Settle(person, payload[PayloadDecision], payload[PayloadComment], at)
			e.DecisionSeq = seq
		}
	}
	return list
}
