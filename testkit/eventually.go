// Package testkit holds what the project's tests share. Tests that observe
// work finishing after the call that started it (notifications, ledger
// records written by activities, visibility, a browser) wait for it here, with
// one bound and one way of saying what they last saw, instead of sleeping.
package testkit

import (
	"testing"
	"time"
)

// DefaultBound is how long Eventually waits. It is generous on purpose: under
// the whole suite on two cores, work that takes milliseconds alone can take
// seconds, and a test that times out here is failing, not slow.
const DefaultBound = 60 * time.Second

// Poll intervals: short at first so fast work is seen at once, longer later
// so a slow wait does not load the machine it is waiting on.
const (
	firstPoll = 20 * time.Millisecond
	maxPoll   = 500 * time.Millisecond
)

// Eventually calls check until it reports ok and fails the test if that takes
// longer than DefaultBound. check returns what it saw, which the failure
// reports, so a timeout says how far the work got.
func Eventually(t testing.TB, what string, check func() (ok bool, saw string)) {
	t.Helper()
	EventuallyWithin(t, DefaultBound, what, check)
}

// EventuallyWithin is Eventually with another bound, for the few waits that
// include starting a whole server.
func EventuallyWithin(t testing.TB, bound time.Duration, what string, check func() (ok bool, saw string)) {
	t.Helper()
	start := time.Now()
	for pause := firstPoll; ; pause = min(2*pause, maxPoll) {
		ok, saw := check()
		if ok {
			return
		}
		if time.Since(start) > bound {
			if saw == "" {
				saw = "nothing"
			}
			t.Fatalf("waited %s for %s; last saw: %s", bound, what, saw)
			return
		}
		time.Sleep(pause)
	}
}
