package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"lianxi/audit"
	"lianxi/board"
	"lianxi/ledger"
	"lianxi/taskclient"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Auditors' tools: verify the ledger, export, replay and read histories"}
	cmd.AddCommand(a.auditVerifyCmd(), a.auditExportCmd(), a.auditReplayCmd(), a.auditTimelineCmd(), a.auditCheckpointCmd(), a.auditProveCmd())
	return cmd
}

func (a *app) auditVerifyCmd() *cobra.Command {
	var withHistory bool
	var checkpoints, pub string
	cmd := &cobra.Command{
		Use: "verify",
		Example: `  lianxi audit verify
  lianxi audit verify --checkpoints kept/ledger-checkpoints.jsonl --pubkey kept/ledger.pub
  lianxi audit verify --ledger-dsn postgres://lianxi:PASS@db/lianxi`,
		Short: "Recompute the ledger's hash chain, check it against kept checkpoints (and with --history, match every kept history with the ledger, content included); exit 1 on any break",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			store, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			res, err := ledger.Verify(cmd.Context(), store)
			if err != nil {
				return err
			}
			if !res.OK {
				fmt.Fprintf(a.stdout, "BROKEN at record %d: %s (%d records verified before it)\n", res.BadSeq, res.Problem, res.Count)
			} else {
				fmt.Fprintf(a.stdout, "OK: %d records, head %s\n", res.Count, res.Head)
			}
			bad, err := a.verifyCheckpoints(cmd.Context(), store, checkpoints, pub)
			if err != nil {
				return err
			}
			if !res.OK {
				return &exitError{code: 1, err: fmt.Errorf("ledger chain broken at record %d", res.BadSeq)}
			}
			if bad > 0 {
				return &exitError{code: 1, err: fmt.Errorf("the ledger disagrees with %d kept checkpoints", bad)}
			}
			if !withHistory {
				return nil
			}
			return a.crossCheck(cmd.Context(), store)
		},
	}
	cmd.Flags().BoolVar(&withHistory, "history", false, "also match every task history Temporal still keeps, open or closed, with the ledger: each update with its record, ministry and texts included (needs Temporal)")
	cmd.Flags().StringVar(&checkpoints, "checkpoints", "", "checkpoints to hold the ledger to: a checkpoints file or one signed note (default <data>/"+ledger.CheckpointsFile+")")
	cmd.Flags().StringVar(&pub, "pubkey", "", "the log's public key, a file or the key itself (default <data>/"+ledger.PublicKeyFile+"; give a copy kept elsewhere)")
	return cmd
}

// crossCheck matches, for every task on the board whose history Temporal
// still keeps, open or closed, each accepted update with its ledger record
// (same ministry, same texts) and each record with its update.
func (a *app) crossCheck(ctx context.Context, store *ledger.SQLStore) error {
	c, err := a.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	tasks, err := board.Open(ctx, store)
	if err != nil {
		return err
	}
	rows, err := tasks.List(ctx, board.Filter{})
	if err != nil {
		return err
	}
	problems, checked, gone := 0, 0, 0
	for _, t := range rows {
		tl, err := a.timeline(ctx, c, store, t.WorkflowID)
		if errors.Is(err, taskclient.ErrNotFound) {
			gone++
			continue
		}
		if err != nil {
			return err
		}
		checked++
		for _, e := range tl.Entries {
			if e.Problem != "" {
				problems++
				fmt.Fprintf(a.stdout, "MISMATCH %s %s: %s\n", t.WorkflowID, e.DecisionID, e.Problem)
			}
		}
	}
	fmt.Fprintf(a.stdout, "%d tasks checked against their histories (%d no longer kept by Temporal), %d mismatches\n", checked, gone, problems)
	if problems > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d decisions differ between history and ledger", problems)}
	}
	return nil
}

func (a *app) timeline(ctx context.Context, c client.Client, store *ledger.SQLStore, id string) (*audit.Timeline, error) {
	runs, err := a.runs(ctx, c, store, "", id)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%w: %s", taskclient.ErrNotFound, id)
	}
	hs := map[string]*historypb.History{}
	for _, r := range runs {
		h, err := audit.Fetch(ctx, c, r)
		if audit.Gone(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		hs[r.RunID] = h
	}
	return audit.BuildTimeline(ctx, id, hs, store)
}

// runs lists the runs of a task (or, with no task, of a plan): those
// Temporal's visibility lists, and those the ledger names, whose histories
// after retention Temporal reads from its archive. A run neither holds is
// reported Gone when fetched. store may be nil (no ledger reachable).
func (a *app) runs(ctx context.Context, c client.Client, store *ledger.SQLStore, plan, task string) ([]audit.Run, error) {
	q := audit.PlanQuery(plan)
	if task != "" {
		q = audit.TaskQuery(task)
	}
	runs, err := audit.Runs(ctx, c, a.cfg.Temporal.Namespace, q)
	if err != nil || store == nil {
		return runs, err
	}
	recorded, err := audit.LedgerRuns(ctx, store, plan, task)
	if err != nil {
		return nil, err
	}
	return audit.Merge(runs, recorded), nil
}

// optionalLedger opens the ledger when one is configured or the data
// folder holds one; nil otherwise.
func (a *app) optionalLedger(ctx context.Context) *ledger.SQLStore {
	if a.cfg.LedgerDSN == "" {
		if _, err := os.Stat(a.cfg.LedgerPath()); err != nil {
			return nil
		}
	}
	store, err := a.openLedger(ctx)
	if err != nil {
		return nil
	}
	return store
}
