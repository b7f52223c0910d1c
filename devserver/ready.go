package devserver

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// namespaceRefresh is how often each service of the embedded server reloads
// its namespace cache (Temporal's system.namespaceCacheRefreshInterval,
// 2 s by default): a namespace or search attribute registered through the
// frontend is usable within about this long. The reload lists the
// namespaces table, a handful of rows here.
const namespaceRefresh = time.Second

// readinessQuery is a visibility query that names every custom search
// attribute: the frontend answers it only once the namespace is in its
// cache and each attribute is known to it, which is what starting a task
// needs.
func readinessQuery(searchAttributes map[string]enumspb.IndexedValueType) string {
	names := make([]string, 0, len(searchAttributes))
	for name := range searchAttributes {
		names = append(names, name)
	}
	sort.Strings(names)
	terms := make([]string, 0, len(names))
	for _, name := range names {
		terms = append(terms, name+" IS NULL")
	}
	return strings.Join(terms, " OR ")
}

// waitUsable returns once the frontend counts workflows of the namespace
// with a query naming every search attribute, so that a client that starts
// tasks the moment Start returns is not told "namespace not found" while
// the services' caches catch up.
func waitUsable(ctx context.Context, address string, opts Options) error {
	query := readinessQuery(opts.SearchAttributes)
	var last error
	for attempt := 1; ; attempt++ {
		if last = tryCount(ctx, address, opts.Namespace, query); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("embedded Temporal: namespace %s not usable yet (a count of its workflows by search attribute fails): %w",
				opts.Namespace, errors.Join(last, ctx.Err()))
		case <-time.After(min(time.Duration(attempt)*100*time.Millisecond, time.Second)):
		}
	}
}

func tryCount(ctx context.Context, address, namespace, query string) error {
	c, err := client.Dial(client.Options{HostPort: address, Namespace: namespace, Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
	return err
}
