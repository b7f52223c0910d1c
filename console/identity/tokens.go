package identity

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Issue describes a token to add to a principals file.
type Issue struct {
	// Name is the principal; default: the ministry ID, or the role for the
	// office and auditors.
	Name     string
	Role     string
	Ministry string
	// ExpiresIn, when positive, limits the token's life.
	ExpiresIn time.Duration
}

// ErrNoSuchToken is returned when a revoke or rotate matches no active token.
var ErrNoSuchToken = errors.New("no active token matches")

// IssueToken adds a new token to the principals file (creating the file
// when missing) and returns it: the only time it is seen in plain.
func IssueToken(path string, is Issue, now time.Time) (string, Principal, error) {
	switch is.Role {
	case RoleMinistry:
		if is.Ministry == "" {
			return "", Principal{}, errors.New("a ministry's token needs --ministry ID")
		}
	case RoleOffice, RoleAuditor:
		if is.Ministry != "" {
			return "", Principal{}, fmt.Errorf("--ministry is for the ministry role, not %s", is.Role)
		}
	default:
		return "", Principal{}, fmt.Errorf("role %q: want office, ministry or auditor", is.Role)
	}
	if is.Name == "" {
		is.Name = is.Role
		if is.Role == RoleMinistry {
			is.Name = is.Ministry
		}
	}
	var token string
	var pr Principal
	err := editPrincipals(path, true, func(f *principalsFile) error {
		for _, old := range f.Principals {
			if old.Name == is.Name && (old.Role != is.Role || old.Ministry != is.Ministry) {
				return fmt.Errorf("principal %q is already a %s %s: choose another --name", is.Name, old.Role, old.Ministry)
			}
		}
		var err error
		if token, err = NewToken(); err != nil {
			return err
		}
		pr = newPrincipal(is.Name, is.Role, is.Ministry, token, now, is.ExpiresIn)
		f.Principals = append(f.Principals, pr)
		return nil
	})
	return token, pr, err
}

func newPrincipal(name, role, ministry, token string, now time.Time, expiresIn time.Duration) Principal {
	issued := now.UTC().Truncate(time.Second)
	pr := Principal{Name: name, Role: role, Ministry: ministry, TokenSHA256: HashToken(token), IssuedAt: &issued}
	if expiresIn > 0 {
		exp := issued.Add(expiresIn)
		pr.ExpiresAt = &exp
	}
	return pr
}

// RevokeTokens revokes the active tokens whose ID (see Principal.TokenID)
// or principal name is match. The entries stay in the file, marked, as a
// record of who held a token when.
func RevokeTokens(path, match string, now time.Time) ([]Principal, error) {
	var revoked []Principal
	err := editPrincipals(path, false, func(f *principalsFile) error {
		at := now.UTC().Truncate(time.Second)
		for i, pr := range f.Principals {
			if (pr.TokenID() == match || pr.Name == match) && pr.Active(now) {
				f.Principals[i].RevokedAt = &at
				revoked = append(revoked, f.Principals[i])
			}
		}
		if len(revoked) == 0 {
			return fmt.Errorf("%w %q (`lianxi tokens list` shows IDs and names)", ErrNoSuchToken, match)
		}
		return nil
	})
	return revoked, err
}

// RotateToken gives the principal name a new token. Its active tokens
// stop working after grace (at once when grace is zero), so holders can
// switch without a gap.
func RotateToken(path, name string, grace, expiresIn time.Duration, now time.Time) (string, Principal, error) {
	var token string
	var pr Principal
	err := editPrincipals(path, false, func(f *principalsFile) error {
		var old *Principal
		end := now.UTC().Truncate(time.Second).Add(grace)
		for i := range f.Principals {
			p := &f.Principals[i]
			if p.Name != name || !p.Active(now) {
				continue
			}
			old = p
			if grace <= 0 {
				p.RevokedAt = &end
			} else if p.ExpiresAt == nil || p.ExpiresAt.After(end) {
				p.ExpiresAt = &end
			}
		}
		if old == nil {
			return fmt.Errorf("%w principal %q", ErrNoSuchToken, name)
		}
		var err error
		if token, err = NewToken(); err != nil {
			return err
		}
		pr = newPrincipal(name, old.Role, old.Ministry, token, now, expiresIn)
		f.Principals = append(f.Principals, pr)
		return nil
	})
	return token, pr, err
}

// ListPrincipals reads every entry of the file, active or not.
func ListPrincipals(path string) ([]Principal, error) {
	f, err := readPrincipalsFile(path)
	return f.Principals, err
}

// editPrincipals changes the file under an exclusive lock (two operators
// at once do not lose each other's change) and replaces it atomically, so
// a serve process that rereads it sees the old file or the new one.
func editPrincipals(path string, create bool, change func(*principalsFile) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := readPrincipalsFile(path)
	if err != nil && !(create && errors.Is(err, os.ErrNotExist)) {
		return err
	}
	if err := change(&f); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	tmp := path + ".new"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
