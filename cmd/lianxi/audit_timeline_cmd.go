package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"lianxi/audit"
	"lianxi/cycles"
)

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
