package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"lianxi/audit"
	"lianxi/ledger"
)

// proveOptions are `audit prove`'s flags: --seq or --from/--to make a proof
// from the ledger; --receipt or --consistency check one offline.
type proveOptions struct {
	seq         int64
	size        uint64
	from, to    uint64
	out         string
	receipt     string
	consistency string
	checkpoint  string
	pub         string
}

func (a *app) auditProveCmd() *cobra.Command {
	var o proveOptions
	cmd := &cobra.Command{
		Use: "prove (--seq N [--size M] | --from A --to B) [--out FILE] | (--receipt FILE | --consistency FILE) [--checkpoint FILE] --pubkey KEY",
		Example: `  lianxi audit prove --seq 443 --out receipt-443.json
  lianxi audit prove --from 400 --to 500 --out consistency.json
  lianxi audit prove --receipt receipt-443.json --checkpoint kept/checkpoint.txt --pubkey kept/ledger.pub`,
		Short: "Make an inclusion or consistency proof from the ledger, or check one offline with the log's public key alone",
		Long: `With --seq, writes the proof that record N is in the log signed at checkpoint M
(default: the newest); with --from and --to, the proof that checkpoint B extends A.
With --receipt or --consistency, checks such a proof with no database: give the log's
public key (--pubkey FILE or the key itself) and, better, checkpoints you kept
(--checkpoint FILE, one signed note or a checkpoints file). Exit 1 if it does not hold.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.receipt != "" || o.consistency != "" {
				return a.checkProof(o)
			}
			if (o.seq > 0) == (o.to > 0) || (o.to > 0 && o.from == 0) {
				return fmt.Errorf("audit prove: give --seq, or --from and --to, or --receipt or --consistency to check a proof")
			}
			return a.makeProof(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&o.seq, "seq", 0, "record to prove")
	f.Uint64Var(&o.size, "size", 0, "checkpoint (tree size) to prove against; default the newest")
	f.Uint64Var(&o.from, "from", 0, "older checkpoint's size")
	f.Uint64Var(&o.to, "to", 0, "newer checkpoint's size")
	f.StringVar(&o.out, "out", "", "write the proof to this file (default: print it)")
	f.StringVar(&o.receipt, "receipt", "", "check this inclusion proof offline")
	f.StringVar(&o.consistency, "consistency", "", "check this consistency proof offline")
	f.StringVar(&o.checkpoint, "checkpoint", "", "checkpoints you kept (a signed note or a checkpoints file)")
	f.StringVar(&o.pub, "pubkey", "", "the log's public key: a file or the key (default <data>/"+ledger.PublicKeyFile+")")
	return cmd
}

// checkProof checks a proof with files alone: no database is opened.
func (a *app) checkProof(o proveOptions) error {
	if o.pub == "" {
		o.pub = a.ledgerFile(ledger.PublicKeyFile)
	}
	vkey, err := audit.ReadPublicKey(o.pub)
	if err != nil {
		return err
	}
	kept, err := audit.ReadKept(o.checkpoint, vkey)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		fmt.Fprintf(a.stdout, "PROOF FAILED: %v\n", err)
		return &exitError{code: 1, err: err}
	}
	if o.receipt != "" {
		p, cp, err := audit.CheckInclusionFile(o.receipt, vkey, kept)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(a.stdout, "OK: record #%d (%s, %s by %s) is leaf %d of the log %s signed at %d records\n",
			p.Record.Seq, p.Record.DecisionID, p.Record.Kind, p.Record.Ministry, p.LeafIndex, cp.Origin, cp.Size)
		return nil
	}
	older, newer, err := audit.CheckConsistencyFile(o.consistency, vkey, kept)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(a.stdout, "OK: the log %s at %d records extends its checkpoint of %d records unchanged\n", newer.Origin, newer.Size, older.Size)
	return nil
}

// makeProof builds a proof from the ledger against checkpoints in the
// database (they are checked against the public key first).
func (a *app) makeProof(ctx context.Context, o proveOptions) error {
	vkey, err := audit.ReadPublicKey(a.ledgerFile(ledger.PublicKeyFile))
	if err != nil {
		return err
	}
	store, err := a.openLedger(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	at := func(size uint64) (ledger.Checkpoint, error) {
		cp, ok, err := store.LatestCheckpoint(ctx, vkey)
		if size > 0 {
			cp, ok, err = store.CheckpointAt(ctx, vkey, size)
		}
		if err == nil && !ok {
			err = fmt.Errorf("no checkpoint of size %d in the ledger (`lianxi audit checkpoint` signs one now)", size)
		}
		return cp, err
	}
	var proof any
	if o.seq > 0 {
		cp, err := at(o.size)
		if err != nil {
			return err
		}
		if proof, err = store.ProveInclusion(ctx, o.seq, cp); err != nil {
			return err
		}
	} else {
		older, err := at(o.from)
		if err != nil {
			return err
		}
		newer, err := at(o.to)
		if err != nil {
			return err
		}
		if proof, err = store.ProveConsistency(ctx, older, newer); err != nil {
			return err
		}
	}
	if o.out == "" {
		return writeJSON(a, proof)
	}
	if err := audit.WriteProof(o.out, proof); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "proof written to %s\n", o.out)
	return nil
}
