package bench

import (
	"context"
	"fmt"
	"path/filepath"

	"lianxi/ledger"
)

// signCheckpoints runs the ledger's checkpointer beside the benchmark's
// worker, as production does, with its key and checkpoints file in dir:
// the sign-off figures then include what checkpoints cost. stop ends the
// checkpointer and waits for it.
func signCheckpoints(ctx context.Context, store *ledger.SQLStore, dir string) (stop func(), err error) {
	key, err := ledger.LoadOrCreateKey(dir)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	c, err := ledger.NewCheckpointer(ctx, store, ledger.CheckpointOptions{Signer: key, File: filepath.Join(dir, ledger.CheckpointsFile)})
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	return func() { cancel(); <-done }, nil
}
