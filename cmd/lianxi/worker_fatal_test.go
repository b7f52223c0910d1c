package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/types/known/durationpb"

	"lianxi/door"
	"lianxi/testkit"
	"lianxi/workflows"
)

// fatalBound is how long the worker may take to give up once its namespace
// is gone: the SDK keeps polling through "namespace not found" for two
// minutes (in case a proxy answered wrongly) before it calls the error
// fatal, and its polls back off up to ten seconds apart.
const fatalBound = 4 * time.Minute

// A worker whose namespace is deleted under it hits the SDK's fatal error:
// `lianxi worker` must end, with an exit code that is not 0 and a line
// that says why, not keep running with no poller.
func TestWorkerEndsOnItsFatalError(t *testing.T) {
	if testing.Short() {
		t.Skip("waits over two minutes for the SDK to give up on a deleted namespace")
	}
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	ctx := context.Background()
	const ns = "doomed"
	admin := ts.GetDefaultClient()
	if _, err := admin.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	}); err != nil {
		t.Fatalf("register namespace %s: %v", ns, err)
	}
	dir := t.TempDir()
	if _, _, err := door.EnsureKey(filepath.Join(dir, "door.key")); err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, fatalBound+2*time.Minute)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		done <- lianxi(wctx, "worker", "--data", dir, "--temporal-address", ts.GetFrontendHostPort(), "--namespace", ns, "--log-level", "error")
	}()
	testkit.EventuallyWithin(t, 2*time.Minute, "the worker polling "+ns, func() (bool, string) {
		select {
		case r := <-done:
			t.Fatalf("the worker ended before its namespace was deleted: exit %d\n%s", r.code, r.stderr)
		default:
		}
		res, err := admin.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: ns, TaskQueue: &taskqueuepb.TaskQueue{Name: workflows.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		})
		if err != nil {
			return false, err.Error()
		}
		return len(res.GetPollers()) > 0, "no pollers"
	})

	if _, err := admin.OperatorService().DeleteNamespace(ctx, &operatorservice.DeleteNamespaceRequest{Namespace: ns}); err != nil {
		t.Fatalf("delete namespace %s: %v", ns, err)
	}
	start := time.Now()
	var r result
	select {
	case r = <-done:
	case <-time.After(fatalBound):
		cancel()
		r = <-done
		t.Fatalf("the worker still ran %s after its namespace was deleted (stopped by hand: exit %d)\n%s", fatalBound, r.code, r.stderr)
	}
	t.Logf("the worker ended %s after the deletion", time.Since(start).Round(time.Second))
	const line = "lianxi: the worker stopped on a fatal error: "
	if r.code == 0 || !strings.Contains(r.stderr, line) || !strings.Contains(r.stderr, ns) {
		t.Errorf("exit %d, want not 0 and a line %q naming namespace %s; stderr:\n%s", r.code, line, ns, r.stderr)
	}
}
