package main

import (
	"context"

	"go.uber.org/zap"

	"lianxi/board"
	"lianxi/ledger"
	"lianxi/periodic"
	"lianxi/taskclient"
)

// runPeriodic runs the periodic work this process has until ctx ends, each
// job in one process at a time, whichever holds its lease in the shared
// database, however many serve and worker processes share it (package
// periodic). It returns once the jobs have stopped.
func (a *app) runPeriodic(ctx context.Context, store *ledger.SQLStore, command string, jobs ...periodic.Job) {
	holder := periodic.Holder(command)
	if err := periodic.New(periodic.NewLeases(store), holder, a.log, jobs...).Run(ctx); err != nil {
		a.log.Error("periodic work not started", zap.String("holder", holder), zap.Error(err))
	}
}

// boardJob is the board's upkeep, with its Temporal side from tasks.
func boardJob(tasks *taskclient.Client, rows *board.Store, store *ledger.SQLStore) periodic.Job {
	return board.UpkeepJob(
		func(ctx context.Context) (int, error) { return tasks.SeedBoard(ctx, rows) },
		func(ctx context.Context) (int, error) { return tasks.EndBoard(ctx, rows, store) })
}
