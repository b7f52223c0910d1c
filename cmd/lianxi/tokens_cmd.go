package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"lianxi/config"
	"lianxi/console/identity"
	"lianxi/door"
	"lianxi/plan"
)

func (a *app) tokensCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Principals and keys for the API, without a dev server",
		Long: `tokens manages the principals file that lianxi serve reads (--principals, default
<data>/principals.json). serve picks up every change within a second, without a restart.
New tokens are printed once, on standard output; the file keeps only their hashes.`,
	}
	cmd.AddCommand(a.tokensInitCmd(), a.tokensIssueCmd(), a.tokensRevokeCmd(), a.tokensRotateCmd(), a.tokensListCmd())
	return cmd
}

func (a *app) tokensInitCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "init",
		Example: `  lianxi tokens init`,
		Short:   "Create tokens.json, principals.json and door.key in the data folder (existing files are kept)",
		Long: `init writes, when they do not exist yet: tokens for the office, an auditor and every
ministry in the registry (<data>/tokens.json, owner-only: hand each token to its holder),
their hashes for the API (--principals, default <data>/principals.json), and the door key
(--door-key, default <data>/door.key) that lianxi serve and every lianxi worker must share.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.ensureTokens(); err != nil {
				return err
			}
			if _, _, err := door.EnsureKey(a.cfg.DoorKeyFile); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "tokens:     %s\nprincipals: %s\ndoor key:   %s\n", a.cfg.TokensPath(), a.cfg.PrincipalsFile, a.cfg.DoorKeyFile)
			return nil
		},
	}
}

// expiry is the --expires flag: a duration such as 90d, or empty for none.
type expiry struct{ d time.Duration }

func (e *expiry) String() string {
	if e.d == 0 {
		return ""
	}
	return config.FormatDuration(e.d)
}

func (e *expiry) Set(s string) error {
	d, err := config.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("want a positive duration such as 90d or 12h")
	}
	e.d = d
	return nil
}

func (e *expiry) Type() string { return "duration" }

func (a *app) tokensIssueCmd() *cobra.Command {
	var is identity.Issue
	var exp expiry
	var allowUnknown bool
	cmd := &cobra.Command{
		Use:   "issue --role office|auditor|ministry [--ministry ID] [--name NAME] [--expires 90d]",
		Short: "Add a token to the principals file and print it (once)",
		Example: `  lianxi tokens issue --role ministry --ministry miit --expires 180d
  lianxi tokens issue --role auditor --name audit-office-2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if is.Role == identity.RoleMinistry && !allowUnknown {
				reg, err := plan.DefaultRegistry()
				if err != nil {
					return err
				}
				if _, ok := reg.ByID(is.Ministry); !ok {
					return fmt.Errorf("ministry %q is not in the registry (nearest: %v); --allow-unknown issues it anyway", is.Ministry, reg.Nearest(is.Ministry, 3))
				}
			}
			is.ExpiresIn = exp.d
			token, pr, err := identity.IssueToken(a.cfg.PrincipalsFile, is, time.Now())
			if err != nil {
				return fmt.Errorf("tokens issue: %w", err)
			}
			fmt.Fprintln(a.stdout, token)
			fmt.Fprintf(a.stderr, "issued token %s for %s (%s) in %s%s; hand it to its holder: it is not stored\n",
				pr.TokenID(), pr.Name, roleText(pr), a.cfg.PrincipalsFile, expiryText(pr))
			return nil
		},
	}
	cmd.Flags().StringVar(&is.Role, "role", "", "office, auditor or ministry")
	cmd.Flags().StringVar(&is.Ministry, "ministry", "", "the ministry's ID (role ministry)")
	cmd.Flags().StringVar(&is.Name, "name", "", "principal name (default: the ministry ID, or the role)")
	cmd.Flags().Var(&exp, "expires", "the token stops working after this long (e.g. 90d); default: until revoked")
	cmd.Flags().BoolVar(&allowUnknown, "allow-unknown", false, "issue for a ministry ID the registry does not know")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func (a *app) tokensRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "revoke ID|NAME",
		Example: `  lianxi tokens revoke miit`,
		Short:   "Revoke a token (by the ID `tokens list` shows) or every token of a principal; serve refuses it within a second",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			revoked, err := identity.RevokeTokens(a.cfg.PrincipalsFile, args[0], time.Now())
			if err != nil {
				return fmt.Errorf("tokens revoke: %w", err)
			}
			for _, pr := range revoked {
				fmt.Fprintf(a.stdout, "revoked %s (%s, %s)\n", pr.TokenID(), pr.Name, roleText(pr))
			}
			return nil
		},
	}
}

func (a *app) tokensRotateCmd() *cobra.Command {
	var grace time.Duration
	var exp expiry
	cmd := &cobra.Command{
		Use:     "rotate NAME [--grace 24h] [--expires 90d]",
		Example: `  lianxi tokens rotate miit --grace 24h`,
		Short:   "Give a principal a new token (printed once, and written to <data>/tokens.json when that file has one for it); its old tokens stop after --grace",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			token, pr, err := identity.RotateToken(a.cfg.PrincipalsFile, args[0], grace, exp.d, time.Now())
			if err != nil {
				return fmt.Errorf("tokens rotate: %w", err)
			}
			fmt.Fprintln(a.stdout, token)
			when := "now"
			if grace > 0 {
				when = "in " + config.FormatDuration(grace)
			}
			fmt.Fprintf(a.stderr, "new token %s for %s (%s)%s; the old ones stop working %s\n", pr.TokenID(), pr.Name, roleText(pr), expiryText(pr), when)
			// On a local install --as reads tokens.json: it follows.
			updated, err := identity.RecordRotated(a.cfg.TokensPath(), pr.Name, token)
			if err != nil {
				return fmt.Errorf("tokens rotate: the new token is issued but %w; --as %s still reads the old one", err, pr.Name)
			}
			if updated {
				fmt.Fprintf(a.stderr, "%s now holds the new token: --as %s acts with it\n", a.cfg.TokensPath(), pr.Name)
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", 0, "how long the old tokens keep working (e.g. 24h); default: they stop at once")
	cmd.Flags().Var(&exp, "expires", "the new token stops working after this long (e.g. 90d); default: until revoked")
	return cmd
}

func (a *app) tokensListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Example: `  lianxi tokens list`,
		Short:   "List the tokens in the principals file: ID, principal, role, issued, expiry, state",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			prs, err := identity.ListPrincipals(a.cfg.PrincipalsFile)
			if err != nil {
				return err
			}
			now := time.Now()
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPRINCIPAL\tROLE\tISSUED\tEXPIRES\tSTATE")
			for _, pr := range prs {
				state := "active"
				switch {
				case pr.RevokedAt != nil:
					state = "revoked " + pr.RevokedAt.Format(time.DateOnly)
				case !pr.Active(now):
					state = "expired"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", pr.TokenID(), pr.Name, roleText(pr), dateOf(pr.IssuedAt), dateOf(pr.ExpiresAt), state)
			}
			return tw.Flush()
		},
	}
}

func roleText(pr identity.Principal) string {
	if pr.Role == identity.RoleMinistry {
		return "ministry " + pr.Ministry
	}
	return pr.Role
}

func expiryText(pr identity.Principal) string {
	if pr.ExpiresAt == nil {
		return ""
	}
	return ", expires " + pr.ExpiresAt.Format(time.RFC3339)
}

func dateOf(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}
