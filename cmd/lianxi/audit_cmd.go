package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"lianxi/audit"
	"lianxi/board"
	"lianxi/cycles"
	"lianxi/ledger"
	"lianxi/logging"
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

func (a *app) auditExportCmd() *cobra.Command {
	var task, planID, out string
	cmd := &cobra.Command{
		Use: "export (--task ID | --plan P) --out DIR",
		Example: `  lianxi audit export --plan internet-plus-2015 --out ./audit-2015
  lianxi audit export --task internet-plus-2015/1.2 --out ./audit-1.2`,
		Short: "Write one JSON history file per workflow run, as `temporal workflow show --output json` does",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (task == "") == (planID == "") || out == "" {
				return fmt.Errorf("audit export: give --out and exactly one of --task or --plan")
			}
			c, err := a.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			store := a.optionalLedger(cmd.Context())
			if store != nil {
				defer store.Close()
			}
			runs, err := a.runs(cmd.Context(), c, store, planID, task)
			if err != nil {
				return err
			}
			var files []string
			for _, r := range runs {
				f, err := audit.Export(cmd.Context(), c, []audit.Run{r}, out)
				if audit.Gone(err) {
					fmt.Fprintf(a.stdout, "skipped %s %s: Temporal holds its history neither in its store nor in its archive\n", r.WorkflowID, r.RunID)
					continue
				}
				if err != nil {
					return err
				}
				files = append(files, f...)
			}
			fmt.Fprintf(a.stdout, "exported %d runs to %s\n", len(files), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&task, "task", "", "task ID (<plan>/<no>)")
	cmd.Flags().StringVar(&planID, "plan", "", "plan ID")
	cmd.Flags().StringVar(&out, "out", "", "output folder")
	return cmd
}

func (a *app) auditReplayCmd() *cobra.Command {
	var planID string
	cmd := &cobra.Command{
		Use: "replay [--plan P | FILE...]",
		Example: `  lianxi audit replay --plan internet-plus-2015
  lianxi audit replay history-1.2.json`,
		Short: "Replay histories against this binary's workflow code; exit 1 if any run does not replay",
		RunE: func(cmd *cobra.Command, files []string) error {
			if (planID == "") == (len(files) == 0) {
				return fmt.Errorf("audit replay: give --plan or history files, not both")
			}
			r := audit.NewReplayer(logging.Temporal(a.log.Named("replay")))
			failed, total := 0, 0
			report := func(name string, err error) {
				total++
				if err != nil {
					failed++
					fmt.Fprintf(a.stdout, "FAIL %s: %v\n", name, firstLine(err))
					return
				}
				fmt.Fprintf(a.stdout, "OK   %s\n", name)
			}
			if planID != "" {
				c, err := a.dial()
				if err != nil {
					return err
				}
				defer c.Close()
				store := a.optionalLedger(cmd.Context())
				if store != nil {
					defer store.Close()
				}
				runs, err := a.runs(cmd.Context(), c, store, planID, "")
				if err != nil {
					return err
				}
				for _, run := range runs {
					h, err := audit.Fetch(cmd.Context(), c, run)
					if audit.Gone(err) {
						fmt.Fprintf(a.stdout, "SKIP %s %s: Temporal holds its history neither in its store nor in its archive\n", run.WorkflowID, run.RunID)
						continue
					}
					if err == nil {
						err = r.Replay(h)
					}
					report(run.WorkflowID+" "+run.RunID, err)
				}
			}
			for _, f := range files {
				h, err := audit.Load(f)
				if err == nil {
					err = r.Replay(h)
				}
				report(f, err)
			}
			fmt.Fprintf(a.stdout, "%d runs replayed, %d failed\n", total, failed)
			if failed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d of %d runs do not replay against this code", failed, total)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&planID, "plan", "", "replay every run of this plan, fetched from Temporal")
	return cmd
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func (a *app) auditTimelineCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "timeline ID",
		Example: `  lianxi audit timeline internet-plus-2015/1.2
  lianxi audit timeline internet-plus-2015/1.2 --temporal-address 127.0.0.1:7233`,
		Short: "Who did what, when, in which round, from the history, cross-checked with the ledger",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			c, err := a.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			tl, err := a.timeline(cmd.Context(), c, store, args[0])
			if err != nil {
				return err
			}
			if err := tl.AddRounds(cmd.Context(), store); err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(a, tl); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintln(tw, "TIME\tROUND\tACTION\tACTOR\tPERSON\tLEDGER\tNOTE")
				for _, e := range tl.Entries {
					note := e.Problem
					if e.Failed != "" {
						note = "failed: " + e.Failed
					}
					if note == "" {
						note = summarize(e)
					}
					fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t#%d\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Round, e.Action, e.Actor, e.Person, e.LedgerSeq, note)
				}
				tw.Flush()
				printRounds(a.stdout, tl.Rounds)
			}
			if tl.Problems > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d decisions differ between history and ledger", tl.Problems)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printRounds lists a task's reports per reporting round: the round, its
// cycle and window, each reporter and whether it reported (with the
// report's ledger record).
func printRounds(w io.Writer, rounds []cycles.TaskReport) {
	if len(rounds) == 0 {
		return
	}
	fmt.Fprintln(w, "\nREPORTING ROUNDS")
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUND\tCYCLE\tWINDOW\tREPORTER\tSTANDING\tREPORT")
	for _, r := range rounds {
		cycle, report := r.CycleID, ""
		if cycle == "" {
			cycle = "(by hand)"
		}
		if r.Seq > 0 {
			report = fmt.Sprintf("#%d", r.Seq)
		}
		window := r.From.Local().Format("2006-01-02 15:04") + " – " + r.To.Local().Format("2006-01-02 15:04")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.RoundKey, cycle, window, r.Ministry, r.State, report)
	}
	tw.Flush()
}

func summarize(e audit.Entry) string {
	var parts []string
	for _, k := range []string{"decision", "comment", "reason", "text"} {
		if v := e.Payload[k]; v != "" {
			if len([]rune(v)) > 40 {
				v = string([]rune(v)[:40]) + "…"
			}
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " · ")
}
