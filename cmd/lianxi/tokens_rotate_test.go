package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/console/identity"
	"lianxi/testkit"
)

// rotateOnLocalInstall checks, against a running `lianxi dev` on dir, that
// `tokens rotate` writes the new token to tokens.json, that --as uses it,
// that the old token stops after its grace, and that a token the API
// refuses is reported with the file it came from and what to do.
func rotateOnLocalInstall(t *testing.T, cli func(args ...string) result, dir string) {
	path := filepath.Join(dir, "tokens.json")
	read := func() identity.Tokens {
		t.Helper()
		var tok identity.Tokens
		b, err := os.ReadFile(path)
		if err == nil {
			err = json.Unmarshal(b, &tok)
		}
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	before := read()
	old := before.Ministries["miit"]
	grace := 4 * time.Second
	r := cli("tokens", "rotate", "miit", "--grace", grace.String())
	rotated := time.Now()
	if r.code != 0 {
		t.Fatalf("tokens rotate miit: exit %d %s", r.code, r.stderr)
	}
	fresh := strings.TrimSpace(r.stdout)
	after := read()
	if after.Ministries["miit"] != fresh || fresh == old || !strings.Contains(r.stderr, path) {
		t.Fatalf("after rotate, tokens.json holds %.8s… for miit, want the new %.8s… (old %.8s…); stderr %q", after.Ministries["miit"], fresh, old, r.stderr)
	}
	if after.Office != before.Office || after.Ministries["ndrc"] != before.Ministries["ndrc"] || after.Names["miit"] != before.Names["miit"] {
		t.Error("rotating miit changed other entries of tokens.json")
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("tokens.json mode after rotate: %v %v, want 0600", info.Mode(), err)
	}
	list := []string{"task", "list", "--plan", "internet-plus-2015"}
	// serve rereads the principals within a second.
	testkit.EventuallyWithin(t, 10*time.Second, "--as miit acts with the new token", func() (bool, string) {
		r := cli(append(list, "--as", "miit")...)
		return r.code == 0, r.stderr
	})
	if r := cli(append(list, "--token", old)...); r.code != 0 && time.Since(rotated) < grace-time.Second {
		t.Errorf("the old token is refused within its grace: %s", r.stderr)
	}
	testkit.EventuallyWithin(t, grace+10*time.Second, "the old token refused after its grace", func() (bool, string) {
		r := cli(append(list, "--token", old)...)
		return r.code == 1 && strings.Contains(r.stderr, "missing or unknown bearer token"), r.stderr
	})

	// A token tokens.json still holds but the API no longer accepts.
	if r := cli("tokens", "revoke", "nea"); r.code != 0 {
		t.Fatalf("tokens revoke nea: exit %d %s", r.code, r.stderr)
	}
	testkit.EventuallyWithin(t, 10*time.Second, "--as nea explains the refused token", func() (bool, string) {
		r := cli(append(list, "--as", "nea")...)
		return r.code == 1 && strings.Contains(r.stderr, path) && strings.Contains(r.stderr, "lianxi tokens rotate nea"), r.stderr
	})
}
