package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// RecordRotated writes a rotated token into a tokens file (tokens.json, as
// EnsureTokens writes it), so that a local `--as NAME` acts with the new
// token. It changes the file only when the file exists and already holds a
// token for name (the office, the auditor or a ministry ID), and reports
// whether it did. Writers take the file's lock, so two rotations at once
// both land, and the file is replaced whole, owner-only, so a reader sees
// the old file or the new one.
func RecordRotated(path, name, token string) (bool, error) {
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var t Tokens
	if err := json.Unmarshal(b, &t); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	switch _, ministry := t.Ministries[name]; {
	case name == RoleOffice && t.Office != "":
		t.Office = token
	case name == RoleAuditor && t.Auditor != "":
		t.Auditor = token
	case ministry:
		t.Ministries[name] = token
	default:
		return false, nil
	}
	out, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return false, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokens-*.json")
	if err != nil {
		return false, fmt.Errorf("update %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return false, fmt.Errorf("update %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("update %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("update %s: %w", path, err)
	}
	return true, nil
}
