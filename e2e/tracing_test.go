package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"lianxi/activities"
	"lianxi/console"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/tracing"
	"lianxi/worker"
	"lianxi/workflows"
)

// One decision is one trace: the caller's HTTP request, the API's span,
// the Temporal update on the client and in the worker, the local activity
// and the ledger write all carry the caller's trace ID.
func TestOneDecisionOneTrace(t *testing.T) {
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	ctx := context.Background()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	tr, err := tracing.New(tp)
	if err != nil {
		t.Fatal(err)
	}
	key, err := door.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.Dial(client.Options{HostPort: ts.GetFrontendHostPort(), Namespace: ts.GetDefaultNamespace(),
		Interceptors: []interceptor.ClientInterceptor{tr.Interceptor, door.ClientInterceptor(key)}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: ts.GetDefaultNamespace(), SearchAttributes: workflows.SearchAttributes(),
	}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	store, err := ledger.OpenSQLite(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	outbox, err := notify.NewOutbox(ctx, store, notify.OutboxOptions{ConsoleURL: "http://console"})
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Ledger: store, Outbox: outbox, Board: openBoard(t, store), Notifier: outbox, Tracer: tp.Tracer("lianxi/activities")}
	w, err := worker.New(c, acts, key, testkit.WorkerOptions(sdkworker.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	tokPath, prPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
	if _, err := identity.EnsureTokens(tokPath, prPath, []string{"ndrc", "miit"}, nil); err != nil {
		t.Fatal(err)
	}
	principals, err := identity.LoadPrincipals(prPath)
	if err != nil {
		t.Fatal(err)
	}
	var tokens identity.Tokens
	b, _ := os.ReadFile(tokPath)
	_ = json.Unmarshal(b, &tokens)
	reg, _ := plan.DefaultRegistry()
	handler, err := console.New(ctx, console.Deps{Deps: api.Deps{Tasks: &taskclient.Client{C: c, Namespace: ts.GetDefaultNamespace()},
		Ledger: store, Outbox: outbox, Principals: principals, Registry: reg}, Tracing: tr})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(handler)
	defer api.Close()
	spec := domain.TaskSpec{PlanID: "trace", TaskNo: "1.1", Title: "追踪", Lead: "ndrc", Participants: []string{"ndrc", "miit"}}
	if _, err := starter.Launch(ctx, c, []domain.TaskSpec{spec}, starter.Options{}); err != nil {
		t.Fatal(err)
	}

	// The caller (a gateway, say) starts the trace and sends it along.
	callerCtx, caller := tp.Tracer("caller").Start(ctx, "caller")
	req, _ := http.NewRequestWithContext(callerCtx, "POST", api.URL+"/api/plans/trace/tasks/1.1/sign-off",
		bytes.NewReader([]byte(`{"decision":"approve","request_id":"traced"}`)))
	req.Header.Set("Authorization", "Bearer "+tokens.Ministries["miit"])
	propagation.TraceContext{}.Inject(callerCtx, propagation.HeaderCarrier(req.Header))
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.DefaultClient.Do(req.Clone(callerCtx))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sign-off: %v %v", resp, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	caller.End()
	traceID := caller.SpanContext().TraceID()

	want := map[string]bool{
		"POST /api/plans/trace/tasks/1.1/sign-off": false, // the API
		"UpdateWorkflow:sign-off":                  false, // the Temporal client in serve
		"HandleUpdate:sign-off":                    false, // the worker
		"RunActivity:RecordDecision":               false, // the local activity
		"ledger append":                            false, // the write
	}
	var ledgerSpan sdktrace.ReadOnlySpan
	for _, s := range spans.GetSpans().Snapshots() {
		if _, ok := want[s.Name()]; ok && s.SpanContext().TraceID() == traceID {
			want[s.Name()] = true
			if s.Name() == "ledger append" {
				ledgerSpan = s
			}
		}
	}
	for name, seen := range want {
		if !seen {
			t.Errorf("no span %q in the caller's trace", name)
		}
	}
	if t.Failed() {
		for _, s := range spans.GetSpans().Snapshots() {
			t.Logf("span %q trace %s parent %s", s.Name(), s.SpanContext().TraceID(), s.Parent().SpanID())
		}
		return
	}
	if ledgerSpan.Parent().SpanID() == (trace.SpanID{}) {
		t.Error("the ledger write has no parent span")
	}
}
