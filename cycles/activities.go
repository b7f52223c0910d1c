package cycles

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
)

// Ledger is where a round reads a task's records (*ledger.SQLStore).
type Ledger interface {
	ScanWorkflow(ctx context.Context, workflowID string, fn func(ledger.Record) error) error
}

// Board is where a round reads a plan's tasks (*board.Store).
type Board interface {
	List(ctx context.Context, f board.Filter) ([]domain.BoardRow, error)
}

// Activities are the round's reads of the ledger. Writes go through the
// task lifecycle's recording activity (domain.RecordActivity), so a round's
// records and notifications take the same path as every decision.
type Activities struct {
	Ledger Ledger
	Board  Board
}

// Registry is where a worker (or the SDK's test environment) registers
// the round.
type Registry interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}

// RegisterOn puts the round and its reads of l and b on a worker. The round
// writes through domain.RecordActivity, which the worker registers with
// the task lifecycle's activities.
func RegisterOn(r Registry, l Ledger, b Board) {
	r.RegisterWorkflowWithOptions(Round, workflow.RegisterOptions{Name: WorkflowName})
	(&Activities{Ledger: l, Board: b}).Register(r)
}

// Register puts the round's activities on a worker under the names the
// workflow calls them by.
func (a *Activities) Register(r interface {
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}) {
	r.RegisterActivityWithOptions(a.ReadRoundTasks, activity.RegisterOptions{Name: ReadTasksActivity})
	r.RegisterActivityWithOptions(a.RoundStanding, activity.RegisterOptions{Name: StandingActivity})
	r.RegisterActivityWithOptions(a.CompileBulletin, activity.RegisterOptions{Name: CompileActivity})
}

// ReadRoundTasks lists a plan's open tasks, in task order, with who reports
// on each.
func (a *Activities) ReadRoundTasks(ctx context.Context, in ReadTasksInput) ([]RoundTask, error) {
	rows, err := a.Board.List(ctx, board.Filter{Plan: in.PlanID})
	if err != nil {
		return nil, fmt.Errorf("read open tasks of %s: %w", in.PlanID, err)
	}
	out := []RoundTask{}
	for _, r := range rows {
		if !domain.IsOpen(r.Status) {
			continue
		}
		who := []string{r.Lead}
		if in.Reporters == ReportersAll && len(r.Participants) > 0 {
			who = r.Participants
		}
		out = append(out, RoundTask{WorkflowID: r.WorkflowID, TaskNo: r.TaskNo, Title: r.Title, Reporters: who, Due: r.Due})
	}
	return out, nil
}

// RoundStanding says who has reported so far, for the reminder.
func (a *Activities) RoundStanding(ctx context.Context, in StandingInput) (Standing, error) {
	rows, recs, err := a.read(ctx, in.Tasks)
	if err != nil {
		return Standing{}, err
	}
	return standing(in.Tasks, rows, recs, in.From, in.To), nil
}

// CompileBulletin reads the plan's board and the records of its tasks and
// seals the round's bulletin.
func (a *Activities) CompileBulletin(ctx context.Context, in CompileInput) (Compiled, error) {
	rows, err := a.Board.List(ctx, board.Filter{Plan: in.PlanID})
	if err != nil {
		return Compiled{}, fmt.Errorf("read board of %s: %w", in.PlanID, err)
	}
	recs := make(map[string][]ledger.Record, len(rows))
	for _, r := range rows {
		if err := a.Ledger.ScanWorkflow(ctx, r.WorkflowID, func(rec ledger.Record) error {
			recs[r.WorkflowID] = append(recs[r.WorkflowID], rec)
			return nil
		}); err != nil {
			return Compiled{}, fmt.Errorf("read records of %s: %w", r.WorkflowID, err)
		}
	}
	b := compile(in, rows, recs)
	raw, sum, err := Seal(b)
	if err != nil {
		return Compiled{}, err
	}
	return Compiled{JSON: raw, SHA256: sum, Standing: Standing{Reported: b.Reported, Missing: b.Missing, Dropped: b.Dropped}}, nil
}

// read loads the board rows and records of the given tasks.
func (a *Activities) read(ctx context.Context, tasks []RoundTask) (map[string]domain.BoardRow, map[string][]ledger.Record, error) {
	rows := map[string]domain.BoardRow{}
	recs := map[string][]ledger.Record{}
	for _, t := range tasks {
		got, err := a.Board.List(ctx, board.Filter{WorkflowID: t.WorkflowID})
		if err != nil {
			return nil, nil, fmt.Errorf("read board row of %s: %w", t.WorkflowID, err)
		}
		if len(got) == 1 {
			rows[t.WorkflowID] = got[0]
		}
		if err := a.Ledger.ScanWorkflow(ctx, t.WorkflowID, func(rec ledger.Record) error {
			if rec.Kind == domain.KindProgress {
				recs[t.WorkflowID] = append(recs[t.WorkflowID], rec)
			}
			return nil
		}); err != nil {
			return nil, nil, fmt.Errorf("read records of %s: %w", t.WorkflowID, err)
		}
	}
	return rows, recs, nil
}
