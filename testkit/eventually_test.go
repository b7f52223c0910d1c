package testkit

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// fatal records a failure instead of ending the test that checks it.
type fatal struct {
	testing.TB
	msg string
}

func (f *fatal) Helper() {}

func (f *fatal) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestEventuallyReturnsOnceTheCheckHolds(t *testing.T) {
	calls := 0
	Eventually(t, "the third call", func() (bool, string) {
		calls++
		return calls == 3, fmt.Sprint(calls, " calls")
	})
	if calls != 3 {
		t.Errorf("check called %d times, want 3", calls)
	}
}

func TestEventuallyReportsWhatItLastSaw(t *testing.T) {
	f := &fatal{TB: t}
	calls := 0
	start := time.Now()
	EventuallyWithin(f, 100*time.Millisecond, "closure", func() (bool, string) {
		calls++
		return false, fmt.Sprint("status signing after ", calls, " calls")
	})
	if !strings.Contains(f.msg, "closure") || !strings.Contains(f.msg, fmt.Sprint("after ", calls, " calls")) {
		t.Errorf("failure %q does not name the wait and the last thing seen", f.msg)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a 100ms bound took %s", d)
	}
}
