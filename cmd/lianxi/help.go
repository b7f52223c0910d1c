package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The settings of config.Config are flags of the root command, so every
// command accepts all of them; its help shows only those it reads. The
// groups below name them by what they configure; commandSettings says
// which groups each command reads. `lianxi options` lists them all.
var settingGroups = map[string][]string{
	"basics":   {"data", "log-level", "log-format"},
	"temporal": {"temporal-address", "namespace", "temporal-api-key", "temporal-tls", "temporal-tls-cert", "temporal-tls-key", "temporal-tls-ca", "temporal-tls-server-name"},
	"embedded": {"temporal-address", "namespace", "temporal-db", "retention"},
	"console":  {"http-addr", "public-url", "principals", "attachment-max-mib", "attachment-task-quota-mib", "attachment-ministry-quota-mib", "attachment-grace", "attachments"},
	"ledger":   {"ledger-dsn", "witness-url", "witness-secret"},
	"door":     {"door-key"},
	"worker":   {"webhooks", "public-url"},
	"tasks":    {"sign-off-period", "review-period", "reminder-interval", "warning-window"},
	"metrics":  {"metrics-addr"},
	"ui":       {"ui-addr"},
	"client":   {"server", "token"},
	"tokens":   {"principals", "door-key"},
}

// commandSettings maps a command path (after "lianxi") to the groups of
// settings it reads; a command not listed takes its parent's, and one
// with none of its own shows the basics. "*" shows every setting.
var commandSettings = map[string][]string{
	"dev":         {"*"},
	"server":      {"embedded"},
	"worker":      {"temporal", "ledger", "door", "worker", "metrics"},
	"serve":       {"temporal", "console", "ledger", "door", "tasks", "metrics"},
	"bench":       {"temporal"},
	"plan launch": {"temporal", "tasks", "door"},
	"task":        {"client"},
	"audit":       {"temporal", "ledger"},
	"tokens":      {"tokens"},
}

// shownSettings is the set of root flags cmd's help shows, or nil for
// all of them.
func shownSettings(cmd *cobra.Command) map[string]bool {
	path := strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()), " ")
	var groups []string
	for p := path; p != ""; {
		if g, ok := commandSettings[p]; ok {
			groups = g
			break
		}
		i := strings.LastIndex(p, " ")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	if slices.Contains(groups, "*") {
		return nil
	}
	shown := map[string]bool{}
	for _, g := range append([]string{"basics"}, groups...) {
		for _, f := range settingGroups[g] {
			shown[f] = true
		}
	}
	return shown
}

// filterHelp wraps the root's help so that each command lists only the
// settings it reads. The others are hidden while the help is written and
// still accepted on the command line.
func filterHelp(root *cobra.Command) {
	plain := root.HelpFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		shown := shownSettings(cmd)
		if shown != nil && cmd != root {
			var hidden []*pflag.Flag
			root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
				if !shown[f.Name] && !f.Hidden {
					f.Hidden = true
					hidden = append(hidden, f)
				}
			})
			defer func() {
				for _, f := range hidden {
					f.Hidden = false
				}
			}()
		}
		plain(cmd, args)
	})
}

// optionsCmd lists every setting: what `lianxi <command> --help` leaves
// out because that command does not read it.
func (a *app) optionsCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "options",
		Short:   "List the settings every command accepts (each command's help shows only those it reads)",
		Args:    cobra.NoArgs,
		Example: "  lianxi options",
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(a.stdout, "Settings (flag, or the environment variable named after each; docs/configuration.md has the table):")
			fmt.Fprint(a.stdout, cmd.Root().PersistentFlags().FlagUsages())
			return nil
		},
	}
}
