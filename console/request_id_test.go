package console

import (
	"strings"
	"testing"
)

// The same request ID sent again with the same body gets the same receipt;
// with another body (approve, then object) it is refused with 409, and the
// objection is not silently dropped behind the approval's receipt.
func TestRequestIDReusedWithAnotherBody(t *testing.T) {
	s := newStack(t)
	path := "/api/plans/web/tasks/1.1/sign-off"
	first := s.call("miit", "POST", path, []byte(`{"decision":"approve","request_id":"rid-shared-1"}`))
	again := s.call("miit", "POST", path, []byte(`{"decision":"approve","request_id":"rid-shared-1"}`))
	if first.status != 200 || again.status != 200 || first.body != again.body {
		t.Fatalf("a retried request: %d %s / %d %s, want the same receipt twice", first.status, first.body, again.status, again.body)
	}
	other := s.call("miit", "POST", path, []byte(`{"decision":"object","comment":"口径不一致","request_id":"rid-shared-1"}`))
	if other.status != 409 || !strings.Contains(other.err.Message, "already used") {
		t.Errorf("the same request ID with another body: %d %s, want 409 naming the reuse", other.status, other.body)
	}
	if n := len(s.recordsOf("objection")); n != 0 {
		t.Errorf("%d objections recorded", n)
	}
}
