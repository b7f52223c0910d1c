// Package periodic holds the jobs every lianxi process may run and exactly
// one runs at a time, by lease in the shared database: each job has a
// lease of its own, whichever serve or worker process holds it runs the
// job once every period, and another takes it over when that process
// stops or dies. The packages that own the work define the jobs (board,
// attachments); a command builds a Runner with the jobs it has.
package periodic

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Step is one piece of a job's work and what is logged about it.
type Step struct {
	// Do does the work and counts what it did (tasks, files).
	Do func(ctx context.Context) (int, error)
	// Done is logged at Info, with the count as Count and Fields, when Do
	// did something.
	Done   string
	Count  string
	Fields []zap.Field
	// Failed says what did not happen when Do fails; Do's error follows.
	Failed string
}

func (s Step) do(ctx context.Context, log *zap.Logger) (int, error) {
	n, err := s.Do(ctx)
	if n > 0 {
		log.Info(s.Done, append([]zap.Field{zap.Int(s.count(), n)}, s.Fields...)...)
	}
	if err != nil {
		return n, fmt.Errorf("%s: %w", s.Failed, err)
	}
	return n, nil
}

func (s Step) count() string {
	if s.Count == "" {
		return "count"
	}
	return s.Count
}

// Job is periodic work with a lease of its own.
type Job struct {
	// Name names the lease, the same in every process offering the job.
	Name string
	// Every is the period.
	Every time.Duration
	// Start, when its Do is set, runs each time this process takes the
	// lease, before the first period, again after a pause while it fails:
	// work whoever takes over does once.
	Start Step
	// Run is one period's work.
	Run Step
	// What names the job in the warnings about its failures.
	What string
}

// Runner runs jobs, each while this process holds the job's lease.
type Runner struct {
	leases *Leases
	holder string
	log    *zap.Logger
	jobs   []Job

	// TTL is how long a lease lasts without renewal (default 30 s); Now
	// is the clock (default time.Now). Tests shorten and set them.
	TTL time.Duration
	Now func() time.Time
	// keepOnStop leaves the leases held when Run returns, as a killed
	// process would; for tests.
	keepOnStop bool
}

// New makes a runner of jobs for the process holder (see Holder), taking
// the leases in leases and logging to log.
func New(leases *Leases, holder string, log *zap.Logger, jobs ...Job) *Runner {
	return &Runner{leases: leases, holder: holder, log: log, jobs: jobs}
}

// Run offers every job until ctx ends and returns once all of them have
// stopped and their leases are given up. It starts nothing, and says why,
// when a job cannot be run (no name, no period, nothing to run, a name
// twice).
func (r *Runner) Run(ctx context.Context) error {
	offers := make([]offer, 0, len(r.jobs))
	seen := map[string]bool{}
	for _, j := range r.jobs {
		if seen[j.Name] {
			return fmt.Errorf("%w: two jobs share the lease %q", ErrBadLease, j.Name)
		}
		seen[j.Name] = true
		o := r.offer(j)
		if err := o.check(); err != nil {
			return err
		}
		offers = append(offers, o)
	}
	var wg sync.WaitGroup
	for _, o := range offers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Checked above: run fails only on a bad offer.
			_ = r.leases.run(ctx, o)
		}()
	}
	wg.Wait()
	return nil
}

// offer is job j as offered by this process, logging each run.
func (r *Runner) offer(j Job) offer {
	log := r.log.With(zap.String("lease", j.Name), zap.String("holder", r.holder))
	o := offer{
		Name: j.Name, Holder: r.holder, Every: j.Every, TTL: r.TTL, Now: r.Now,
		OnError:    func(err error) { log.Warn(j.What, zap.Error(err)) },
		keepOnStop: r.keepOnStop,
	}
	if o.TTL == 0 {
		o.TTL = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if j.Start.Do != nil {
		o.Start = func(ctx context.Context) error {
			_, err := j.Start.do(ctx, log)
			return err
		}
	}
	if j.Run.Do != nil {
		o.Run = func(ctx context.Context, period time.Time) error {
			began := time.Now()
			n, err := j.Run.do(ctx, log)
			log.Debug("periodic job ran", zap.Time("period", period), zap.Int(j.Run.count(), n),
				zap.Duration("took", time.Since(began)), zap.Bool("failed", err != nil))
			return err
		}
	}
	return o
}

// Holder names this process for the leases: its command, host and
// process ID, and a random part, so a process started again with the same
// ID is not taken for the one before it.
func Holder(command string) string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s@%s/%d/%s", command, host, os.Getpid(), hex.EncodeToString(b))
}
