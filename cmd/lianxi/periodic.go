package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"

	"lianxi/attachments"
	"lianxi/board"
	"lianxi/ledger"
	"lianxi/taskclient"
)

// The leases of the periodic work, one name each, shared by every serve
// and worker process on the same database.
const (
	boardLease       = "board"
	attachmentsLease = "attachments-sweep"
)

// endBoardEvery is how often the runs that ended outside their lifecycle
// are looked for.
const endBoardEvery = 5 * time.Minute

// sweepAttachmentsEvery is how often uploads that no decision named within
// the grace period are removed.
const sweepAttachmentsEvery = time.Hour

// leaseHolder names this process for the leases: its command, host and
// process ID, and a random part, so a process started again with the same
// ID is not taken for the one before it.
func leaseHolder(command string) string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s@%s/%d/%s", command, host, os.Getpid(), hex.EncodeToString(b))
}

// keepBoard offers to keep the board until ctx is done (boardUpkeep).
func (a *app) keepBoard(ctx context.Context, tasks *taskclient.Client, store *ledger.SQLStore, rows *board.Store, holder string) {
	p := a.boardUpkeep(holder, endBoardEvery,
		func(ctx context.Context) (int, error) { return tasks.SeedBoard(ctx, rows) },
		func(ctx context.Context) (int, error) { return tasks.EndBoard(ctx, rows, store) })
	if err := store.RunPeriodic(ctx, p); err != nil {
		a.log.Error("board upkeep not started", zap.String("holder", holder), zap.Error(err))
	}
}

// boardUpkeep is the board's periodic work. Whichever process holds the
// board's lease puts on the board, when it takes the lease, the tasks that
// predate it (seed, from visibility, retried while Temporal is still
// starting: its namespace or search attributes not there yet), and then
// marks ended, once every period, the tasks whose runs an operator
// terminated or that timed out (end), so dashboards and inboxes stop
// listing them as open.
func (a *app) boardUpkeep(holder string, every time.Duration, seed, end func(context.Context) (int, error)) ledger.Periodic {
	log := a.log.With(zap.String("lease", boardLease), zap.String("holder", holder))
	return ledger.Periodic{
		Name: boardLease, Holder: holder, Every: every,
		Start: func(ctx context.Context) error {
			n, err := seed(ctx)
			if n > 0 {
				log.Info("board seeded from visibility", zap.Int("tasks", n))
			}
			if err != nil {
				return fmt.Errorf("board not seeded from visibility yet (tasks from before the board are listed once seeded or at their next decision): %w", err)
			}
			return nil
		},
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := end(ctx)
			if n > 0 {
				log.Info("board: tasks whose runs ended outside their lifecycle marked ended", zap.Int("tasks", n))
			}
			if err != nil {
				return fmt.Errorf("board: runs ended outside their lifecycle not checked: %w", err)
			}
			return nil
		},
		OnError: func(err error) { log.Warn("board upkeep", zap.Error(err)) },
	}
}

// sweepAttachments offers to sweep the attachment store, once every
// sweepAttachmentsEvery, until ctx is done; the process holding the lease
// sweeps. With several serve processes the attachments must be one store
// they all share (docs/deployment.md), which one sweep keeps.
func (a *app) sweepAttachments(ctx context.Context, files *attachments.Store, store *ledger.SQLStore, holder string) {
	log := a.log.With(zap.String("lease", attachmentsLease), zap.String("holder", holder))
	err := store.RunPeriodic(ctx, ledger.Periodic{
		Name: attachmentsLease, Holder: holder, Every: sweepAttachmentsEvery,
		Run: func(ctx context.Context, _ time.Time) error {
			n, err := files.Sweep(ctx)
			if err != nil {
				return fmt.Errorf("attachment sweep failed: %w", err)
			}
			if n > 0 {
				log.Info("unattached uploads removed", zap.Int("files", n), zap.Duration("grace", a.cfg.AttachmentGrace))
			}
			return nil
		},
		OnError: func(err error) { log.Warn("attachment sweep", zap.Error(err)) },
	})
	if err != nil {
		log.Error("attachment sweep not started", zap.Error(err))
	}
}
