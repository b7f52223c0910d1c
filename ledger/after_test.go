package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"lianxi/domain"
)

// AppendAfter appends only while the workflow reflects every record of its
// task, on every append path; a decision already recorded is answered with
// its record even when the workflow is behind.
func TestAppendAfterRefusesAWorkflowBehind(t *testing.T) {
	for name, open := range appendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			for i, id := range []string{"a", "b"} {
				if _, err := s.Append(ctx, entry(id, i)); err != nil {
					t.Fatal(err)
				}
			}
			c, err := s.AppendAfter(ctx, entry("c", 3), domain.Reflects{LastSeq: 2, Count: 2})
			if err != nil || c.Seq != 3 {
				t.Fatalf("append after what the workflow reflects: %+v %v", c, err)
			}
			if _, err := s.AppendAfter(ctx, entry("d", 4), domain.Reflects{LastSeq: 2, Count: 2}); !errors.Is(err, ErrAhead) {
				t.Errorf("append behind the ledger: %v, want ErrAhead", err)
			}
			again, err := s.AppendAfter(ctx, entry("c", 99), domain.Reflects{LastSeq: 1, Count: 1})
			if err != nil || again.Seq != 3 || again.Payload["n"] != "3" {
				t.Errorf("a recorded decision sent again from behind: %+v %v, want its record", again, err)
			}
			// A run from before sequences were kept counts records.
			if r, err := s.AppendAfter(ctx, entry("e", 5), domain.Reflects{Count: 3}); err != nil || r.Seq != 4 {
				t.Errorf("append after 3 counted records: %+v %v", r, err)
			}
			if _, err := s.AppendAfter(ctx, entry("f", 6), domain.Reflects{Count: 3}); !errors.Is(err, ErrAhead) {
				t.Errorf("append after 3 of 4 counted records: %v, want ErrAhead", err)
			}
			other := entry("g", 7)
			other.WorkflowID = "plan/1.2"
			if r, err := s.AppendAfter(ctx, other, domain.Reflects{}); err != nil || r.Seq != 5 {
				t.Errorf("another task's first record: %+v %v", r, err)
			}
			res, err := Verify(ctx, s)
			if err != nil || !res.OK || res.Count != 5 {
				t.Errorf("verify: %+v %v, want 5 records", res, err)
			}
		})
	}
}

// Many appends from the same point of one task at once, queued into one
// group: exactly one lands, and the refused ones take no other task's
// record down with them.
func TestAppendAfterOneWinsAtOnce(t *testing.T) {
	const racers = 24
	for name, open := range appendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			first, err := s.Append(ctx, entry("first", 0))
			if err != nil {
				t.Fatal(err)
			}
			// A blocker's group is held until every racer has queued, so
			// they are all written in the group after it.
			var sizes []int
			held, release := make(chan struct{}), make(chan struct{})
			s.onGroup = func(n int, _ bool) {
				sizes = append(sizes, n)
				if len(sizes) == 1 {
					close(held)
					<-release
				}
			}
			blocker := entry("blocker", 0)
			blocker.WorkflowID = "plan/9.9"
			blocked := make(chan error, 1)
			go func() { _, err := s.Append(ctx, blocker); blocked <- err }()
			<-held
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, refused, others := 0, 0, 0
			for i := range racers {
				wg.Add(2)
				go func() {
					defer wg.Done()
					_, err := s.AppendAfter(ctx, entry(fmt.Sprint("racer-", i), i), domain.Reflects{LastSeq: first.Seq, Count: 1})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, ErrAhead):
						refused++
					default:
						t.Errorf("racer %d: %v", i, err)
					}
				}()
				go func() {
					defer wg.Done()
					e := entry(fmt.Sprint("other-", i), i)
					e.WorkflowID = fmt.Sprint("plan/2.", i)
					_, err := s.AppendAfter(ctx, e, domain.Reflects{})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("other task %d: %v", i, err)
					} else {
						others++
					}
				}()
			}
			for queued := 0; queued < 2*racers; time.Sleep(time.Millisecond) {
				s.qmu.Lock()
				queued = len(s.queue)
				s.qmu.Unlock()
			}
			close(release)
			wg.Wait()
			if err := <-blocked; err != nil {
				t.Fatal(err)
			}
			if len(sizes) != 2 || sizes[1] != 2*racers {
				t.Fatalf("groups %v, want the blocker's and one of %d", sizes, 2*racers)
			}
			if won != 1 || refused != racers-1 || others != racers {
				t.Errorf("won %d, refused %d, others %d; want 1, %d, %d", won, refused, others, racers-1, racers)
			}
			res, err := Verify(ctx, s)
			if err != nil || !res.OK || res.Count != 3+racers {
				t.Errorf("verify: %+v %v, want %d records", res, err, 3+racers)
			}
		})
	}
}
