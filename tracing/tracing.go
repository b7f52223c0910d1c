// Package tracing follows one decision across lianxi's processes with
// OpenTelemetry: the HTTP request in serve, the Temporal update on the
// client and in the worker (through the Temporal SDK's OpenTelemetry
// interceptor, which carries the span in the update's header), the local
// activity and the ledger write. It is on when the standard
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set; spans go to that OTLP collector over HTTP, or gRPC when
// OTEL_EXPORTER_OTLP_PROTOCOL (or ..._TRACES_PROTOCOL) is grpc. The other
// OTEL_* variables (headers, service name, resource attributes, sampler)
// are honoured as the OpenTelemetry SDK reads them.
package tracing

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Tracing is what a process traces with.
type Tracing struct {
	// Provider makes tracers (the HTTP server's, the ledger write's).
	Provider trace.TracerProvider
	// Propagator reads a caller's trace context from HTTP headers.
	Propagator propagation.TextMapPropagator
	// Interceptor goes on the Temporal client; workers made from that
	// client use it too.
	Interceptor interceptor.Interceptor
	shutdown    func(context.Context) error
}

// Enabled tells whether the environment names an OTLP endpoint for traces.
func Enabled(getenv func(string) string) bool {
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Setup starts exporting spans as the environment says, naming this
// process service (unless OTEL_SERVICE_NAME does). It returns nil when
// tracing is off.
func Setup(ctx context.Context, service string, getenv func(string) string) (*Tracing, error) {
	if !Enabled(getenv) {
		return nil, nil
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var client otlptrace.Client
	switch protocol {
	case "grpc":
		client = otlptracegrpc.NewClient()
	case "", "http/protobuf":
		client = otlptracehttp.NewClient()
	default:
		return nil, fmt.Errorf("tracing: OTEL_EXPORTER_OTLP_PROTOCOL=%q: want grpc or http/protobuf", protocol)
	}
	exporter, err := otlptrace.New(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := resource.New(ctx, resource.WithAttributes(semconv.ServiceName(service)), resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	t, err := New(tp)
	if err != nil {
		_ = tp.Shutdown(ctx)
		return nil, err
	}
	t.shutdown = tp.Shutdown
	return t, nil
}

// New traces with the given provider (tests pass one with an in-memory
// exporter).
func New(tp trace.TracerProvider) (*Tracing, error) {
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	ic, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer: tp.Tracer("lianxi/temporal"), TextMapPropagator: prop,
	})
	if err != nil {
		return nil, fmt.Errorf("tracing: Temporal interceptor: %w", err)
	}
	return &Tracing{Provider: tp, Propagator: prop, Interceptor: ic}, nil
}

// Shutdown sends the spans still buffered.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}
