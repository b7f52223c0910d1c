package identity

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// Principal is who a request acts as, with one token. A principal may hold
// several tokens at once (while one is rotated out, for instance): each is
// its own entry with the same name.
type Principal struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Ministry string `json:"ministry,omitempty"`
	// TokenSHA256 is the hex SHA-256 of the token; tokens are not stored.
	TokenSHA256 string `json:"token_sha256"`
	// IssuedAt, ExpiresAt and RevokedAt are absent in files written before
	// tokens could expire; no expiry means the token is good until revoked.
	IssuedAt  *time.Time `json:"issued_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// TokenID names one token without revealing it: the start of its hash.
func (p Principal) TokenID() string { return p.TokenSHA256[:12] }

// Active tells whether the token signs in at now.
func (p Principal) Active(now time.Time) bool {
	return p.RevokedAt == nil && (p.ExpiresAt == nil || now.Before(*p.ExpiresAt))
}

type principalsFile struct {
	Principals []Principal `json:"principals"`
}

// Principals is the server's view of who may sign in. It follows its file:
// a change (`lianxi tokens issue`, `revoke`, `rotate`, or an edit) is
// picked up within a second, without a restart; a file that no longer
// reads keeps the last good set and is reported.
type Principals struct {
	path string
	now  func() time.Time
	// OnReload, when set, hears of every reload attempt (err nil: loaded).
	OnReload func(n int, err error)

	mu      sync.Mutex
	byHash  map[string]Principal
	stat    os.FileInfo
	checked time.Time
}

// LoadPrincipals reads a principals file.
func LoadPrincipals(path string) (*Principals, error) {
	p := &Principals{path: path, now: time.Now}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("principals: %w", err)
	}
	byHash, err := readPrincipals(path)
	if err != nil {
		return nil, err
	}
	p.byHash, p.stat, p.checked = byHash, fi, p.now()
	return p, nil
}

func readPrincipals(path string) (map[string]Principal, error) {
	f, err := readPrincipalsFile(path)
	if err != nil {
		return nil, err
	}
	byHash := map[string]Principal{}
	for _, pr := range f.Principals {
		if len(pr.TokenSHA256) != 64 || (pr.Role == RoleMinistry) == (pr.Ministry == "") {
			return nil, fmt.Errorf("principals %s: entry %q is incomplete", path, pr.Name)
		}
		byHash[pr.TokenSHA256] = pr
	}
	return byHash, nil
}

func readPrincipalsFile(path string) (principalsFile, error) {
	var f principalsFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("principals: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("principals %s: %w", path, err)
	}
	return f, nil
}

// refresh rereads the file when it changed, looking at most once a second.
func (p *Principals) refresh() {
	p.mu.Lock()
	now := p.now()
	if now.Sub(p.checked) < time.Second {
		p.mu.Unlock()
		return
	}
	p.checked = now
	known := p.stat
	p.mu.Unlock()
	// The file is read with no lock held: a slow disk delays the request
	// that noticed the change, never every other request.
	fi, err := os.Stat(p.path)
	if err != nil || (os.SameFile(fi, known) && fi.ModTime().Equal(known.ModTime()) && fi.Size() == known.Size()) {
		return
	}
	byHash, err := readPrincipals(p.path)
	if err == nil {
		p.mu.Lock()
		p.byHash, p.stat = byHash, fi
		p.mu.Unlock()
	}
	if p.OnReload != nil {
		p.OnReload(len(byHash), err)
	}
}

// Authenticate finds the principal holding token, if the token is active.
func (p *Principals) Authenticate(token string) (Principal, bool) {
	if token == "" {
		return Principal{}, false
	}
	return p.Lookup(HashToken(token))
}

// Lookup finds the active principal whose token hashes to h; sessions
// use it on every request, so a revoked or expired token ends its
// sessions too. The map is keyed by the hash of a secret token, so its
// lookup time tells nothing about the token.
func (p *Principals) Lookup(h string) (Principal, bool) {
	p.refresh()
	p.mu.Lock()
	pr, ok := p.byHash[h]
	now := p.now()
	p.mu.Unlock()
	if !ok || !pr.Active(now) {
		return Principal{}, false
	}
	return pr, true
}

// Path is the principals file this set follows.
func (p *Principals) Path() string { return p.path }

// SetNow replaces the clock that expiry and the reload checks read (the
// wall clock by default), so a test can move past an expiry or the
// once-a-second look at the file.
func (p *Principals) SetNow(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}
