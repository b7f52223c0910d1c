// Package identity knows who a request acts as: the principals file (who
// holds which token, by its hash), the tokens handed out and their issue,
// rotation and revocation, and the console's sessions made from a token.
// It decides nothing about what a principal may do; the console's routes
// name the roles they admit.
package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"lianxi/door"
)

// Roles of a principal: the door's, which signs them into claims, so a
// session and a claim can never name a role differently.
const (
	RoleOffice   = door.RoleOffice
	RoleMinistry = door.RoleMinistry
	RoleAuditor  = door.RoleAuditor
)

// NewToken returns a fresh random secret (256 bits, URL-safe): a token, a
// session's cookie or a form's CSRF token.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is the hex SHA-256 of a secret: what is stored in its place.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
