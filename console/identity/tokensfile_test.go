package identity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestRotationsAtOnceAllLand rotates every principal's token at the same
// moment: each new token is in tokens.json afterwards, none lost to
// another writer, and the file stays owner-only; a name the file does not
// hold, or a missing file, changes nothing.
func TestRotationsAtOnceAllLand(t *testing.T) {
	dir := t.TempDir()
	tokPath, prPath := filepath.Join(dir, "tokens.json"), filepath.Join(dir, "principals.json")
	var ministries []string
	for i := range 24 {
		ministries = append(ministries, fmt.Sprintf("m%02d", i))
	}
	if _, err := EnsureTokens(tokPath, prPath, ministries, nil); err != nil {
		t.Fatal(err)
	}
	names := append([]string{RoleOffice, RoleAuditor}, ministries...)
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			if ok, err := RecordRotated(tokPath, name, "new-"+name); err != nil || !ok {
				t.Errorf("rotate %s: %v %v", name, ok, err)
			}
		})
	}
	wg.Wait()
	var got Tokens
	b, err := os.ReadFile(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Office != "new-office" || got.Auditor != "new-auditor" {
		t.Errorf("office %q, auditor %q", got.Office, got.Auditor)
	}
	for _, m := range ministries {
		if got.Ministries[m] != "new-"+m {
			t.Errorf("%s: token %q, want the rotated one (lost to another writer)", m, got.Ministries[m])
		}
	}
	if fi, err := os.Stat(tokPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("tokens.json mode %v %v, want owner-only", fi.Mode(), err)
	}
	if ok, err := RecordRotated(tokPath, "nobody", "x"); ok || err != nil {
		t.Errorf("unknown name: %v %v, want no change", ok, err)
	}
	if ok, err := RecordRotated(filepath.Join(dir, "none.json"), RoleOffice, "x"); ok || err != nil {
		t.Errorf("missing file: %v %v, want no change", ok, err)
	}
}
