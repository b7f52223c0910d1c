package domain

import (
	"testing"
	"time"
)

// Records folded from the ledger give the list the workflow keeps: each
// decision settles the request pending before it, and the readers learn
// the records' sequence numbers.
func TestApplyExtensionRecord(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	until := at.AddDate(0, 1, 0)
	var list []ExtensionRecord
	apply := func(kind, ministry, person string, p map[string]string, seq int64) {
		list = ApplyExtensionRecord(list, kind, ministry, person, p, at.Add(time.Duration(seq)*time.Hour), seq)
	}
	apply(KindExtensionRequest, "miit", "", ExtensionRequestPayload(until, "数据未齐"), 3)
	if p := PendingExtensionIn(list); p == nil || p.Ministry != "miit" || !p.Until.Equal(until) || p.RequestSeq != 3 {
		t.Fatalf("after the request: %+v", list)
	}
	apply(KindProgress, "miit", "", Fields("text", "x"), 4)
	apply(KindExtensionDecision, "office", "王处长", ExtensionDecisionPayload(DecisionRefuse, "理由不足"), 5)
	apply(KindExtensionRequest, "mof", "", ExtensionRequestPayload(until.AddDate(0, 0, 7), "再延"), 6)
	apply(KindExtensionDecision, "office", "王处长", ExtensionDecisionPayload(DecisionGrant, ""), 8)
	if len(list) != 2 {
		t.Fatalf("%d requests, want 2: %+v", len(list), list)
	}
	first, second := list[0], list[1]
	if first.State != ExtensionRefused || first.Comment != "理由不足" || first.Decider != "王处长" || first.DecisionSeq != 5 || first.Reason != "数据未齐" {
		t.Errorf("first request: %+v", first)
	}
	if second.State != ExtensionGranted || second.DecisionSeq != 8 || !second.DecidedAt.Equal(at.Add(8*time.Hour)) {
		t.Errorf("second request: %+v", second)
	}
	if PendingExtensionIn(list) != nil {
		t.Errorf("a request still pending: %+v", list)
	}
	// A decision with nothing pending changes nothing.
	apply(KindExtensionDecision, "office", "x", ExtensionDecisionPayload(DecisionGrant, ""), 9)
	if list[1].DecisionSeq != 8 {
		t.Errorf("a stray decision settled a request again: %+v", list[1])
	}
}

// A task starts with every body pending, the co-responsible ones in plan
// order and the lead last, as the workflow lists them.
func TestFirstPending(t *testing.T) {
	spec := TaskSpec{Lead: "mof", Participants: []string{"ndrc", "mof", "miit"}}
	if got := FirstPending(spec); len(got) != 3 || got[0] != "ndrc" || got[1] != "miit" || got[2] != "mof" {
		t.Errorf("FirstPending = %v, want [ndrc miit mof]", got)
	}
	if ps := FirstParticipants(spec); ps[1].Role != RoleLead || ps[0].Role != RoleCo || ps[0].Answer != nil {
		t.Errorf("FirstParticipants = %+v", ps)
	}
}
