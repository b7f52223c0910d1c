package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lianxi/testkit"
)

// readmeExamples are the README's command lines: the whole block after
// "Then, from another terminal:" (shell lines included, such as the one
// that makes the attachment) and every other `go run ./cmd/lianxi` line.
func readmeExamples(t *testing.T) (run string, lines []string) {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	inBlock, afterTerminal := false, false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "```"):
			if inBlock {
				afterTerminal = false
			}
			inBlock = !inBlock
		case strings.HasPrefix(line, "Then, from another terminal"):
			afterTerminal = true
		case !inBlock || line == "" || strings.HasPrefix(line, "#"):
		case line == "go run ./cmd/lianxi dev":
			run = line
		case afterTerminal || strings.HasPrefix(line, "go run ./cmd/lianxi "):
			lines = append(lines, line)
		}
	}
	if run == "" || len(lines) < 5 {
		t.Fatalf("README.md: the run line %q and %d examples found; the test reads the block after \"Then, from another terminal:\"", run, len(lines))
	}
	return run, lines
}

// shellWords splits a command line as sh would for these examples: words
// apart at blanks, quotes kept together and removed.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote in %q", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// Every README example runs as written against `lianxi dev`: the lines are
// read from README.md, `go run ./cmd/lianxi` becomes the in-process CLI
// with the dev server's folder and addresses in the environment (as a user
// on other ports would set them), other lines run in sh, all in one
// working folder. Then `tokens rotate` on this local install: --as follows
// the new token, the old one works only through its grace, and a token
// the API refuses is explained.
func TestReadmeExamplesAndTokens(t *testing.T) {
	run, examples := readmeExamples(t)
	dir, addr := t.TempDir(), freeAddress(t)
	dev := startDev(t, dir, addr)
	defer dev.stop(t)
	env := map[string]string{"LIANXI_DATA": dir, "LIANXI_SERVER": "http://" + dev.http, "TEMPORAL_ADDRESS": addr, "LIANXI_LOG_LEVEL": "error"}
	cli := func(args ...string) result {
		var out, errb bytes.Buffer
		code := runCLI(context.Background(), args, &out, &errb, env)
		return result{code, out.String(), errb.String()}
	}
	testkit.EventuallyWithin(t, devBound, run+": 25 tasks listed", func() (bool, string) {
		r := cli("task", "list", "--plan", "internet-plus-2015", "--json")
		var list []map[string]any
		return r.code == 0 && json.Unmarshal([]byte(r.stdout), &list) == nil && len(list) == 25, fmt.Sprintf("exit %d %s", r.code, tail(r.stderr))
	})
	work := t.TempDir()
	t.Chdir(work)
	// What each example must say besides exiting 0.
	wants := map[string]string{"task list": "1.2", "task show": "1.2", "audit verify": "OK:", "audit timeline": "review"}
	for _, line := range examples {
		words, err := shellWords(line)
		if err != nil {
			t.Fatal(err)
		}
		if len(words) < 3 || strings.Join(words[:3], " ") != "go run ./cmd/lianxi" {
			sh := exec.Command("sh", "-c", line)
			sh.Dir = work
			if out, err := sh.CombinedOutput(); err != nil {
				t.Fatalf("README line %q: %v %s", line, err, out)
			}
			continue
		}
		r := cli(words[3:]...)
		if r.code != 0 {
			t.Fatalf("README example %q: exit %d\n%s%s", line, r.code, r.stdout, r.stderr)
		}
		verb := strings.Join(words[3:min(5, len(words))], " ")
		if want, ok := wants[verb]; ok && !strings.Contains(r.stdout, want) {
			t.Errorf("README example %q: output lacks %q:\n%s", line, want, r.stdout)
		}
		t.Logf("%s: exit 0, %d bytes out", line, len(r.stdout))
	}
	if _, err := os.Stat(filepath.Join(work, "联合报告.txt")); err != nil {
		t.Errorf("the README's attach example did not make its file: %v", err)
	}
	t.Run("tokens rotate", func(t *testing.T) { rotateOnLocalInstall(t, cli, dir) })
}

// runCLI runs the command line in-process with env as its environment.
func runCLI(ctx context.Context, args []string, stdout, stderr *bytes.Buffer, env map[string]string) int {
	return run(ctx, args, stdout, stderr, func(k string) string { return env[k] })
}
