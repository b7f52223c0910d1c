package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"

	"lianxi/actions"
	"lianxi/config"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/logging"
	"lianxi/starter"
	"lianxi/taskclient"
)

func dialReady(ctx context.Context, o Options, key door.Key) (client.Client, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := client.Dial(client.Options{HostPort: o.Address, Namespace: "default", Logger: logging.Temporal(o.Logger),
			ConnectionOptions: client.ConnectionOptions{GrpcCompression: config.Compression(o.Address)},
			Interceptors:      []interceptor.ClientInterceptor{door.ClientInterceptor(key)}})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("embedded server not ready: %w", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// parallel runs f(i) for i in [0,n) on c goroutines.
func parallel(n, c int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, c)
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// timed records the latency of every call it wraps.
type timed struct {
	mu sync.Mutex
	ds []time.Duration
}

func (t *timed) do(f func() error) error {
	start := time.Now()
	err := f()
	t.mu.Lock()
	t.ds = append(t.ds, time.Since(start))
	t.mu.Unlock()
	return err
}

func bareIDs(prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = prefix + "bench-bare/" + strconv.Itoa(i+1)
	}
	return ids
}

// runBare starts N bare workflows and sends each its K+1 updates. Like
// the lianxi side (the starter and taskclient), a start whose answer times
// out is sent again up to startTimeouts times, and an update with no
// answer within taskclient.DefaultWait is sent again with the same update
// ID, counted in Resent: on a loaded machine the floor then stays a
// measurement instead of an error.
func runBare(ctx context.Context, c client.Client, o Options, prefix string) (Side, error) {
	ids := bareIDs(prefix, o.Tasks)
	updates := o.Ministries + 1
	var resent atomic.Int64
	start := time.Now()
	err := parallel(o.Tasks, o.Concurrency, func(i int) error {
		for try := 0; ; try++ {
			_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: bareQueue,
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE}, BareWorkflow, updates)
			if deadlineHit(ctx, err) && try < startTimeouts {
				resent.Add(1)
				continue
			}
			return err
		}
	})
	if err != nil {
		return Side{}, err
	}
	if err := settle(ctx, c, ids); err != nil {
		return Side{}, err
	}
	launch := phase(o.Tasks, time.Since(start))
	var lat timed
	var taskTime atomic.Int64
	start = time.Now()
	err = parallel(o.Tasks, o.Concurrency, func(i int) error {
		t0 := time.Now()
		for u := 0; u < updates; u++ {
			if err := lat.do(func() error {
				for {
					err := touch(ctx, c, ids[i], fmt.Sprintf("u%d", u))
					if errors.Is(err, errNoAnswer) {
						resent.Add(1)
						continue
					}
					return err
				}
			}); err != nil {
				return err
			}
		}
		taskTime.Add(int64(time.Since(t0)))
		return nil
	})
	if err != nil {
		return Side{}, err
	}
	return Side{Launch: launch, Updates: phase(o.Tasks*updates, time.Since(start)), UpdateLatency: latency(lat.ds),
		TaskSeconds: time.Duration(taskTime.Load() / int64(o.Tasks)).Seconds(), Resent: int(resent.Load())}, nil
}

// startTimeouts is how many times a bare start is sent again, as the
// starter does for a task's.
const startTimeouts = 3

var errNoAnswer = errors.New("no answer in time")

// touch sends one bare update and waits for its result, for at most
// taskclient.DefaultWait (errNoAnswer then), as taskclient waits for a
// receipt.
func touch(ctx context.Context, c client.Client, id, updateID string) error {
	wctx, cancel := context.WithTimeout(ctx, taskclient.DefaultWait)
	defer cancel()
	h, err := c.UpdateWorkflow(wctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: "touch",
		UpdateID: updateID, Args: []any{"x"}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(wctx, nil)
	}
	var timedOut *client.WorkflowUpdateServiceTimeoutOrCanceledError
	if err != nil && ctx.Err() == nil && (wctx.Err() != nil || errors.As(err, &timedOut) || deadlineHit(ctx, err)) {
		return fmt.Errorf("%s %s: %w (%v)", id, updateID, errNoAnswer, err)
	}
	return err
}

// ministries are the bench tasks' participants: the lead first.
func ministries(k int) []string {
	all := []string{"ndrc", "miit", "mof", "most", "cac", "mofcom", "moe", "mps", "pbc", "sasac"}
	out := make([]string, 0, k)
	for i := 0; i < k; i++ {
		if i < len(all) {
			out = append(out, all[i])
		} else {
			out = append(out, fmt.Sprintf("m%d", i))
		}
	}
	return out
}

// lianxiSpecs are n tasks of one plan, 1,000 to a section (task numbers
// have at most four digits on each side of the dot).
func lianxiSpecs(plan string, n int, parts []string) []domain.TaskSpec {
	specs := make([]domain.TaskSpec, n)
	for i := range specs {
		specs[i] = domain.TaskSpec{PlanID: plan, TaskNo: fmt.Sprintf("%d.%d", i/1000+1, i%1000+1), Title: "基准任务",
			Lead: parts[0], Participants: parts}
	}
	return specs
}

func runLianxi(ctx context.Context, c client.Client, o Options) ([]string, Side, error) {
	tasks := &taskclient.Client{C: c, Namespace: "default"}
	parts := ministries(o.Ministries)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	specs := lianxiSpecs("bench-"+run, o.Tasks, parts)
	ids := make([]string, o.Tasks)
	for i := range specs {
		ids[i] = domain.WorkflowID(specs[i].PlanID, specs[i].TaskNo)
	}
	start := time.Now()
	rep, err := starter.Launch(ctx, c, specs, starter.Options{Concurrency: o.Concurrency})
	if err != nil {
		return nil, Side{}, err
	}
	if rep.Started != o.Tasks {
		return nil, Side{}, fmt.Errorf("launched %d of %d", rep.Started, o.Tasks)
	}
	if err := settle(ctx, c, ids); err != nil {
		return nil, Side{}, err
	}
	launch := phase(o.Tasks, time.Since(start))
	var lat timed
	var taskTime, resent atomic.Int64
	start = time.Now()
	err = parallel(o.Tasks, o.Concurrency, func(i int) error {
		t0 := time.Now()
		// Each update is signed as the API signs it, for its principal.
		// A request with no answer in time is sent again with the same
		// request ID, as the API tells its callers; its latency runs from
		// the first send to the receipt.
		send := func(p door.Principal, name string, arg any) error {
			pctx := door.WithPrincipal(ctx, p)
			id := actions.UpdateID(p.Name, name, "")
			return lat.do(func() error {
				for {
					_, err := tasks.Update(pctx, ids[i], name, id, arg)
					var rej *taskclient.Rejection
					if errors.As(err, &rej) && rej.Type == taskclient.ErrTypeNoAnswer {
						resent.Add(1)
						continue
					}
					return err
				}
			})
		}
		ministry := func(m string) door.Principal { return door.Principal{Name: m, Role: door.RoleMinistry, Ministry: m} }
		for _, m := range parts[1:] {
			if err := send(ministry(m), domain.UpdateSignOff, domain.SignOffRequest{Ministry: m, Decision: domain.DecisionApprove}); err != nil {
				return err
			}
		}
		if err := send(ministry(parts[0]), domain.UpdateSignOff, domain.SignOffRequest{Ministry: parts[0], Decision: domain.DecisionApprove, Report: "联合报告"}); err != nil {
			return err
		}
		office := door.Principal{Name: door.RoleOffice, Role: door.RoleOffice}
		if err := send(office, domain.UpdateReview, domain.ReviewRequest{Decision: domain.DecisionApprove}); err != nil {
			return err
		}
		taskTime.Add(int64(time.Since(t0)))
		return nil
	})
	if err != nil {
		return nil, Side{}, err
	}
	updates := phase(o.Tasks*(o.Ministries+1), time.Since(start))
	return ids, Side{Launch: launch, Updates: updates, UpdateLatency: latency(lat.ds), Resent: int(resent.Load()),
		TaskSeconds: time.Duration(taskTime.Load() / int64(o.Tasks)).Seconds()}, nil
}

// deadlineHit reports whether err is a call's own deadline, not the
// caller's.
func deadlineHit(ctx context.Context, err error) bool {
	var deadline *serviceerror.DeadlineExceeded
	return err != nil && ctx.Err() == nil && (errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded))
}
