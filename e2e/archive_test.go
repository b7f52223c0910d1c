package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"lianxi/activities"
	"lianxi/audit"
	"lianxi/devserver"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/worker"
	"lianxi/workflows"
)

// The embedded server archives each closed run's history into the data
// folder; after the history is deleted from Temporal's store (as retention
// does), the audit tools still find the run through the ledger, read its
// history from the archive, and replay it against the code.
func TestAuditAfterDeletionReadsTheArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("archive test skipped in -short mode")
	}
	dir := t.TempDir()
	addr, err := devserver.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := devserver.Start(devserver.Options{DataDir: dir, Address: addr, Namespace: "default", Retention: 24 * time.Hour,
		SearchAttributes: workflows.SearchAttributes(), Logger: zap.NewNop(), ArchiveDelay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	in := &inbox{}
	w := sdkworker.New(c, workflows.TaskQueue, testkit.WorkerOptions(sdkworker.Options{}))
	worker.Register(w, &activities.Activities{Ledger: store, Outbox: in, Board: openBoard(t, store), Notifier: in})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	spec := domain.TaskSpec{PlanID: "arch", TaskNo: "1.1", Title: "归档测试", Lead: "ndrc", Participants: []string{"ndrc", "mof"}}
	testkit.EventuallyWithin(t, 2*time.Minute, "the task launched", func() (bool, string) {
		rep, err := starter.Launch(ctx, c, []domain.TaskSpec{spec}, starter.Options{})
		return err == nil && rep.Started+rep.AlreadyRunning == 1, fmt.Sprint(rep, err)
	})
	id := domain.WorkflowID("arch", "1.1")
	tasks := &taskclient.Client{C: c, Namespace: "default"}
	for _, u := range []struct {
		name, req string
		arg       any
	}{
		{domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"}},
		{domain.UpdateSignOff, "ndrc", domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"}},
		{domain.UpdateReview, "ok", domain.ReviewRequest{Decision: "approve"}},
	} {
		if _, err := tasks.Update(ctx, id, u.name, u.req, u.arg); err != nil {
			t.Fatalf("%s: %v", u.name, err)
		}
	}
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	runs, err := audit.LedgerRuns(ctx, store, "", id)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs on the ledger: %v %v", runs, err)
	}
	kept, err := audit.Fetch(ctx, c, runs[0])
	if err != nil {
		t.Fatal(err)
	}
	testkit.EventuallyWithin(t, 2*time.Minute, "the run archived", func() (bool, string) {
		n := 0
		err := filepath.Walk(filepath.Join(dir, "archive"), func(_ string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				n++
			}
			return nil
		})
		return n > 0, fmt.Sprintf("%d files in the archive (%v)", n, err)
	})
	if _, err := c.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: runs[0].RunID},
	}); err != nil {
		t.Fatal(err)
	}
	testkit.EventuallyWithin(t, time.Minute, "the run deleted from the store", func() (bool, string) {
		_, err := c.DescribeWorkflowExecution(ctx, id, runs[0].RunID)
		return audit.Gone(err), fmt.Sprint(err)
	})
	if visible, err := audit.Runs(ctx, c, "default", audit.TaskQuery(id)); err == nil && len(visible) != 0 {
		t.Logf("visibility still lists %d runs", len(visible))
	}
	archived, err := audit.Fetch(ctx, c, runs[0])
	if err != nil {
		t.Fatalf("the deleted run's history from the archive: %v", err)
	}
	if len(archived.GetEvents()) != len(kept.GetEvents()) {
		t.Errorf("archived history has %d events, the kept one had %d", len(archived.GetEvents()), len(kept.GetEvents()))
	}
	if err := audit.NewReplayer(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))).Replay(archived); err != nil {
		t.Errorf("the archived history does not replay: %v", err)
	}
}
