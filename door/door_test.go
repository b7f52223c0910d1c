package door

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	c := Claim{Principal: Principal{Name: "miit", Role: RoleMinistry, Ministry: "miit"}, WorkflowID: "p/1.1",
		Update: "sign-off", UpdateID: "miit:sign-off:r1", IssuedAt: time.Now().UTC()}
	b, err := k.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := k.Verify(b)
	if err != nil || got.Ministry != "miit" || !got.IssuedAt.Equal(c.IssuedAt) {
		t.Fatalf("verify: %+v %v", got, err)
	}
	if _, err := other.Verify(b); err == nil {
		t.Error("a claim verified with another key")
	}
	forged := strings.Replace(string(b), `"ministry":"miit"`, `"ministry":"mof"`, 1)
	if _, err := k.Verify([]byte(forged)); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("an edited claim verified: %v", err)
	}
	if _, err := k.Verify([]byte("not json")); err == nil {
		t.Error("garbage verified")
	}
}

func TestEnsureKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "door.key")
	if _, err := LoadKey(path); err == nil || !strings.Contains(err.Error(), "tokens init") {
		t.Errorf("missing key: %v, want a plain hint", err)
	}
	k1, created, err := EnsureKey(path)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	k2, created, err := EnsureKey(path)
	if err != nil || created || string(k1) != string(k2) {
		t.Errorf("second EnsureKey: created %v, same %v, %v", created, string(k1) == string(k2), err)
	}
}
