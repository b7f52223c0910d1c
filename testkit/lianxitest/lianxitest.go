// Package lianxitest builds lianxi for a test the way `lianxi dev` runs it: an
// in-process Temporal server with the search attributes registered, a
// ledger, the board, an outbox (or the test's own notifier) and a worker
// with everything registered, optionally behind the door key. Console,
// end-to-end and audit tests build on one stack and add only what they
// test, instead of each wiring the same parts.
//
// It is apart from testkit because it imports the worker and everything
// under it: the tests of those packages import testkit and cannot import
// this package.
package lianxitest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/worker"
	"lianxi/workflows"
)

// Notifier is what a test may put in the outbox's place: it stages a
// decision's notifications in the decision's transaction and delivers one.
type Notifier interface {
	activities.Stager
	activities.Notifier
}

// ConsoleURL is where the default outbox's notifications link to.
const ConsoleURL = "http://console"

// Options says how a stack differs from the default one: a fresh SQLite
// ledger, an outbox on it, no door key, Tasks listing from visibility.
type Options struct {
	// Ledger is the store the activities, board and outbox use; nil opens
	// a fresh SQLite ledger, ledger.db in Dir. A given store stays the
	// caller's to close.
	Ledger *ledger.SQLStore
	// Dir is the data folder the fresh ledger is made in; empty is a
	// temporary folder of the test's.
	Dir string
	// Notifier stages and delivers the notifications; nil uses a
	// notify.Outbox on the ledger, linking to ConsoleURL.
	Notifier Notifier
	// DoorKey makes a door key: Client signs principals with it and every
	// worker refuses the human actions it cannot verify, as in production.
	DoorKey bool
	// BoardLists makes Tasks list from the board, as the API does, rather
	// than from visibility.
	BoardLists bool
	// Activities, when set, adjusts the activities before any worker
	// registers them (a ledger that fails on cue, a tracer, ...).
	Activities func(*activities.Activities)
	// Register, when set, registers more on every worker, after
	// worker.Register.
	Register func(sdkworker.Registry)
}

// Stack is one test's running lianxi. Everything it starts stops when the
// test ends.
type Stack struct {
	t      *testing.T
	opts   Options
	server *temporaltest.TestServer
	client client.Client
	key    door.Key
	ledger *ledger.SQLStore
	board  *board.Store
	outbox *notify.Outbox
	acts   *activities.Activities
	tasks  *taskclient.Client

	mu     sync.Mutex
	worker sdkworker.Worker
}

// New starts a stack as opts says, with one worker running.
func New(t *testing.T, opts Options) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := &Stack{t: t, opts: opts, server: temporaltest.NewServer(temporaltest.WithT(t))}
	waitReady(t, s.server)
	s.client = s.server.GetDefaultClient()
	if opts.DoorKey {
		key, err := door.NewKey()
		if err != nil {
			t.Fatalf("door key: %v", err)
		}
		s.key = key
		s.client = s.server.NewClientWithOptions(client.Options{Interceptors: []interceptor.ClientInterceptor{door.ClientInterceptor(key)}})
	}
	if _, err := s.client.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: s.Namespace(), SearchAttributes: workflows.SearchAttributes(),
	}); err != nil {
		t.Fatalf("register search attributes: %v", err)
	}
	s.ledger = opts.Ledger
	if s.ledger == nil {
		if opts.Dir == "" {
			opts.Dir = t.TempDir()
		}
		store, err := ledger.OpenSQLite(ctx, filepath.Join(opts.Dir, "ledger.db"))
		if err != nil {
			t.Fatalf("open the ledger: %v", err)
		}
		t.Cleanup(func() { store.Close() })
		s.ledger = store
	}
	rows, err := board.Open(ctx, s.ledger)
	if err != nil {
		t.Fatalf("open the board: %v", err)
	}
	s.board = rows
	n := opts.Notifier
	if n == nil {
		if s.outbox, err = notify.NewOutbox(ctx, s.ledger, notify.OutboxOptions{ConsoleURL: ConsoleURL}); err != nil {
			t.Fatalf("open the outbox: %v", err)
		}
		n = s.outbox
	}
	s.acts = &activities.Activities{Ledger: s.ledger, Outbox: n, Board: rows, Notifier: n}
	if opts.Activities != nil {
		opts.Activities(s.acts)
	}
	s.tasks = &taskclient.Client{C: s.client, Namespace: s.Namespace()}
	if opts.BoardLists {
		s.tasks.Board = rows
	}
	s.NewWorker()
	return s
}

// NewWorker starts another worker on the task queue, as a restarted
// process would, and makes it the one Worker returns. The test stops the
// one it replaces, if it means to.
func (s *Stack) NewWorker() sdkworker.Worker {
	var wopts sdkworker.Options
	if s.key != nil {
		wopts.Interceptors = []interceptor.WorkerInterceptor{door.WorkerInterceptor(s.key)}
	}
	w := s.server.NewWorkerWithOptions(workflows.TaskQueue, func(r sdkworker.Registry) {
		worker.Register(r, s.acts)
		if s.opts.Register != nil {
			s.opts.Register(r)
		}
	}, testkit.WorkerOptions(wopts))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.worker = w
	return w
}

// Worker is the worker NewWorker (or New) started last.
func (s *Stack) Worker() sdkworker.Worker {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.worker
}

// Client is the client the API would use: it signs principals with the
// door key when the stack has one.
func (s *Stack) Client() client.Client { return s.client }

// RawClient is a client without the door key, as anyone holding only
// Temporal credentials has.
func (s *Stack) RawClient() client.Client { return s.server.GetDefaultClient() }

// Namespace is the Temporal namespace the stack runs in.
func (s *Stack) Namespace() string { return s.server.GetDefaultNamespace() }

// Tasks is a task client over Client.
func (s *Stack) Tasks() *taskclient.Client { return s.tasks }

// Ledger is the store the activities record decisions in.
func (s *Stack) Ledger() *ledger.SQLStore { return s.ledger }

// Board is the board the activities write.
func (s *Stack) Board() *board.Store { return s.board }

// Outbox is the default outbox; nil when Options.Notifier replaced it.
func (s *Stack) Outbox() *notify.Outbox { return s.outbox }

// Key is the door key; nil without Options.DoorKey.
func (s *Stack) Key() door.Key { return s.key }

// Activities are the activities every worker registers.
func (s *Stack) Activities() *activities.Activities { return s.acts }

// waitReady waits, up to two minutes, until the in-process server answers a
// client's first call. The test server's own clients give up after a few
// seconds, which a server still starting on a loaded machine (two cores,
// every package's tests under -race) can exceed; a stack should then start
// late, not fail.
func waitReady(t *testing.T, ts *temporaltest.TestServer) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := client.DialContext(ctx, client.Options{HostPort: ts.GetFrontendHostPort(), Namespace: ts.GetDefaultNamespace(), Logger: quiet{}})
		cancel()
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the in-process Temporal server did not answer within 2 minutes: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// quiet drops the probe client's logs.
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}
