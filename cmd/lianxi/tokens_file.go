package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"lianxi/console/identity"
)

// updateTokensFile records a rotated token in <data>/tokens.json, so that
// `--as NAME` on a local install acts with the new token. It changes the
// file only when it exists and already holds a token for name (the office,
// the auditor or a ministry ID, as `lianxi dev` and `tokens init` write
// it); it reports whether it did. The file is replaced whole, owner-only.
func (a *app) updateTokensFile(name, token string) (bool, error) {
	path := a.cfg.TokensPath()
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var t identity.Tokens
	if err := json.Unmarshal(b, &t); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	switch _, ministry := t.Ministries[name]; {
	case name == identity.RoleOffice && t.Office != "":
		t.Office = token
	case name == identity.RoleAuditor && t.Auditor != "":
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
