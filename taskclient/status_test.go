package taskclient

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
)

// A status query that ran out of the server's time is asked again while
// the caller still has time of its own; a refusal, a missing task or the
// caller's own deadline is not.
func TestQueryLostIsAskedAgainOnlyWhileTheCallerWaits(t *testing.T) {
	alive := context.Background()
	over, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-over.Done()
	for _, c := range []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"server deadline", alive, serviceerror.NewDeadlineExceeded("context deadline exceeded"), true},
		{"wrapped deadline", alive, fmt.Errorf("query: %w", context.DeadlineExceeded), true},
		{"caller's own deadline", over, context.DeadlineExceeded, false},
		{"query refused", alive, serviceerror.NewQueryFailed("unknown query type"), false},
		{"no such task", alive, serviceerror.NewNotFound("workflow not found"), false},
		{"no error", alive, nil, false},
		{"other", alive, errors.New("boom"), false},
	} {
		if got := queryLost(c.ctx, c.err); got != c.want {
			t.Errorf("%s: queryLost = %v, want %v", c.name, got, c.want)
		}
	}
}
