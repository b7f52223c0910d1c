package console

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"lianxi/ledger"
)

// The proof routes hand out what a ministry keeps beside its receipt: an
// inclusion proof of its own decision and, for the office and auditors, a
// consistency proof between two signed checkpoints; both check with the
// log's public key alone.
func TestLedgerProofRoutes(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	if a := s.call("office", "GET", "/api/ledger/proof?seq=1", nil); a.status != http.StatusNotFound || a.err.Code != "no_checkpoint" {
		t.Fatalf("without the public key: %d %s", a.status, a.body)
	}
	key, err := ledger.LoadOrCreateKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.console.api.LedgerKey = key.VerifierKey()
	cps, err := ledger.NewCheckpointer(ctx, s.ledger, ledger.CheckpointOptions{Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	first, err := cps.Checkpoint(ctx) // the assignment
	if err != nil {
		t.Fatal(err)
	}
	sign := s.call("miit", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]string{"decision": "approve"}))
	if sign.status != 200 {
		t.Fatalf("sign-off: %d %s", sign.status, sign.body)
	}
	var receipt struct {
		Seq       int64
		LeafIndex int64  `json:"leaf_index"`
		LeafHash  string `json:"leaf_hash"`
	}
	_ = json.Unmarshal([]byte(sign.body), &receipt)
	second, err := cps.Checkpoint(ctx)
	if err != nil || second.Size <= first.Size {
		t.Fatalf("second checkpoint %d after %d: %v", second.Size, first.Size, err)
	}

	a := s.call("miit", "GET", "/api/ledger/proof?seq="+itoa(receipt.Seq), nil)
	var proof ledger.InclusionProof
	if a.status != 200 || json.Unmarshal([]byte(a.body), &proof) != nil {
		t.Fatalf("miit's proof: %d %s", a.status, a.body)
	}
	if receipt.LeafIndex != receipt.Seq-1 || receipt.LeafHash != proof.LeafHash || uint64(receipt.LeafIndex) != proof.LeafIndex {
		t.Errorf("the receipt places the record at leaf %d %s, the proof at %d %s", receipt.LeafIndex, receipt.LeafHash, proof.LeafIndex, proof.LeafHash)
	}
	if cp, err := ledger.CheckInclusion(proof, key.VerifierKey(), first, second); err != nil || cp.Size != second.Size || proof.Record.Ministry != "miit" {
		t.Errorf("the proof does not check offline: %v (size %d, record by %s)", err, cp.Size, proof.Record.Ministry)
	}
	other, _ := ledger.LoadOrCreateKey(t.TempDir())
	if _, err := ledger.CheckInclusion(proof, other.VerifierKey()); err == nil {
		t.Error("the proof checked against another log's key")
	}
	if a := s.call("mof", "GET", "/api/ledger/proof?seq="+itoa(receipt.Seq), nil); a.status != http.StatusForbidden {
		t.Errorf("mof asking for miit's proof: %d %s", a.status, a.body)
	}
	if a := s.call("miit", "GET", "/api/ledger/proof?seq=x", nil); a.status != http.StatusBadRequest || a.err.Field != "seq" {
		t.Errorf("a bad seq: %d %s", a.status, a.body)
	}

	c := s.call("auditor", "GET", "/api/ledger/consistency?from="+itoa(int64(first.Size))+"&to="+itoa(int64(second.Size)), nil)
	var cons ledger.ConsistencyProof
	if c.status != 200 || json.Unmarshal([]byte(c.body), &cons) != nil {
		t.Fatalf("consistency: %d %s", c.status, c.body)
	}
	if _, _, err := ledger.CheckConsistency(cons, key.VerifierKey()); err != nil {
		t.Errorf("the consistency proof does not check: %v", err)
	}
	if a := s.call("miit", "GET", "/api/ledger/consistency?from=1&to=2", nil); a.status != http.StatusForbidden {
		t.Errorf("a ministry asking for a consistency proof: %d", a.status)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
