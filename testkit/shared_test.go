package testkit

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// skipOrFail records how SharedFile ended a test.
type skipOrFail struct {
	fatal
	skipped string
}

func (s *skipOrFail) Skipf(format string, args ...any) { s.skipped = fmt.Sprintf(format, args...) }

// A missing shared document skips the test with its reason outside CI and
// fails it in CI; a present one is read.
func TestSharedFileSkipsOutsideCIAndFailsInCI(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-plan.txt")
	t.Setenv("CI", "")
	s := &skipOrFail{fatal: fatal{TB: t}}
	SharedFile(s, missing)
	if !strings.Contains(s.skipped, "no-such-plan.txt") || s.msg != "" {
		t.Errorf("outside CI: skipped %q, failed %q; want a skip naming the file", s.skipped, s.msg)
	}
	t.Setenv("CI", "1")
	s = &skipOrFail{fatal: fatal{TB: t}}
	SharedFile(s, missing)
	if !strings.Contains(s.msg, "needed in CI") || s.skipped != "" {
		t.Errorf("in CI: skipped %q, failed %q; want a failure", s.skipped, s.msg)
	}
	if b := SharedFile(t, "shared.go"); len(b) == 0 {
		t.Error("a present file was not read")
	}
}
