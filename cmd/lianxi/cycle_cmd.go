package main

import (
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"lianxi/cycles"
)

// cycleCmd is the office's reporting cycles (定期报送), clients of the API
// like the task verbs.
func (a *app) cycleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cycle",
		Short: "Create and steer a plan's reporting cycles (Temporal Schedules) through the lianxi API",
		Long: `A cycle asks the reporters of every open task of a plan for progress on the dates of
its calendar; each round closes after its window and issues a supervision bulletin
(督查通报) on the ledger. A paused cycle runs no round, and resuming it does not run
the rounds it missed; backfill runs them, one date at a time. These verbs act as the office (--as, --token).`,
	}
	var as, planID string
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as NAME with its token from <data>/tokens.json; default office unless --token is given")
	cmd.PersistentFlags().StringVar(&planID, "plan", "", "the plan's ID (required)")
	cmd.AddCommand(a.cycleCreateCmd(&as, &planID, "create"), a.cycleCreateCmd(&as, &planID, "change"), a.cycleListCmd(&as, &planID),
		a.cycleBackfillCmd(&as, &planID))
	for _, verb := range []struct{ name, short string }{
		{"pause", "Pause a cycle: no round starts until it is resumed"},
		{"resume", "Resume a paused cycle from its next date (missed rounds are not run)"},
		{"trigger", "Start a round of a cycle now"},
		{"delete", "Delete a cycle; issued bulletins stay on the ledger"},
	} {
		cmd.AddCommand(a.cycleChangeCmd(&as, &planID, verb.name, verb.short))
	}
	return cmd
}

// cyclesPath is the API path of a plan's cycles, and of one when id is set.
func cyclesPath(planID, id string) (string, error) {
	if planID == "" {
		return "", fmt.Errorf("--plan is required (e.g. --plan internet-plus-2015)")
	}
	p := "/api/plans/" + url.PathEscape(planID) + "/cycles"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p, nil
}

// cycleCreateCmd is create, or change (the same settings, all given
// again, for an existing cycle).
func (a *app) cycleCreateCmd(as, planID *string, verb string) *cobra.Command {
	var q cycles.Request
	short := "Create a reporting cycle: a round on a day of every month or quarter"
	if verb == "change" {
		short = "Change a cycle's calendar, window, reminder and reporters (give them all); a paused cycle stays paused"
	}
	cmd := &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Args:    cobra.ExactArgs(1),
		Example: "  lianxi cycle " + verb + " monthly --plan internet-plus-2015 --every month --day 25 --window 10d --remind 3d",
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if verb == "change" {
				id = args[0]
			}
			path, err := cyclesPath(*planID, id)
			if err != nil {
				return err
			}
			c, err := a.api(*as)
			if err != nil {
				return err
			}
			q.ID = args[0]
			if verb == "change" {
				if err := c.do(cmd.Context(), "PATCH", path, map[string]any{"action": "change", "cycle": q}, nil); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "cycle %s of %s changed\n", q.ID, *planID)
				return nil
			}
			var out cycles.Cycle
			if err := c.do(cmd.Context(), "POST", path, q, &out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cycle %s of %s: %s, window %s\n", out.ID, out.PlanID, out.Calendar, out.Window)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Every, "every", "month", "month, or quarter (the last month of each quarter)")
	f.IntVar(&q.Day, "day", 0, "day of the month of each round, 1-31 (required)")
	f.IntVar(&q.Hour, "hour", 0, "hour of the day (UTC) each round opens")
	f.StringVar(&q.Window, "window", "10d", "how long reporters have: `DURATION` in days (10d) or hours (36h)")
	f.StringVar(&q.RemindBefore, "remind", "", "remind the reporters still missing this long before the close (`DURATION`, e.g. 3d)")
	f.StringVar(&q.Reporters, "reporters", cycles.ReportersLead, "who reports: lead, or all participants")
	return cmd
}

func (a *app) cycleListCmd(as, planID *string) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List a plan's reporting cycles with their next dates",
		Args:    cobra.NoArgs,
		Example: "  lianxi cycle list --plan internet-plus-2015",
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := cyclesPath(*planID, "")
			if err != nil {
				return err
			}
			c, err := a.api(*as)
			if err != nil {
				return err
			}
			var out struct {
				Cycles []cycles.Cycle `json:"cycles"`
			}
			if err := c.do(cmd.Context(), "GET", path, nil, &out); err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CYCLE\tCALENDAR\tWINDOW\tREPORTERS\tSTATE\tNEXT")
			for _, cy := range out.Cycles {
				state, next := "running", ""
				if cy.Paused {
					state = "paused"
				}
				if len(cy.Next) > 0 {
					next = cy.Next[0].UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cy.ID, cy.Calendar, cy.Window, strings.TrimSpace(cy.Reporters+" "), state, next)
			}
			return tw.Flush()
		},
	}
}

// cycleChangeCmd is pause, resume, trigger or delete.
func (a *app) cycleChangeCmd(as, planID *string, verb, short string) *cobra.Command {
	var note string
	cmd := &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Args:    cobra.ExactArgs(1),
		Example: "  lianxi cycle " + verb + " monthly --plan internet-plus-2015",
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := cyclesPath(*planID, args[0])
			if err != nil {
				return err
			}
			c, err := a.api(*as)
			if err != nil {
				return err
			}
			if verb == "delete" {
				err = c.do(cmd.Context(), "DELETE", path, nil, nil)
			} else {
				err = c.do(cmd.Context(), "PATCH", path, map[string]string{"action": verb, "note": note}, nil)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cycle %s of %s: %s done\n", args[0], *planID, verb)
			return nil
		},
	}
	if verb == "pause" || verb == "resume" {
		cmd.Flags().StringVar(&note, "note", "", "why, kept with the schedule")
	}
	return cmd
}

// cycleBackfillCmd runs a missed round of a cycle (PATCH action backfill).
func (a *app) cycleBackfillCmd(as, planID *string) *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "backfill ID --from DATE --to DATE",
		Short: "Run the earliest missed round of a cycle between two dates (one at a time; again for the next)",
		Long: `Runs the round of the earliest date of the cycle's calendar between --from and --to
(inclusive, UTC) whose round never opened, named for that date and open from now for the
cycle's window. A round in progress blocks any other start (overlap skip), so run it
again once that round closes for the next date. Dates whose rounds ran are never run
again: a backfill with nothing left does nothing.`,
		Args:    cobra.ExactArgs(1),
		Example: "  lianxi cycle backfill monthly --plan internet-plus-2015 --from 2026-01-01 --to 2026-03-31",
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return fmt.Errorf("--from and --to are required (e.g. --from 2026-01-01 --to 2026-03-31)")
			}
			path, err := cyclesPath(*planID, args[0])
			if err != nil {
				return err
			}
			c, err := a.api(*as)
			if err != nil {
				return err
			}
			var out struct {
				Backfill cycles.Backfilled `json:"backfill"`
			}
			if err := c.do(cmd.Context(), "PATCH", path, map[string]string{"action": "backfill", "from": from, "to": to}, &out); err != nil {
				return err
			}
			b, w := out.Backfill, cmd.OutOrStdout()
			if b.Started.IsZero() {
				fmt.Fprintf(w, "cycle %s of %s: every date between %s and %s has had its round (%d); nothing to backfill\n", args[0], *planID, from, to, len(b.Ran))
				return nil
			}
			fmt.Fprintf(w, "cycle %s of %s: round of %s started\n", args[0], *planID, b.Started.UTC().Format(time.DateOnly))
			if len(b.Left) > 0 {
				var left []string
				for _, d := range b.Left {
					left = append(left, d.UTC().Format(time.DateOnly))
				}
				fmt.Fprintf(w, "still missed: %s (backfill again once this round closes)\n", strings.Join(left, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first date of the range (`DATE`, e.g. 2026-01-01)")
	cmd.Flags().StringVar(&to, "to", "", "last date of the range (`DATE`), inclusive")
	return cmd
}
