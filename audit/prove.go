package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"lianxi/ledger"
)

// Offline proofs: what a ministry or an auditor checks with files alone —
// the log's public key, a proof the office handed out, and whatever
// checkpoints they kept themselves — and no database, no Temporal, no
// office. Kept checkpoints matter: a proof only shows the record is in the
// tree the office signed; a kept checkpoint of the same size with another
// root shows the office signed two histories.

// ReadPublicKey takes the log's verifier key from a file, or as given when
// the argument is itself a verifier key.
func ReadPublicKey(fileOrKey string) (string, error) {
	if _, err := note.NewVerifier(fileOrKey); err == nil {
		return fileOrKey, nil
	}
	b, err := os.ReadFile(fileOrKey)
	if err != nil {
		return "", fmt.Errorf("ledger public key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// ReadKept reads the checkpoints in path (a checkpoints file or one signed
// note), each checked against vkey; no path means none kept.
func ReadKept(path, vkey string) ([]ledger.Checkpoint, error) {
	if path == "" {
		return nil, nil
	}
	return ledger.ReadCheckpoints(path, vkey)
}

// CheckInclusionFile checks the inclusion proof in proofFile offline.
func CheckInclusionFile(proofFile, vkey string, kept []ledger.Checkpoint) (ledger.InclusionProof, ledger.Checkpoint, error) {
	var p ledger.InclusionProof
	if err := readJSON(proofFile, &p); err != nil {
		return p, ledger.Checkpoint{}, err
	}
	if p.Checkpoint == "" {
		return p, ledger.Checkpoint{}, fmt.Errorf("%s: not an inclusion proof (no checkpoint in it)", proofFile)
	}
	cp, err := ledger.CheckInclusion(p, vkey, kept...)
	return p, cp, err
}

// CheckConsistencyFile checks the consistency proof in proofFile offline.
func CheckConsistencyFile(proofFile, vkey string, kept []ledger.Checkpoint) (older, newer ledger.Checkpoint, err error) {
	var p ledger.ConsistencyProof
	if err := readJSON(proofFile, &p); err != nil {
		return older, newer, err
	}
	if p.Old == "" || p.New == "" {
		return older, newer, fmt.Errorf("%s: not a consistency proof (it needs both checkpoints)", proofFile)
	}
	return ledger.CheckConsistency(p, vkey, kept...)
}

// WriteProof writes a proof as indented JSON, refusing to overwrite: a
// proof is evidence, kept as it was handed out.
func WriteProof(path string, proof any) error {
	b, err := json.MarshalIndent(proof, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write proof: %s exists; choose another file", path)
	}
	if err != nil {
		return fmt.Errorf("write proof: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write proof: %w", err)
	}
	return f.Close()
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
