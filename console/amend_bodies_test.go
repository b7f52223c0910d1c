package console

import (
	"strings"
	"testing"
)

// Amend adds only bodies that can answer: one the registry does not know,
// or one abolished (国土资源部 since 2018, its duties with 自然资源部), is
// refused naming why; a known body is added.
func TestAmendRefusesUnknownAndAbolishedBodies(t *testing.T) {
	s := newStack(t)
	path := "/api/plans/web/tasks/1.1/amend"
	for _, c := range []struct{ add, want string }{
		{"nosuchbody", "not in the registry of bodies"},
		{"mlr", "abolished in 2018; its duties passed to mnr"},
	} {
		a := s.call("office", "POST", path, js(map[string]any{"add": []string{c.add}, "reason": "调整"}))
		if a.status != 400 || a.err.Field != "add" || !strings.Contains(a.err.Message, c.want) {
			t.Errorf("adding %s: %d %s, want 400 saying %q", c.add, a.status, a.body, c.want)
		}
	}
	if a := s.call("office", "POST", path, js(map[string]any{"add": []string{"mnr"}, "reason": "调整", "beyond_list": "beyond"})); a.status != 200 {
		t.Errorf("adding mnr: %d %s", a.status, a.body)
	}
}
