package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

// An auditor's session: sign a checkpoint, hand out a proof, cut the
// ledger's tail. `audit verify` names the checkpoint and the missing
// records; `audit prove` checks the proof with the public key and a kept
// checkpoint alone, with no data folder at all, and refuses it under
// another log's key.
func TestAuditVerifyAndProveAgainstCheckpoints(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	seedN(t, dir, 9)
	r := lianxi(ctx, "audit", "checkpoint", "--data", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "\n9\n") {
		t.Fatalf("checkpoint: %d %q %q", r.code, r.stdout, r.stderr)
	}
	pub := lianxi(ctx, "audit", "checkpoint", "--public-key", "--data", dir)
	if pub.code != 0 || !strings.HasPrefix(pub.stdout, "lianxi.ledger/") {
		t.Fatalf("public key: %d %q", pub.code, pub.stdout)
	}
	// What a ministry keeps, away from the office's data folder.
	away := t.TempDir()
	keep := func(name, text string) string {
		p := filepath.Join(away, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	kept := keep("checkpoint.txt", r.stdout)
	receipt := filepath.Join(away, "receipt-4.json")
	if r := lianxi(ctx, "audit", "prove", "--seq", "4", "--out", receipt, "--data", dir); r.code != 0 {
		t.Fatalf("prove: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := lianxi(ctx, "audit", "verify", "--data", dir); r.code != 0 || !strings.Contains(r.stdout, "OK: 1 checkpoints") {
		t.Fatalf("untouched ledger: %d %q %q", r.code, r.stdout, r.stderr)
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER decisions_no_delete`, `DELETE FROM decisions WHERE seq > 6`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r = lianxi(ctx, "audit", "verify", "--data", dir, "--checkpoints", kept, "--pubkey", strings.TrimSpace(pub.stdout))
	if r.code != 1 || !strings.Contains(r.stdout, "OK: 6 records") || !strings.Contains(r.stdout, "checkpoint 9/") ||
		!strings.Contains(r.stdout, "records #7 to #9 are missing") {
		t.Errorf("truncated ledger: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	nowhere := filepath.Join(t.TempDir(), "no-data")
	r = lianxi(ctx, "audit", "prove", "--receipt", receipt, "--checkpoint", kept, "--pubkey", strings.TrimSpace(pub.stdout), "--data", nowhere)
	if r.code != 0 || !strings.Contains(r.stdout, "OK: record #4") {
		t.Errorf("offline proof: %d %q %q", r.code, r.stdout, r.stderr)
	}
	other, err := ledger.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r = lianxi(ctx, "audit", "prove", "--receipt", receipt, "--pubkey", other.VerifierKey(), "--data", nowhere)
	if r.code != 1 || !strings.Contains(r.stdout, "PROOF FAILED") {
		t.Errorf("proof under another log's key: %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// seedN appends n decisions through the real ledger.
func seedN(t *testing.T, dir string, n int) {
	t.Helper()
	store, err := ledger.OpenSQLite(context.Background(), filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i := 1; i <= n; i++ {
		if _, err := store.Append(context.Background(), ledger.Entry{
			DecisionID: fmt.Sprint("d", i), WorkflowID: "p/1.1", RunID: "r", PlanID: "p", TaskNo: "1.1",
			Round: 1, Kind: domain.KindSignOff, Ministry: "ndrc", At: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
	}
}
