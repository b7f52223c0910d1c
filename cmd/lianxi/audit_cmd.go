package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"lianxi/ledger"
)

func (a *app) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Auditors' tools"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Recompute the ledger's hash chain; exit 1 at the first broken record",
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
				return &exitError{code: 1, err: fmt.Errorf("ledger chain broken at record %d", res.BadSeq)}
			}
			fmt.Fprintf(a.stdout, "OK: %d records, head %s\n", res.Count, res.Head)
			return nil
		},
	})
	return cmd
}
