package console

import (
	"fmt"
	"testing"

	"lianxi/domain"
)

// A ministry removed from a task keeps reading it however many rounds
// later (the status keeps only the newest rounds, the ledger all of
// them); a ministry never on the task still cannot.
func TestRemovedMinistryStillReadsItsTask(t *testing.T) {
	s := newStack(t)
	task := "/api/plans/web/tasks/1.1"
	step := func(role, path, body string) {
		t.Helper()
		if a := s.call(role, "POST", task+path, []byte(body)); a.status != 200 {
			t.Fatalf("%s %s: %d %s", role, path, a.status, a.body)
		}
	}
	step("miit", "/sign-off", `{"decision":"approve"}`)
	step("mof", "/sign-off", `{"decision":"object","comment":"口径不一致"}`)
	step("ndrc", "/sign-off", `{"decision":"approve","report":"联合报告"}`)
	step("office", "/review", `{"decision":"return","comment":"请调整"}`)
	step("office", "/amend", `{"remove":["mof"],"reason":"职责调整"}`)
	// Each round the office returns the task with the same comment: each
	// return is a new decision (a new round), not a retry of the last.
	for i, st := 0, s.status(); st.Round <= domain.KeepRounds+2; i, st = i+1, s.status() {
		if i == domain.KeepRounds+2 {
			t.Fatalf("still in round %d (%s) after %d returns: a return with the same comment was taken for a retry", st.Round, st.Status, i)
		}
		for _, m := range st.Pending {
			step(m, "/sign-off", fmt.Sprintf(`{"decision":"approve","report":"第%d轮"}`, st.Round))
		}
		step("office", "/review", `{"decision":"return","comment":"再议"}`)
	}
	if st := s.status(); domain.StatusShows(st, "mof") {
		t.Fatalf("the status still shows mof after %d rounds; the test needs it gone: %+v", st.Round, st.Rounds)
	}
	for _, c := range []struct {
		who  string
		want int
	}{{"mof", 200}, {"miit", 200}, {"mofcom", 403}} {
		for _, path := range []string{task, task + "/records"} {
			if a := s.call(c.who, "GET", path, nil); a.status != c.want {
				t.Errorf("%s GET %s: %d, want %d", c.who, path, a.status, c.want)
			}
		}
	}
	if a := s.call("mof", "POST", task+"/sign-off", []byte(`{"decision":"approve"}`)); a.status == 200 {
		t.Errorf("a removed ministry signed off: %s", a.body)
	}
}
