// Package door makes the HTTP API the one door for human actions. The API
// authenticates a person by token; when it sends the action to Temporal as
// a workflow update, a client interceptor attaches a claim — who acts, in
// which role, on which task, with which update and which request body —
// signed with a key that the API and the workers share. A worker interceptor
// checks the claim before any validator runs: an update without a valid
// claim, with a claim for another task, update or body, or naming a ministry
// other than the claim's, is rejected and leaves nothing in the workflow's
// history. Starts are signed the same way: a task started without a valid
// claim for its workflow ID and its exact input (or with a carried state,
// which only the workflow's own continue-as-new may pass) fails at once,
// before it records or notifies anything.
//
// Anyone holding only Temporal credentials can therefore read tasks but not
// act on them in a ministry's (or the office's) name. Validators do not run
// when a history is replayed, so audits replay without the key.
package door

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"lianxi/domain"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// HeaderKey is the Temporal header that carries the signed claim.
const HeaderKey = "lianxi-principal"

// ErrTypeUnauthorized is the application error type of an update the
// worker refused because its claim is missing, forged or does not fit.
const ErrTypeUnauthorized = "Unauthorized"

// Validity is how long a signed claim is accepted after it was issued
// (and how far the API's clock may run ahead of the worker's).
const Validity = 10 * time.Minute

// Roles a claim can carry, and the console's principals (it names these).
const (
	RoleOffice   = "office"
	RoleMinistry = "ministry"
	RoleAuditor  = "auditor"
)

// Principal is who the API authenticated.
type Principal struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Ministry string `json:"ministry,omitempty"`
}

// Claim is a principal bound to one update (or the start) of one task, with
// what it asks, at one time.
type Claim struct {
	Principal
	WorkflowID string `json:"workflow_id"`
	// Update is the update's name, or Start for the task's start.
	Update   string `json:"update"`
	UpdateID string `json:"update_id,omitempty"`
	// Input is the SHA-256 of the request (or start input) as JSON, so a
	// claim cannot be replayed with another body.
	Input    string    `json:"input,omitempty"`
	IssuedAt time.Time `json:"issued_at"`
}

// Start is the Update of a claim that starts a task.
const Start = "start"

// Launcher is the principal of starts made by a process holding the key
// without a person behind the request (lianxi dev launching the bundled
// plan, lianxi plan launch).
var Launcher = Principal{Name: "launcher", Role: RoleOffice}

// InputHash is the SHA-256, in hex, of a request's JSON: what a claim binds.
func InputHash(v any) (string, error) { return domain.RequestHash(v) }

// signed is the header's form: the claim and its MAC.
type signed struct {
	Claim Claim  `json:"claim"`
	MAC   string `json:"mac"`
}

// Key is the shared secret that signs claims.
type Key []byte

// KeySize is the length of a key in bytes.
const KeySize = 32

// NewKey makes a random key.
func NewKey() (Key, error) {
	k := make(Key, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return k, nil
}

// LoadKey reads a key file (hex). A missing file is reported plainly, with
// what creates one.
func LoadKey(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("door key %s does not exist: `lianxi tokens init` (or the first `lianxi dev`) creates it; the API (serve) and every worker need the same key", path)
	}
	if err != nil {
		return nil, fmt.Errorf("door key: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("door key %s: want %d bytes in hex", path, KeySize)
	}
	return k, nil
}

// EnsureKey loads the key file, creating it (owner-only) when missing.
func EnsureKey(path string) (k Key, created bool, err error) {
	if _, err := os.Stat(path); err == nil {
		k, err := LoadKey(path)
		return k, false, err
	}
	if k, err = NewKey(); err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // created by a process starting beside this one
			k, err := LoadKey(path)
			return k, false, err
		}
		return nil, false, fmt.Errorf("door key: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(k) + "\n"); err != nil {
		return nil, false, fmt.Errorf("door key: %w", err)
	}
	return k, true, nil
}

func (k Key) mac(c Claim) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil)), nil
}

// Grant is the key's MAC over a grant message (domain.GrantMessage): the
// office's standing permission, given when it creates a cycle, for the
// cycle's schedule to start its rounds without anyone signing each.
func (k Key) Grant(msg []byte) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("lianxi grant\n"))
	m.Write(msg)
	return hex.EncodeToString(m.Sum(nil))
}

// CheckGrant reports whether g is the key's grant for msg.
func (k Key) CheckGrant(msg []byte, g string) bool {
	want, err := hex.DecodeString(g)
	if err != nil || g == "" {
		return false
	}
	got, _ := hex.DecodeString(k.Grant(msg))
	return hmac.Equal(want, got)
}

// Sign encodes a claim with its MAC.
func (k Key) Sign(c Claim) ([]byte, error) {
	mac, err := k.mac(c)
	if err != nil {
		return nil, err
	}
	return json.Marshal(signed{Claim: c, MAC: mac})
}

// Verify decodes a signed claim and checks its MAC.
func (k Key) Verify(b []byte) (Claim, error) {
	var s signed
	if err := json.Unmarshal(b, &s); err != nil {
		return Claim{}, fmt.Errorf("malformed principal header: %w", err)
	}
	want, err := k.mac(s.Claim)
	if err != nil {
		return Claim{}, err
	}
	got, err := hex.DecodeString(s.MAC)
	if err != nil || !hmac.Equal(got, mustHex(want)) {
		return Claim{}, errors.New("the principal header's signature does not match")
	}
	return s.Claim, nil
}

func mustHex(s string) []byte { b, _ := hex.DecodeString(s); return b }
