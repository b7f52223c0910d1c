// Package console serves the HTTP API and the web console. Every request
// acts as one principal — the office, a ministry, or an auditor — known by
// a bearer token (API) or a session made from one (console). The acting
// ministry always comes from the principal, never from the request.
package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Roles of a principal.
const (
	RoleOffice   = "office"
	RoleMinistry = "ministry"
	RoleAuditor  = "auditor"
)

// Principal is who a request acts as.
type Principal struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Ministry string `json:"ministry,omitempty"`
	// TokenSHA256 is the hex SHA-256 of the token; tokens are not stored.
	TokenSHA256 string `json:"token_sha256"`
}

// Principals is the server's view of who may sign in.
type Principals struct {
	byHash map[string]Principal
}

type principalsFile struct {
	Principals []Principal `json:"principals"`
}

// LoadPrincipals reads a principals file.
func LoadPrincipals(path string) (*Principals, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("principals: %w", err)
	}
	var f principalsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("principals %s: %w", path, err)
	}
	p := &Principals{byHash: map[string]Principal{}}
	for _, pr := range f.Principals {
		if len(pr.TokenSHA256) != 64 || (pr.Role == RoleMinistry) == (pr.Ministry == "") {
			return nil, fmt.Errorf("principals %s: entry %q is incomplete", path, pr.Name)
		}
		p.byHash[pr.TokenSHA256] = pr
	}
	return p, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate finds the principal holding token.
func (p *Principals) Authenticate(token string) (Principal, bool) {
	if token == "" {
		return Principal{}, false
	}
	h := hashToken(token)
	pr, ok := p.byHash[h]
	if !ok || subtle.ConstantTimeCompare([]byte(pr.TokenSHA256), []byte(h)) != 1 {
		return Principal{}, false
	}
	return pr, true
}

// Tokens is the file handed to users: the plain tokens, owner-only.
type Tokens struct {
	Office     string            `json:"office"`
	Auditor    string            `json:"auditor"`
	Ministries map[string]string `json:"ministries"`
}

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// EnsureTokens creates tokens for the office, an auditor and every given
// ministry on first use, writing tokensPath (plain, 0600) and
// principalsPath (hashes only). Existing files are left alone.
func EnsureTokens(tokensPath, principalsPath string, ministries []string) (created bool, err error) {
	if _, err := os.Stat(principalsPath); err == nil {
		return false, nil
	}
	tok := Tokens{Ministries: map[string]string{}}
	var f principalsFile
	add := func(name, role, ministry string) (string, error) {
		t, err := newToken()
		if err != nil {
			return "", err
		}
		f.Principals = append(f.Principals, Principal{Name: name, Role: role, Ministry: ministry, TokenSHA256: hashToken(t)})
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

// session is a signed-in console user.
type session struct {
	id        string
	principal Principal
	csrf      string
	expires   time.Time
}

// sessions keeps console sessions in memory; a restart signs everyone out.
type sessions struct {
	mu sync.Mutex
	m  map[string]session
	// notices holds, by session ID, the message the next page shows.
	notices map[string]notice
	ttl     time.Duration
	now     func() time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{m: map[string]session{}, notices: map[string]notice{}, ttl: ttl, now: now}
}

func (s *sessions) create(p Principal) (id string, sess session, err error) {
	if id, err = newToken(); err != nil {
		return "", session{}, err
	}
	csrf, err := newToken()
	if err != nil {
		return "", session{}, err
	}
	sess = session{id: id, principal: p, csrf: csrf, expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if s.now().After(v.expires) {
			delete(s.m, k)
			delete(s.notices, k)
		}
	}
	s.m[id] = sess
	return id, sess, nil
}

func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.m[id]
	if !ok || s.now().After(sess.expires) {
		delete(s.m, id)
		return session{}, false
	}
	return sess, true
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	delete(s.notices, id)
}

// setNotice keeps n for the session's next page.
func (s *sessions) setNotice(id string, n notice) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[id]; ok {
		s.notices[id] = n
	}
}

// takeNotice returns the session's notice once.
func (s *sessions) takeNotice(id string) (notice, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notices[id]
	delete(s.notices, id)
	return n, ok
}
