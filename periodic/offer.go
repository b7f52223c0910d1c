package periodic

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// offer is work that every process sharing the database may offer to do
// and one of them does: whichever holds the lease Name. Each period of
// Every (counted from the Unix epoch, so every process agrees on where a
// period starts) runs Run once, however many processes run and however
// often the lease changes hands; a process that dies hands the work over
// after at most TTL.
type offer struct {
	// Name names the lease, the same in every process doing this work.
	Name string
	// Holder names this process among them; it must be unique to it.
	Holder string
	// Every is the period.
	Every time.Duration
	// TTL is how long the lease lasts without a renewal; the holder renews
	// it every TTL/3. Default 30 s.
	TTL time.Duration
	// Start, when set, runs each time this process takes the lease, before
	// its first period, again after a pause while it fails: work that
	// whoever takes over does once (putting older tasks on the board).
	Start func(ctx context.Context) error
	// Run is one period's work; period is when the period began. Its
	// context ends when the lease is lost.
	Run func(ctx context.Context, period time.Time) error
	// OnError hears what failed (the lease, Start, Run); all are retried.
	OnError func(error)
	// Now is the clock; default time.Now.
	Now func() time.Time

	// keepOnStop leaves the lease held when run returns, as a
	// killed process would; for tests.
	keepOnStop bool
}

func (p *offer) check() error {
	if err := checkLease(p.Name, p.Holder, max(p.TTL, time.Second)); err != nil {
		return err
	}
	switch {
	case p.Every <= 0:
		return fmt.Errorf("%w: periodic work %q needs a positive period, not %s", ErrBadLease, p.Name, p.Every)
	case p.TTL < 0:
		return fmt.Errorf("%w: periodic work %q: lease life %s is negative", ErrBadLease, p.Name, p.TTL)
	case p.Run == nil:
		return fmt.Errorf("%w: periodic work %q has nothing to run", ErrBadLease, p.Name)
	}
	return nil
}

func (p *offer) report(err error) {
	if p.OnError != nil && err != nil && !errors.Is(err, context.Canceled) {
		p.OnError(err)
	}
}

// run offers to do p until ctx ends: it keeps trying to take the lease,
// does the work while it holds it, stops the work as soon as a renewal
// fails, and gives the lease up on return.
func (s *Leases) run(ctx context.Context, p offer) error {
	if p.TTL == 0 {
		p.TTL = 30 * time.Second
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if err := p.check(); err != nil {
		return err
	}
	// The work of one tenure, stopped and waited for when it ends.
	var stopWork func()
	defer func() {
		if stopWork != nil {
			stopWork()
		}
		if !p.keepOnStop {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			p.report(s.ReleaseLease(rctx, p.Name, p.Holder))
		}
	}()
	t := time.NewTicker(p.TTL / 3)
	defer t.Stop()
	for {
		held, err := s.AcquireLease(ctx, p.Name, p.Holder, p.TTL, p.Now())
		if ctx.Err() != nil {
			return nil
		}
		p.report(err)
		switch {
		case held && stopWork == nil:
			wctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.work(wctx, &p)
			}()
			stopWork = func() { cancel(); <-done }
		case !held && stopWork != nil:
			// Lost, or not known to be kept: stop before another takes it.
			stopWork()
			stopWork = nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// work is one tenure: Start until it succeeds, then Run once for every
// period no holder has run yet, until ctx ends.
func (s *Leases) work(ctx context.Context, p *offer) {
	if p.Start != nil {
		for wait := p.TTL / 10; ; wait = min(2*wait, p.Every, time.Minute) {
			err := p.Start(ctx)
			if err == nil {
				break
			}
			p.report(fmt.Errorf("%s: start: %w", p.Name, err))
			if !sleep(ctx, wait) {
				return
			}
		}
	}
	every := int64(p.Every)
	for {
		now := p.Now()
		period := now.UnixNano() / every
		ok, err := s.ClaimPeriod(ctx, p.Name, p.Holder, period, now)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.report(err)
			// Try the same period again shortly.
			if !sleep(ctx, min(p.TTL/3, p.Every/4)) {
				return
			}
			continue
		}
		if ok {
			p.report(p.Run(ctx, time.Unix(0, period*every)))
		}
		if !sleep(ctx, time.Unix(0, (period+1)*every).Sub(p.Now())) {
			return
		}
	}
}

// sleep waits d or until ctx ends, answering false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
