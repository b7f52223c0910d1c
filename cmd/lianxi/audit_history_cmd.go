package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"lianxi/audit"
	"lianxi/logging"
)

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
