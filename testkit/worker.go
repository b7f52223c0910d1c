package testkit

import (
	"time"

	sdkworker "go.temporal.io/sdk/worker"
)

// WorkerOptions returns o as the tests' workers run it. The SDK fails a
// workflow task whose code runs for over a second without yielding (its
// deadlock detector); under the race detector, with the whole suite on two
// cores, an ordinary handler can exceed that on a starved machine, and the
// detector's abandoned goroutine then trips the race detector itself. So
// tests built with -race allow RaceDeadlock; others keep the SDK's second.
func WorkerOptions(o sdkworker.Options) sdkworker.Options {
	if Race && o.DeadlockDetectionTimeout == 0 {
		o.DeadlockDetectionTimeout = RaceDeadlock
	}
	return o
}

// RaceDeadlock is the deadlock detector's bound under the race detector.
const RaceDeadlock = 10 * time.Second
