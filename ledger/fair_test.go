package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The append that led a group returns once its own group is committed:
// the groups queued behind it are written without it waiting for them (a
// caller's wait is its own group, not everyone's under steady load).
func TestLeaderReturnsAfterItsOwnGroup(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			ctx := context.Background()
			inA, releaseA, holdRest := make(chan struct{}), make(chan struct{}), make(chan struct{})
			leader := make(chan error, 1)
			go func() {
				_, err := s.Append(ctx, entry("lead", 0), func(context.Context, func(string, ...any) error) error {
					close(inA)
					<-releaseA
					return nil
				})
				leader <- err
			}()
			<-inA
			// These queue behind the leader's transaction; their own group
			// is held until the test has seen the leader return.
			rest := make(chan error, 5)
			for i := 1; i <= 5; i++ {
				go func() {
					_, err := s.Append(ctx, entry(fmt.Sprint("rest-", i), i), func(context.Context, func(string, ...any) error) error {
						<-holdRest
						return nil
					})
					rest <- err
				}()
			}
			waitQueued(t, s, 5)
			close(releaseA)
			select {
			case err := <-leader:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				close(holdRest)
				t.Fatal("the leader's append waited for the groups queued behind it")
			}
			close(holdRest)
			for range 5 {
				if err := <-rest; err != nil {
					t.Error(err)
				}
			}
			if res, err := Verify(ctx, s); err != nil || !res.OK || res.Count != 6 {
				t.Errorf("chain after the handoff: %+v %v", res, err)
			}
		})
	}
}

// waitQueued waits until n appends wait in the store's queue.
func waitQueued(t *testing.T, s *SQLStore, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s.qmu.Lock()
		q := len(s.queue)
		s.qmu.Unlock()
		if q >= n {
			return
		}
	}
	t.Fatalf("fewer than %d appends queued", n)
}
