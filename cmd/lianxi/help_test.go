package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// placeholder is what a back-quoted word in a flag's usage may be: pflag
// shows it as the value's name, so it must read as one (HOST:PORT, a URL
// pattern), never as words of the sentence.
var placeholder = regexp.MustCompile(`^([a-z]+://)?[A-Z0-9_:/@.\-]+$`)

// helpOf runs `lianxi <path> --help` and returns what it printed.
func helpOf(t *testing.T, path ...string) string {
	t.Helper()
	var out bytes.Buffer
	root, err := newRoot(&out, &out, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	root.SetArgs(append(path, "--help"))
	if err := root.Execute(); err != nil {
		t.Fatalf("%v --help: %v", path, err)
	}
	return out.String()
}

// Every command's help: placeholders that read as value names, and an
// example for every verb.
func TestHelpPlaceholdersAndExamples(t *testing.T) {
	root, err := newRoot(&bytes.Buffer{}, &bytes.Buffer{}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			if !strings.Contains(f.Usage, "`") {
				return
			}
			if name, _ := pflag.UnquoteUsage(f); !placeholder.MatchString(name) {
				t.Errorf("%s --%s: help shows the placeholder %q", c.CommandPath(), f.Name, name)
			}
		}
		c.LocalFlags().VisitAll(check)
		c.PersistentFlags().VisitAll(check)
		if c.Runnable() && !c.Hidden && c.Name() != "help" && c.Name() != "probe" && c.Example == "" {
			t.Errorf("%s has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// A verb's help lists the settings it reads and not the others; the
// others stay accepted, and `lianxi dev` and `lianxi options` list all.
func TestHelpShowsOnlyTheSettingsACommandReads(t *testing.T) {
	help := helpOf(t, "task", "sign")
	for _, want := range []string{"--as", "--server", "--token", "--attach", "--data", "Examples:", "lianxi task sign internet-plus-2015/1.2 --as miit"} {
		if !strings.Contains(help, want) {
			t.Errorf("task sign --help lacks %s:\n%s", want, help)
		}
	}
	for _, not := range []string{"--retention", "--temporal-db", "--http-addr", "--webhooks", "--ui-addr", "--sign-off-period", "--temporal-tls"} {
		if strings.Contains(help, not) {
			t.Errorf("task sign --help lists %s, which it does not read", not)
		}
	}
	server := helpOf(t, "server")
	if !strings.Contains(server, "--temporal-db postgres://USER:PASS@HOST:PORT/DB") || strings.Contains(server, "--attachment-max-mib") {
		t.Errorf("server --help:\n%s", server)
	}
	dev := helpOf(t, "dev")
	for _, want := range []string{"--retention", "--attachment-grace", "--ui-addr HOST:PORT", "--temporal-address HOST:PORT"} {
		if !strings.Contains(dev, want) {
			t.Errorf("dev --help lacks %s", want)
		}
	}
	var out bytes.Buffer
	root, _ := newRoot(&out, &out, func(string) string { return "" })
	root.SetArgs([]string{"options"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "--retention") || !strings.Contains(out.String(), "--http-addr") {
		t.Errorf("options: %v\n%s", err, out.String())
	}
	// A hidden setting is still accepted.
	root, _ = newRoot(&out, &out, func(string) string { return "" })
	sign, _, err := root.Find([]string{"task", "sign"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.ParseFlags([]string{"--retention", "10d"}); err != nil {
		t.Errorf("a setting left out of a verb's help: %v", err)
	}
	if plan := helpOf(t, "plan", "parse"); strings.Contains(plan, "--json plan launch") || !strings.Contains(plan, "--json ") {
		t.Errorf("plan parse --help:\n%s", plan)
	}
}
