// Command lianxi runs inter-ministry coordination tasks on Temporal: the
// embedded single-machine setup (dev), the worker, the plan importer and
// launcher, the operator's task commands and the auditor's tools.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// exitError carries a process exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// run executes the command line and returns the exit code. Long-running
// commands stop when ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	root, err := newRoot(stdout, stderr, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "lianxi:", err)
		return 2
	}
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "lianxi:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}
