package devserver

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"
)

// A data folder from before a search attribute existed, started with it:
// the start registers it (on SQLite too), and a workflow started with it
// the moment Start returns is accepted and found by it, though the
// services read search attributes from their caches.
func TestSearchAttributeAddedAtStartIsUsableAtOnce(t *testing.T) {
	dir := t.TempDir()
	opts := func(sa map[string]enumspb.IndexedValueType) Options {
		addr, err := FreeAddress()
		if err != nil {
			t.Fatal(err)
		}
		return Options{DataDir: dir, Address: addr, Namespace: "default", Retention: 24 * time.Hour,
			Logger: zap.NewNop(), SearchAttributes: sa}
	}
	old := map[string]enumspb.IndexedValueType{"LianxiOld": enumspb.INDEXED_VALUE_TYPE_KEYWORD}
	srv, err := Start(opts(old))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	added := temporal.NewSearchAttributeKeyKeyword("LianxiAdded")
	o := opts(map[string]enumspb.IndexedValueType{"LianxiOld": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		added.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD})
	c := startDialed(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sa-added", TaskQueue: "nobody",
		TypedSearchAttributes: temporal.NewSearchAttributes(added.ValueSet("x"))}, "Nothing"); err != nil {
		t.Fatalf("a start naming the attribute just added: %v", err)
	}
	for {
		n, err := c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: "default", Query: added.GetName() + " = 'x'"})
		if err == nil && n.GetCount() == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the workflow is not found by the attribute just added: %v (count %d)", err, n.GetCount())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
