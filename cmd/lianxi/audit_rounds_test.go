package main

import (
	"strings"
	"testing"
	"time"

	"lianxi/cycles"
)

// The timeline's round section names each round, its cycle (or that it was
// started by hand), its window, each reporter's standing and the report's
// ledger record; a task no round asked about prints no section.
func TestPrintRounds(t *testing.T) {
	from := time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	printRounds(&b, []cycles.TaskReport{
		{RoundKey: "2026-12-25", CycleID: "monthly", From: from, To: from.Add(240 * time.Hour), Ministry: "ndrc", State: cycles.StateReported, Seq: 42},
		{RoundKey: "special", From: from, To: from.Add(time.Hour), Ministry: "miit", State: cycles.StateMissing},
	})
	out := b.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || lines[0] != "REPORTING ROUNDS" {
		t.Fatalf("round section:\n%s", out)
	}
	for i, want := range [][]string{
		{"2026-12-25", "monthly", "ndrc", "reported", "#42", from.Local().Format("2006-01-02 15:04")},
		{"special", "(by hand)", "miit", "missing"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+2], w) {
				t.Errorf("line %d %q lacks %q", i+2, lines[i+2], w)
			}
		}
	}
	b.Reset()
	printRounds(&b, nil)
	if b.Len() != 0 {
		t.Errorf("no rounds printed %q", b.String())
	}
}
