package metrics

import (
	"context"
	"time"

	"lianxi/board"
	"lianxi/domain"
)

// TaskBoard is what the tasks gauge reads: the board (board.Store).
type TaskBoard interface {
	List(ctx context.Context, f board.Filter) ([]domain.BoardRow, error)
	Count(ctx context.Context, status string) (int, error)
}

// RefreshTasks updates the tasks gauge from the board every interval until
// ctx is done: open tasks by status and by the light each has at the time
// of counting, ended ones (closed, cancelled, or ended outside their
// lifecycle: terminated, timed out, failed) in total by status. The light is derived
// from the due date, as every reader of the board does, so the gauge turns
// yellow when a task does, not when its workflow next wakes.
func (m *Metrics) RefreshTasks(ctx context.Context, b TaskBoard, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = m.CountTasks(ctx, b, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CountTasks sets the tasks gauge from the board as seen at now. On an
// error the gauge keeps its last values.
func (m *Metrics) CountTasks(ctx context.Context, b TaskBoard, now time.Time) error {
	lights := []string{domain.WarningGreen, domain.WarningYellow, domain.WarningRed}
	counts := map[[2]string]int{}
	for _, st := range []string{domain.StatusSigning, domain.StatusInReview} {
		rows, err := b.List(ctx, board.Filter{Status: st})
		if err != nil {
			return err
		}
		for _, r := range rows {
			counts[[2]string{st, domain.Light(st, r.Due, r.WarningWindow, now)}]++
		}
	}
	ended := map[string]int{}
	for _, st := range []string{domain.StatusClosed, domain.StatusCancelled, domain.StatusTerminated, domain.StatusTimedOut, domain.StatusFailed} {
		n, err := b.Count(ctx, st)
		if err != nil {
			return err
		}
		ended[st] = n
	}
	for _, st := range []string{domain.StatusSigning, domain.StatusInReview} {
		for _, l := range lights {
			m.Tasks.WithLabelValues(st, l).Set(float64(counts[[2]string{st, l}]))
		}
	}
	for st, n := range ended {
		m.Tasks.WithLabelValues(st, "").Set(float64(n))
	}
	return nil
}
