package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"lianxi/actions"
	"lianxi/domain"
	"lianxi/plan"
	"lianxi/taskclient"
)

func (a *app) taskCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "task",
		Short: "List, show and act on tasks through the lianxi API",
		Long: `The task verbs are clients of the HTTP API (--server), like the console: they act
with a token, --token or --as NAME (office, auditor or a ministry ID, read from
<data>/tokens.json). Without either they act as the office. The acting ministry is
always the token's.`,
	}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "act as NAME (office, auditor or a ministry ID) with its token from <data>/tokens.json; default office unless --token is given")
	cmd.AddCommand(a.taskListCmd(&as), a.taskShowCmd(&as))
	for _, act := range actions.All() {
		cmd.AddCommand(a.actionCmd(act, &as))
	}
	return cmd
}

// actionCmd is the CLI verb of one action, derived from its definition:
// one flag per field, the body sent to the action's API route.
func (a *app) actionCmd(act *actions.Action, as *string) *cobra.Command {
	var requestID string
	var asJSON bool
	cmd := &cobra.Command{Use: act.Verb + " ID", Short: act.Short, Args: cobra.ExactArgs(1), Example: actionExample(act)}
	for _, f := range act.Fields {
		flag := strings.ReplaceAll(f.Name, "_", "-")
		switch f.Kind {
		case actions.Ministries:
			cmd.Flags().StringSlice(flag, nil, f.Help)
		case actions.Attachments:
			cmd.Flags().StringArray(attachFlag, nil, f.Help)
		default:
			cmd.Flags().String(flag, "", f.Help)
		}
	}
	cmd.Flags().StringVar(&requestID, "request-id", "", "request ID; sending the same one again is answered once (default: a new one)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the receipt as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		path, err := taskPath(args[0])
		if err != nil {
			return err
		}
		body := map[string]any{}
		if requestID != "" {
			body[actions.RequestIDField] = requestID
		}
		c, err := a.api(*as)
		if err != nil {
			return err
		}
		for _, f := range act.Fields {
			flag := strings.ReplaceAll(f.Name, "_", "-")
			if f.Kind == actions.Attachments {
				flag = attachFlag
			}
			if !cmd.Flags().Changed(flag) {
				continue
			}
			switch f.Kind {
			case actions.Ministries:
				body[f.Name], _ = cmd.Flags().GetStringSlice(flag)
			case actions.Attachments:
				files, _ := cmd.Flags().GetStringArray(flag)
				if body[f.Name], err = a.uploadAll(cmd.Context(), c, path, files); err != nil {
					return err
				}
			default:
				body[f.Name], _ = cmd.Flags().GetString(flag)
			}
		}
		var r domain.Receipt
		err = c.do(cmd.Context(), "POST", path+"/"+act.Path, body, &r)
		var ae *apiError
		if errors.As(err, &ae) {
			return fmt.Errorf("%s rejected: %s", act.Name, ae.Message)
		}
		if err != nil {
			return err
		}
		if asJSON {
			return writeJSON(a, r)
		}
		fmt.Fprintf(a.stdout, "%s accepted: task %s is %s (round %d); ledger #%d %s\n", act.Name, args[0], r.Status, r.Round, r.Seq, r.Hash)
		return nil
	}
	return cmd
}

// actionExample is a verb's example, from its definition: who does it and
// a value for each required field.
func actionExample(act *actions.Action) string {
	as := "miit"
	if act.Who == actions.Office {
		as = "office"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  lianxi task %s internet-plus-2015/1.2 --as %s", act.Verb, as)
	for _, f := range act.Fields {
		if !f.Required {
			continue
		}
		flag := strings.ReplaceAll(f.Name, "_", "-")
		switch f.Kind {
		case actions.Date:
			fmt.Fprintf(&b, " --%s 2027-03-31", flag)
		case actions.Choice:
			if len(f.Options) > 0 {
				fmt.Fprintf(&b, " --%s %s", flag, f.Options[0].Value)
			}
		case actions.Ministries:
			fmt.Fprintf(&b, " --%s mof,mofcom", flag)
		case actions.Attachments:
			fmt.Fprintf(&b, " --%s 联合报告.pdf", attachFlag)
		default:
			fmt.Fprintf(&b, " --%s \"%s\"", flag, f.Label)
		}
	}
	return b.String()
}

// attachFlag is the CLI flag of an attachments field: --attach FILE,
// repeatable; each file is uploaded for the task before the action is sent.
const attachFlag = "attach"

// uploadAll uploads files for the task at path and returns their hashes.
func (a *app) uploadAll(ctx context.Context, c *apiClient, path string, files []string) ([]string, error) {
	var hashes []string
	for _, name := range files {
		var m struct {
			SHA256 string `json:"sha256"`
			Size   int64  `json:"size"`
			Type   string `json:"type"`
		}
		err := c.upload(ctx, path+"/attachments", name, &m)
		var ae *apiError
		if errors.As(err, &ae) {
			return nil, fmt.Errorf("attach %s refused: %s", name, ae.Message)
		}
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", name, err)
		}
		fmt.Fprintf(a.stderr, "uploaded %s (%d bytes, %s): sha256 %s\n", filepath.Base(name), m.Size, m.Type, m.SHA256)
		hashes = append(hashes, m.SHA256)
	}
	return hashes, nil
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (a *app) taskListCmd(as *string) *cobra.Command {
	var f taskclient.Filter
	var asJSON bool
	var limit, offset int
	cmd := &cobra.Command{
		Use: "list",
		Example: `  lianxi task list
  lianxi task list --as miit --status signing
  lianxi task list --limit 100 --offset 200`,
		Short: "List tasks (a ministry's token lists only its own)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.api(*as)
			if err != nil {
				return err
			}
			q := url.Values{}
			for _, kv := range [][2]string{{"plan", f.Plan}, {"status", f.Status}, {"ministry", f.Ministry}} {
				if kv[1] != "" {
					q.Set(kv[0], kv[1])
				}
			}
			if f.Pending {
				q.Set("pending", "1")
			}
			// The API names a bad bound, and sizes a page given only an
			// offset.
			if limit != 0 {
				q.Set("limit", strconv.Itoa(limit))
			}
			if offset != 0 {
				q.Set("offset", strconv.Itoa(offset))
			}
			var list []taskclient.Summary
			if err := c.do(cmd.Context(), "GET", "/api/tasks?"+q.Encode(), nil, &list); err != nil {
				return err
			}
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
	cmd.Flags().StringVar(&f.Ministry, "ministry", "", "tasks this ministry is on (a filter, not an identity)")
	cmd.Flags().BoolVar(&f.Pending, "pending", false, "with --ministry: only tasks waiting for its answer")
	cmd.Flags().IntVar(&limit, "limit", 0, "list at most this many tasks, one page (0: every task)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many tasks first (a page of 100 unless --limit)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// shownParticipant is a participant as `task show` prints it.
type shownParticipant struct {
	ID     string         `json:"id"`
	NameZh string         `json:"name_zh"`
	Role   string         `json:"role"`
	Answer *domain.Answer `json:"answer"`
}

func (a *app) taskShowCmd(as *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show ID",
		Example: `  lianxi task show internet-plus-2015/1.2 --as miit`,
		Short:   "Show a task's full status (the status query)",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := taskPath(args[0])
			if err != nil {
				return err
			}
			c, err := a.api(*as)
			if err != nil {
				return err
			}
			var st domain.TaskStatus
			if err := c.do(cmd.Context(), "GET", path, nil, &st); err != nil {
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
					domain.TaskStatus
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
