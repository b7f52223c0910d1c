package audit

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"lianxi/actions"
	"lianxi/domain"
)

// An input rule runs in the validator only, never on replay: lowering the
// urge comment's limit below what the committed urge history holds leaves
// it replaying. A state rule runs in the handler too, so tightening one
// (no urging at all) breaks the same replay: the check can fail.
func TestInputRuleChangesKeepReplaying(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(historyDir, "*", "urge", "*.json"))
	if len(files) == 0 {
		t.Fatal("no committed urge history")
	}
	urge, _ := actions.ByName(domain.UpdateUrge)
	i := -1
	for j, f := range urge.Fields {
		if f.Name == "comment" {
			i = j
		}
	}
	if i < 0 {
		t.Fatal("urge has no comment field")
	}
	oldMax, oldAllowed := urge.Fields[i].Max, urge.Allowed
	t.Cleanup(func() { urge.Fields[i].Max, urge.Allowed = oldMax, oldAllowed })
	const limit = 3

	for _, f := range files {
		h, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		longest := 0
		for _, ev := range h.GetEvents() {
			if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && a.GetAcceptedRequest().GetInput().GetName() == domain.UpdateUrge {
				for _, p := range a.GetAcceptedRequest().GetInput().GetArgs().GetPayloads() {
					var r domain.UrgeRequest
					if err := json.Unmarshal(p.GetData(), &r); err != nil {
						t.Fatal(err)
					}
					longest = max(longest, utf8.RuneCountInString(r.Comment))
				}
			}
		}
		if longest <= limit {
			t.Fatalf("%s: the urge request is not longer than %d characters; the check would prove nothing", f, limit)
		}

		urge.Fields[i].Max = limit
		if err := NewReplayer(quiet).Replay(h); err != nil {
			t.Errorf("%s: lowering the urge comment's limit to %d broke replay: %v", f, limit, err)
		}
		urge.Fields[i].Max = oldMax

		urge.Allowed = func(t *domain.Task, _ string) error { return domain.Conflict("urging is no longer allowed") }
		// (Runs that keep up with their ledger first look for records they
		// missed, so the replay meets a read where history has the record:
		// TMPRL1100, the SDK's nondeterminism.)
		if err := NewReplayer(quiet).Replay(h); err == nil || !strings.Contains(err.Error(), "nondeterministic") && !strings.Contains(err.Error(), "no longer allowed") && !strings.Contains(err.Error(), "TMPRL1100") {
			t.Errorf("%s: a tightened state rule still replayed (%v); the replay does not run state rules", f, err)
		}
		urge.Allowed = oldAllowed
	}
}
