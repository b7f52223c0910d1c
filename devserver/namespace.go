package devserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.uber.org/zap"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// registerNamespace registers the namespace and its search attributes
// through the frontend, retrying while the services finish joining. Both
// steps tolerate a second server doing the same at the same time.
func registerNamespace(ctx context.Context, address string, opts Options) error {
	var last error
	for attempt := 1; ; attempt++ {
		if last = tryRegister(ctx, address, opts); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded Temporal: register namespace %s: %w", opts.Namespace, errors.Join(last, ctx.Err()))
		case <-time.After(min(time.Duration(attempt)*250*time.Millisecond, 2*time.Second)):
		}
	}
}

func tryRegister(ctx context.Context, address string, opts Options) error {
	c, err := client.Dial(client.Options{HostPort: address, Namespace: opts.Namespace, Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        opts.Namespace,
		WorkflowExecutionRetentionPeriod: durationpb.New(opts.Retention),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return err
	}
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: opts.Namespace})
	if err != nil {
		return err
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range opts.SearchAttributes {
		if _, ok := list.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// A failure here (another server added some meanwhile) is retried: the
	// next list shows what is still missing.
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: opts.Namespace, SearchAttributes: missing,
	})
	if err != nil {
		return err
	}
	return errors.New("search attributes added; checking them once more")
}

// quietLogger keeps the SDK's connection chatter out of the server's log
// while the frontend is still starting.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}

// enableArchival turns history archival on for the namespace, into the
// options' archive, unless it is on already. A namespace archiving
// elsewhere keeps its URI (Temporal does not let it change); that is
// logged.
func enableArchival(ctx context.Context, address string, opts Options, logger *zap.Logger) error {
	var last error
	for attempt := 1; ; attempt++ {
		done, err := tryEnableArchival(ctx, address, opts, logger)
		if err == nil && done {
			return nil
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded Temporal: enable history archival on %s: %w", opts.Namespace, errors.Join(last, ctx.Err()))
		case <-time.After(min(time.Duration(attempt)*250*time.Millisecond, 2*time.Second)):
		}
	}
}

func tryEnableArchival(ctx context.Context, address string, opts Options, logger *zap.Logger) (bool, error) {
	c, err := client.Dial(client.Options{HostPort: address, Namespace: opts.Namespace, Logger: quietLogger{}})
	if err != nil {
		return false, err
	}
	defer c.Close()
	d, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: opts.Namespace})
	if err != nil {
		return false, err
	}
	cfg := d.GetConfig()
	if cfg.GetHistoryArchivalState() == enumspb.ARCHIVAL_STATE_ENABLED {
		if uri := cfg.GetHistoryArchivalUri(); uri != opts.ArchiveURI() && logger != nil {
			logger.Warn("embedded Temporal: the namespace archives histories elsewhere", zap.String("uri", uri))
		}
		return true, nil
	}
	uri := cfg.GetHistoryArchivalUri()
	if uri == "" {
		uri = opts.ArchiveURI()
	}
	_, err = c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: opts.Namespace,
		Config:    &namespacepb.NamespaceConfig{HistoryArchivalState: enumspb.ARCHIVAL_STATE_ENABLED, HistoryArchivalUri: uri},
	})
	return err == nil, err
}
