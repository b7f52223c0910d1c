package identity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Tokens is the file handed to users: the plain tokens, owner-only.
type Tokens struct {
	Office     string            `json:"office"`
	Auditor    string            `json:"auditor"`
	Ministries map[string]string `json:"ministries"`
	// Names gives each ministry ID of Ministries its Chinese name, for
	// whoever hands the tokens out. A separate map keeps Ministries as it
	// was (ID to token), so readers of earlier files still read this one.
	Names map[string]string `json:"names,omitempty"`
}

// EnsureTokens creates tokens for the office, an auditor and every given
// ministry on first use, writing tokensPath (plain, 0600) and
// principalsPath (hashes only); name, when given, names each ministry in
// Chinese in tokens.json. Existing files are left alone.
func EnsureTokens(tokensPath, principalsPath string, ministries []string, name func(id string) string) (created bool, err error) {
	if _, err := os.Stat(principalsPath); err == nil {
		return false, nil
	}
	tok := Tokens{Ministries: map[string]string{}}
	if name != nil {
		tok.Names = map[string]string{}
		for _, m := range ministries {
			if n := name(m); n != "" {
				tok.Names[m] = n
			}
		}
	}
	var f principalsFile
	now := time.Now().UTC().Truncate(time.Second)
	add := func(name, role, ministry string) (string, error) {
		t, err := NewToken()
		if err != nil {
			return "", err
		}
		f.Principals = append(f.Principals, Principal{Name: name, Role: role, Ministry: ministry, TokenSHA256: HashToken(t), IssuedAt: &now})
		return t, nil
	}
	if tok.Office, err = add(RoleOffice, RoleOffice, ""); err != nil {
		return false, err
	}
	if tok.Auditor, err = add(RoleAuditor, RoleAuditor, ""); err != nil {
		return false, err
	}
	for _, m := range ministries {
		if tok.Ministries[m], err = add(m, RoleMinistry, m); err != nil {
			return false, err
		}
	}
	for path, v := range map[string]any{tokensPath: tok, principalsPath: f} {
		b, _ := json.MarshalIndent(v, "", "  ")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return false, err
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
			return false, fmt.Errorf("write %s: %w", path, err)
		}
	}
	return true, nil
}
