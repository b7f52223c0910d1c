package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"
	"gopkg.in/yaml.v3"

	"lianxi/board"
	"lianxi/bundled"
	"lianxi/plan"
	"lianxi/starter"
)

func (a *app) planCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "plan", Short: "Parse and launch plans"}
	cmd.AddCommand(a.planParseCmd(), a.planLaunchCmd())
	return cmd
}

type planFlags struct {
	planID        string
	allowUnknown  bool
	sectionTitles []string
	bodies        []string
}

func (f *planFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.planID, "plan-id", "", "plan ID (default: the file name without extension)")
	cmd.Flags().BoolVar(&f.allowUnknown, "allow-unknown", false, "accept units missing from the ministry registry as new participants, named as written")
	cmd.Flags().StringArrayVar(&f.sectionTitles, "section-title", nil,
		"correct a section's title, recorded in the plan's corrections: N=TITLE (repeatable), e.g. --section-title 2=强化创新驱动")
	cmd.Flags().StringArrayVar(&f.bodies, "body", nil,
		"settle a body the registry does not know, recorded in the plan's corrections: NAME=BODY (a registry name or ID, or new to accept it as written; repeatable)")
}

// correct applies the --section-title corrections.
func (f *planFlags) correct(p *plan.Plan) error {
	for _, c := range f.sectionTitles {
		no, title, err := plan.ParseSectionTitle(c)
		if err != nil {
			return err
		}
		if err := p.CorrectSectionTitle(no, title); err != nil {
			return fmt.Errorf("--section-title %s: %w", c, err)
		}
	}
	if len(f.bodies) == 0 {
		return nil
	}
	reg, err := plan.DefaultRegistry()
	if err != nil {
		return err
	}
	for _, c := range f.bodies {
		name, body, err := plan.ParseBody(c)
		if err != nil {
			return err
		}
		if err := p.CorrectBody(name, body, reg); err != nil {
			return fmt.Errorf("--body %s: %w", c, err)
		}
	}
	return nil
}

// load reads a document or structured plan file.
func (f *planFlags) load(path string) (*plan.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	// --plan-id wins; then a structured plan's own plan_id; then the file's name.
	p, err := plan.Load(data, plan.Options{PlanID: f.planID, AllowUnknown: f.allowUnknown,
		DefaultPlanID: strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := f.correct(p); err != nil {
		return nil, err
	}
	return p, nil
}

func (a *app) planParseCmd() *cobra.Command {
	var (
		pf                    planFlags
		asJSON, asYAML, facts bool
		out                   string
	)
	cmd := &cobra.Command{
		Use: "parse FILE",
		Example: `  lianxi plan parse plan.txt --plan-id internet-plus-2015
  lianxi plan parse plan.txt --plan-id internet-plus-2015 --json > plan.json`,
		Short: "Print the structured plan a document or plan file holds",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := pf.load(args[0])
			if err != nil {
				return err
			}
			if facts {
				// Warnings stay: they are facts about the document (damaged
				// headings, merged clauses) that every output must show.
				p = p.WithoutText()
				p.Encoding = ""
			}
			w := a.stdout
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			switch {
			case asYAML:
				return yaml.NewEncoder(w).Encode(p)
			case asJSON || out != "":
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(p)
			}
			printPlan(w, p)
			return nil
		},
	}
	pf.bind(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (the structured plan format that plan launch reads)")
	cmd.Flags().BoolVar(&asYAML, "yaml", false, "print YAML")
	cmd.Flags().BoolVar(&facts, "facts-only", false, "leave out the paragraphs: numbers, titles, ministries and lines only")
	cmd.Flags().StringVarP(&out, "out", "o", "", "write JSON to this file instead of stdout")
	return cmd
}

func (a *app) planLaunchCmd() *cobra.Command {
	var (
		pf          planFlags
		useBundled  bool
		concurrency int
		wait        time.Duration
	)
	cmd := &cobra.Command{
		Use: "launch [FILE]",
		Example: `  lianxi plan launch --bundled
  lianxi plan launch plan.json`,
		Short: "Start one workflow per task of a document or structured plan; tasks already started are left alone",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var p *plan.Plan
			var err error
			switch {
			case len(args) == 1:
				p, err = pf.load(args[0])
			case useBundled:
				if p, err = bundled.Plan(); err == nil {
					err = pf.correct(p)
				}
			default:
				return fmt.Errorf("plan launch: give a FILE or --bundled")
			}
			if err != nil {
				return err
			}
			if err := p.ReadyToLaunch(); err != nil {
				return err
			}
			// The ledger says which tasks were finished, even after Temporal's
			// retention removed them.
			store, err := a.openLedger(cmd.Context())
			if err != nil {
				return err
			}
			defer store.Close()
			tasks, err := board.Open(cmd.Context(), store)
			if err != nil {
				return err
			}
			// Each start is signed with the door key: a worker refuses a task
			// started without it.
			if _, err := a.useDoorKey(false); err != nil {
				return fmt.Errorf("plan launch signs each task's start with the door key, as the API does: %w", err)
			}
			// A server started a moment ago answers before it can start
			// tasks: wait for it, within --wait.
			c, err := a.dialWithin(cmd.Context(), wait)
			if err != nil {
				return fmt.Errorf("plan launch: %w", err)
			}
			defer c.Close()
			if err := starter.WaitReady(cmd.Context(), c, a.cfg.Temporal.Namespace, wait); err != nil {
				return fmt.Errorf("plan launch: %w", err)
			}
			opts := starter.Options{Concurrency: concurrency, Progress: progressLine(a.stderr, len(p.Tasks)), Ended: store.Ended, Board: tasks, Titles: store, ReadyWait: wait}
			if !pf.allowUnknown {
				reg, err := plan.DefaultRegistry()
				if err != nil {
					return err
				}
				opts.Known = starter.KnownIn(reg)
			}
			rep, err := starter.Launch(cmd.Context(), c, starter.Specs(p, a.cfg.Defaults), opts)
			if err == nil || rep.Started+rep.AlreadyRunning+rep.AlreadyClosed > 0 {
				fmt.Fprintf(a.stdout, "plan %s: %d started, %d already running, %d already closed\n",
					p.PlanID, rep.Started, rep.AlreadyRunning, rep.AlreadyClosed)
			}
			for _, why := range rep.NotStarted {
				fmt.Fprintln(a.stdout, "  "+why)
			}
			return err
		},
	}
	pf.bind(cmd)
	cmd.Flags().BoolVar(&useBundled, "bundled", false, "launch the bundled plan (internet-plus-2015)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 8, "workflow starts in flight")
	cmd.Flags().DurationVar(&wait, "wait", starter.DefaultReadyWait,
		"how long to wait for a Temporal server that is still starting (port not answering, namespace or search attributes not loaded yet)")
	return cmd
}

// dialWithin connects to Temporal, trying again for up to bound while it
// does not answer (a server still starting).
func (a *app) dialWithin(ctx context.Context, bound time.Duration) (client.Client, error) {
	deadline := time.Now().Add(bound)
	for attempt := 1; ; attempt++ {
		c, err := a.dial()
		if err == nil {
			return c, nil
		}
		wait := min(time.Duration(attempt)*200*time.Millisecond, 2*time.Second)
		if time.Now().Add(wait).After(deadline) {
			return nil, fmt.Errorf("%w (gave up after %s; --wait sets how long to wait)", err, bound)
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// progressLine prints a progress line for plans of more than 50 tasks.
func progressLine(w io.Writer, total int) func(done, total int) {
	if total <= 50 {
		return nil
	}
	return func(done, total int) {
		if done%50 == 0 || done == total {
			fmt.Fprintf(w, "\rlaunched %d/%d", done, total)
			if done == total {
				fmt.Fprintln(w)
			}
		}
	}
}
