package ledger

import "testing"

// AppendPaths opens fresh stores on every way of writing a group, for the
// tests outside the package (see appendPaths).
func AppendPaths(t *testing.T) map[string]func(t *testing.T) *SQLStore { return appendPaths(t) }
