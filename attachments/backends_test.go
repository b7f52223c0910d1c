package attachments

import (
	"testing"

	"lianxi/attachments/attachmentstest"
)

// eachBackend runs f on a store URL of each kind: a folder (file://) and
// a bucket on an S3-compatible server (s3://).
func eachBackend(t *testing.T, f func(t *testing.T, url string)) {
	t.Helper()
	t.Run("file", func(t *testing.T) {
		u, err := FileURL(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		f(t, u)
	})
	t.Run("s3", func(t *testing.T) { f(t, attachmentstest.S3URL(t)) })
}

// eachStore runs f on a new store of each kind with the bounds of o.
func eachStore(t *testing.T, o Options, f func(t *testing.T, s *Store)) {
	t.Helper()
	eachBackend(t, func(t *testing.T, url string) { f(t, openStore(t, url, o)) })
}

// openStore opens the store at url for the test, staging uploads in a
// folder of the test's own.
func openStore(t *testing.T, url string, o Options) *Store {
	t.Helper()
	if o.TempDir == "" {
		o.TempDir = t.TempDir()
	}
	s, err := OpenURL(t.Context(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
