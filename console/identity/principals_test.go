package identity

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// clock is a settable time for the principals' expiry and reload checks.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestIssueRevokeRotateWithoutRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "principals.json")
	clk := &clock{t: time.Now()}
	office, _, err := IssueToken(path, Issue{Role: RoleOffice}, clk.t)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPrincipals(path)
	if err != nil {
		t.Fatal(err)
	}
	p.SetNow(clk.now)
	reloads := 0
	p.OnReload = func(int, error) { reloads++ }
	if pr, ok := p.Authenticate(office); !ok || pr.Name != RoleOffice {
		t.Fatalf("office token: %v %v", pr, ok)
	}

	// A ministry's token issued while serving signs in after the next check.
	miit, pr, err := IssueToken(path, Issue{Role: RoleMinistry, Ministry: "miit", ExpiresIn: 90 * 24 * time.Hour}, clk.t)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Name != "miit" || pr.ExpiresAt == nil {
		t.Errorf("issued %+v", pr)
	}
	clk.advance(2 * time.Second)
	if got, ok := p.Authenticate(miit); !ok || got.Ministry != "miit" || reloads != 1 {
		t.Fatalf("new ministry token: %v %v (reloads %d)", got, ok, reloads)
	}

	// Rotation with a grace period: both work until it ends, then only the new.
	miit2, _, err := RotateToken(path, "miit", time.Hour, 0, clk.t)
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(2 * time.Second)
	for _, tok := range []string{miit, miit2} {
		if _, ok := p.Authenticate(tok); !ok {
			t.Errorf("during the grace period, a miit token was refused")
		}
	}
	clk.advance(time.Hour)
	if _, ok := p.Authenticate(miit); ok {
		t.Error("the rotated-out token still signs in after the grace period")
	}
	if _, ok := p.Authenticate(miit2); !ok {
		t.Error("the new token is refused")
	}

	// Revocation by principal name; the entry stays as a record.
	if revoked, err := RevokeTokens(path, "miit", clk.t); err != nil || len(revoked) != 1 {
		t.Fatalf("revoke: %v %v", revoked, err)
	}
	clk.advance(2 * time.Second)
	if _, ok := p.Authenticate(miit2); ok {
		t.Error("a revoked token still signs in")
	}
	if _, err := RevokeTokens(path, "miit", clk.t); !errors.Is(err, ErrNoSuchToken) {
		t.Errorf("revoking again: %v", err)
	}
	all, _ := ListPrincipals(path)
	if len(all) != 3 {
		t.Errorf("the file keeps %d entries, want 3 (office, two miit)", len(all))
	}

	// Expiry alone ends a token.
	clk.advance(91 * 24 * time.Hour)
	exp, _, _ := IssueToken(path, Issue{Role: RoleAuditor, ExpiresIn: time.Hour}, clk.t)
	clk.advance(2 * time.Second)
	if _, ok := p.Authenticate(exp); !ok {
		t.Error("a fresh auditor token is refused")
	}
	clk.advance(2 * time.Hour)
	if _, ok := p.Authenticate(exp); ok {
		t.Error("an expired token signs in")
	}

	// A broken file keeps the last good set and is reported.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var reported error
	p.OnReload = func(_ int, err error) { reported = err }
	clk.advance(2 * time.Second)
	if _, ok := p.Authenticate(office); !ok || reported == nil {
		t.Errorf("after a broken edit: office refused (%v) or not reported (%v)", ok, reported)
	}
}

func TestIssueRefusesWhatCannotSignIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "principals.json")
	for _, is := range []Issue{
		{Role: RoleMinistry},
		{Role: "minister", Ministry: "miit"},
		{Role: RoleOffice, Ministry: "miit"},
	} {
		if _, _, err := IssueToken(path, is, time.Now()); err == nil {
			t.Errorf("%+v: issued", is)
		}
	}
	if _, _, err := IssueToken(path, Issue{Role: RoleMinistry, Ministry: "miit"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := IssueToken(path, Issue{Role: RoleOffice, Name: "miit"}, time.Now()); err == nil {
		t.Error("the name of a ministry's principal was given to the office")
	}
	if _, _, err := RotateToken(path, "nobody", 0, 0, time.Now()); !errors.Is(err, ErrNoSuchToken) {
		t.Errorf("rotate unknown: %v", err)
	}
}
