package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"lianxi/door"
)

func (a *app) tokensCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tokens", Short: "Principals and keys for the API, without a dev server"}
	cmd.AddCommand(&cobra.Command{
		Use:   "init",
		Short: "Create tokens.json, principals.json and door.key in the data folder (existing files are kept)",
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
	})
	return cmd
}
