package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"lianxi/plan"
	"lianxi/taskclient"
	"lianxi/workflows"
)

func (a *app) taskCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "task", Short: "List, show and act on tasks (talks to Temporal directly)"}
	cmd.AddCommand(a.taskListCmd(), a.taskShowCmd(),
		a.updateCmd("sign ID", "Sign off for a ministry (the lead files the joint report)", workflows.UpdateSignOff, func(cmd *cobra.Command) func() any {
			var r workflows.SignOffRequest
			cmd.Flags().StringVar(&r.Ministry, "ministry", "", "ministry ID (required)")
			cmd.Flags().StringVar(&r.Decision, "decision", "", "approve or object (required)")
			cmd.Flags().StringVar(&r.Comment, "comment", "", "comment; an objection's reason")
			cmd.Flags().StringVar(&r.Report, "report", "", "joint report (the lead)")
			cmd.Flags().StringVar(&r.Signer, "signer", "", "name of the person signing")
			return func() any { return r }
		}),
		a.updateCmd("review ID", "Review the joint report (office): approve or return", workflows.UpdateReview, func(cmd *cobra.Command) func() any {
			var r workflows.ReviewRequest
			cmd.Flags().StringVar(&r.Decision, "decision", "", "approve or return (required)")
			cmd.Flags().StringVar(&r.Comment, "comment", "", "comment; required for a return")
			cmd.Flags().StringVar(&r.Reviewer, "reviewer", "", "name of the reviewer")
			return func() any { return r }
		}),
		a.updateCmd("report ID", "File a progress report for a ministry", workflows.UpdateReportProgress, func(cmd *cobra.Command) func() any {
			var r workflows.ProgressRequest
			cmd.Flags().StringVar(&r.Ministry, "ministry", "", "ministry ID (required)")
			cmd.Flags().StringVar(&r.Text, "text", "", "the report (required)")
			cmd.Flags().StringVar(&r.Author, "author", "", "name of the author")
			return func() any { return r }
		}),
		a.updateCmd("extend ID", "Request an extension of the sign-off due date for a ministry", workflows.UpdateRequestExtension, func(cmd *cobra.Command) func() any {
			var r workflows.ExtensionRequest
			var until dateFlag
			cmd.Flags().StringVar(&r.Ministry, "ministry", "", "ministry ID (required)")
			cmd.Flags().Var(&until, "until", "new due date, YYYY-MM-DD or RFC 3339 (required)")
			cmd.Flags().StringVar(&r.Reason, "reason", "", "why (required)")
			return func() any { r.Until = time.Time(until); return r }
		}),
		a.updateCmd("decide-extension ID", "Grant or refuse the pending extension request (office)", workflows.UpdateDecideExtension, func(cmd *cobra.Command) func() any {
			var r workflows.ExtensionDecision
			cmd.Flags().StringVar(&r.Decision, "decision", "", "grant or refuse (required)")
			cmd.Flags().StringVar(&r.Comment, "comment", "", "comment")
			cmd.Flags().StringVar(&r.Decider, "decider", "", "name of the decider")
			return func() any { return r }
		}),
		a.updateCmd("amend ID", "Change participants or due dates (office)", workflows.UpdateAmend, func(cmd *cobra.Command) func() any {
			var r workflows.AmendRequest
			var signDue, reviewDue dateFlag
			cmd.Flags().StringSliceVar(&r.Add, "add", nil, "ministry IDs to add")
			cmd.Flags().StringSliceVar(&r.Remove, "remove", nil, "ministry IDs to remove")
			cmd.Flags().StringVar(&r.Lead, "lead", "", "new lead (required when removing the lead)")
			cmd.Flags().Var(&signDue, "sign-off-due", "new sign-off due date")
			cmd.Flags().Var(&reviewDue, "review-due", "new review due date")
			cmd.Flags().StringVar(&r.Reason, "reason", "", "why (required)")
			return func() any {
				r.SignOffDue, r.ReviewDue = time.Time(signDue), time.Time(reviewDue)
				return r
			}
		}),
		a.updateCmd("cancel ID", "Cancel a task (office)", workflows.UpdateCancel, func(cmd *cobra.Command) func() any {
			var r workflows.CancelRequest
			cmd.Flags().StringVar(&r.Reason, "reason", "", "why (required)")
			return func() any { return r }
		}),
	)
	return cmd
}

// updateCmd builds a command that sends one update and prints the receipt.
// Rejections print the validator's reason and exit 1.
func (a *app) updateCmd(use, short, name string, bind func(*cobra.Command) func() any) *cobra.Command {
	var requestID string
	var asJSON bool
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1)}
	arg := bind(cmd)
	cmd.Flags().StringVar(&requestID, "request-id", "", "request ID; sending the same one again is answered once (default: a new UUID)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the receipt as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := a.dial()
		if err != nil {
			return err
		}
		defer c.Close()
		r, err := a.tasks(c).Update(cmd.Context(), args[0], name, requestID, arg())
		var rej *taskclient.Rejection
		if errors.As(err, &rej) {
			return fmt.Errorf("%s rejected: %s", name, rej.Message)
		}
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(a, r)
		}
		fmt.Fprintf(a.stdout, "%s accepted: task %s is %s (round %d); ledger #%d %s\n", name, args[0], r.Status, r.Round, r.Seq, r.Hash)
		return nil
	}
	return cmd
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (a *app) taskListCmd() *cobra.Command {
	var f taskclient.Filter
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tasks from visibility",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			list, err := a.tasks(c).List(cmd.Context(), f)
			if err != nil {
				return err
			}
			taskclient.SortForDashboard(list)
			if asJSON {
				if list == nil {
					list = []taskclient.Summary{}
				}
				return writeJSON(a, list)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tROUND\tWARNING\tDUE\tPENDING\tTITLE")
			for _, t := range list {
				pending := strings.Join(t.Pending, ",")
				if len(t.Pending) > 6 {
					pending = fmt.Sprintf("%s,… (%d)", strings.Join(t.Pending[:5], ","), len(t.Pending))
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", t.ID, t.Status, t.Round, t.Warning, t.Due.Format("2006-01-02"), pending, t.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&f.Plan, "plan", "", "plan ID")
	cmd.Flags().StringVar(&f.Status, "status", "", "signing, in_review, closed or cancelled")
	cmd.Flags().StringVar(&f.Ministry, "ministry", "", "tasks this ministry is on")
	cmd.Flags().BoolVar(&f.Pending, "pending", false, "with --ministry: only tasks waiting for its answer")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// shownParticipant is a participant as `task show` prints it.
type shownParticipant struct {
	ID     string            `json:"id"`
	NameZh string            `json:"name_zh"`
	Role   string            `json:"role"`
	Answer *workflows.Answer `json:"answer"`
}

func (a *app) taskShowCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a task's full status (the status query)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.dial()
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := a.tasks(c).Status(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			reg, err := plan.DefaultRegistry()
			if err != nil {
				return err
			}
			parts := make([]shownParticipant, 0, len(st.Participants))
			for _, p := range st.Participants {
				m, _ := reg.ByID(p.ID)
				parts = append(parts, shownParticipant{ID: p.ID, NameZh: m.Short, Role: p.Role, Answer: p.Answer})
			}
			if asJSON {
				type shown struct {
					workflows.TaskStatus
					Participants []shownParticipant `json:"participants"`
				}
				return writeJSON(a, shown{st, parts})
			}
			fmt.Fprintf(a.stdout, "%s  %s\nstatus %s, round %d, warning %s, sign-off due %s\n",
				st.ID, st.Title, st.Status, st.Round, st.Warning, st.SignOffDue.Format("2006-01-02"))
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			for _, p := range parts {
				ans := "pending"
				if p.Answer != nil {
					ans = p.Answer.Decision + " " + p.Answer.At.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.ID, p.NameZh, p.Role, ans)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// dateFlag reads a date as YYYY-MM-DD (midnight UTC) or RFC 3339.
type dateFlag time.Time

func (d *dateFlag) String() string {
	if time.Time(*d).IsZero() {
		return ""
	}
	return time.Time(*d).Format(time.RFC3339)
}
func (d *dateFlag) Type() string { return "date" }
func (d *dateFlag) Set(s string) error {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			*d = dateFlag(t)
			return nil
		}
	}
	return fmt.Errorf("%q is not a date: want YYYY-MM-DD or RFC 3339", s)
}
