package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"lianxi/audit"
	"lianxi/ledger"
	"lianxi/notify"
)

// The ledger's checkpoints: the key and the checkpoints file live in the
// data folder, beside (not inside) the ledger database.

func (a *app) ledgerFile(name string) string { return filepath.Join(a.cfg.DataDir, name) }

// loadLedgerKey reads the signing key. A SQLite ledger lives in the data
// folder, so the key is created there on first start; a PostgreSQL ledger
// may have many processes, and only those an operator gave the key sign
// (ok is false for the others).
func (a *app) loadLedgerKey() (key *ledger.Signer, ok bool, err error) {
	if a.cfg.LedgerDSN != "" {
		if _, err := os.Stat(a.ledgerFile(ledger.KeyFile)); errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
	}
	key, err = ledger.LoadOrCreateKey(a.cfg.DataDir)
	return key, err == nil, err
}

// checkpointer follows store and signs checkpoints, or is nil in a process
// that holds no key. onSigned, when set, hears of each new checkpoint.
func (a *app) checkpointer(ctx context.Context, store *ledger.SQLStore, onSigned func(ledger.Checkpoint)) (*ledger.Checkpointer, error) {
	key, ok, err := a.loadLedgerKey()
	if err != nil || !ok {
		return nil, err
	}
	c, err := ledger.NewCheckpointer(ctx, store, ledger.CheckpointOptions{
		Signer: key, File: a.ledgerFile(ledger.CheckpointsFile), OnSigned: onSigned,
		OnError: func(err error) { a.log.Error("ledger checkpoint", zap.Error(err)) },
	})
	if errors.Is(err, ledger.ErrCheckpointMismatch) {
		return nil, fmt.Errorf("%w; run `lianxi audit verify` to see which records changed", err)
	}
	return c, err
}

// startCheckpoints signs checkpoints in the background until ctx is done
// (at least every ledger.DefaultCheckpointEvery records and every
// ledger.DefaultCheckpointInterval while records come).
// With --witness-url, each new checkpoint is also sent there. Both run in
// bg, so they end before the store closes.
func (a *app) startCheckpoints(bg *group, store *ledger.SQLStore) error {
	var onSigned func(ledger.Checkpoint)
	if a.cfg.WitnessURL != "" {
		w := notify.NewWitness(a.cfg.WitnessURL, a.cfg.WitnessSecret, a.log.Named("witness"))
		onSigned = func(cp ledger.Checkpoint) { w.Offer(cp.Note) }
		bg.Go(w.Run)
		a.log.Info("ledger checkpoints go to a witness", zap.String("url", a.cfg.WitnessURL))
	}
	c, err := a.checkpointer(bg.ctx, store, onSigned)
	if err != nil {
		return err
	}
	if c == nil {
		a.log.Info("ledger checkpoints are signed elsewhere: no signing key in this process", zap.String("key", a.ledgerFile(ledger.KeyFile)))
		return nil
	}
	key, _, _ := a.loadLedgerKey()
	a.log.Info("ledger checkpoints on", zap.String("public_key", key.VerifierKey()),
		zap.String("file", a.ledgerFile(ledger.CheckpointsFile)),
		zap.Int("every_records", ledger.DefaultCheckpointEvery), zap.Duration("interval", ledger.DefaultCheckpointInterval))
	bg.Go(c.Run)
	return nil
}

func (a *app) auditCheckpointCmd() *cobra.Command {
	var pub bool
	cmd := &cobra.Command{
		Use: "checkpoint [--public-key]",
		Example: `  lianxi audit checkpoint > kept/checkpoint.txt
  lianxi audit checkpoint --public-key > kept/ledger.pub`,
		Short: "Sign a checkpoint of the whole ledger now and print it (or print the log's public key)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pub {
				key, ok, err := a.loadLedgerKey()
				if err == nil && !ok {
					err = fmt.Errorf("no ledger key at %s", a.ledgerFile(ledger.KeyFile))
				}
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, key.VerifierKey())
				return nil
			}
			store, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			c, err := a.checkpointer(cmd.Context(), store, nil)
			if err == nil && c == nil {
				err = fmt.Errorf("this process holds no ledger key (%s): sign where the key is", a.ledgerFile(ledger.KeyFile))
			}
			if err != nil {
				return err
			}
			cp, err := c.Checkpoint(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprint(a.stdout, string(cp.Note))
			return nil
		},
	}
	cmd.Flags().BoolVar(&pub, "public-key", false, "print the verifier key that checks this log's checkpoints and proofs")
	return cmd
}

// verifyCheckpoints checks the ledger against kept checkpoints and prints
// each disagreement. file and pub default to the data folder's; an absent
// default file is reported, not an error (the chain check still ran).
func (a *app) verifyCheckpoints(ctx context.Context, store *ledger.SQLStore, file, pub string) (problems int, err error) {
	explicit := file != ""
	if file == "" {
		file = a.ledgerFile(ledger.CheckpointsFile)
	}
	if pub == "" {
		pub = a.ledgerFile(ledger.PublicKeyFile)
	}
	if _, err := os.Stat(file); !explicit && errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(a.stdout, "NO CHECKPOINTS at %s: only the chain was checked, which cannot see a cut tail or a recomputed chain\n", file)
		return 0, nil
	}
	vkey, err := audit.ReadPublicKey(pub)
	if err != nil {
		return 0, err
	}
	kept, err := ledger.ReadCheckpoints(file, vkey)
	if err != nil {
		return 0, err
	}
	rep, err := ledger.VerifyCheckpoints(ctx, store, kept)
	if err != nil {
		return 0, err
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(a.stdout, "CHECKPOINT FAILED: %s\n", p.Detail)
	}
	if rep.OK() {
		fmt.Fprintf(a.stdout, "OK: %d checkpoints from %s match the ledger (newest: %d records", len(kept), file, rep.Newest)
		if rep.Records > rep.Newest {
			fmt.Fprintf(a.stdout, "; records #%d to #%d are not yet in a checkpoint", rep.Newest+1, rep.Records)
		}
		fmt.Fprintln(a.stdout, ")")
	}
	return len(rep.Problems), nil
}
