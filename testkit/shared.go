package testkit

import (
	"os"
	"testing"
)

// SharedFile reads a document from the shared folder beside the repository
// (../shared: the real plan documents, of which the project keeps no copy
// of the paragraphs). A clone elsewhere has none: the test is skipped
// there, with the reason; in CI (CI set) the folder must be present and
// the test fails instead.
func SharedFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return b
	case os.Getenv("CI") != "":
		t.Fatalf("%s is needed in CI: %v", path, err)
	default:
		t.Skipf("skipped: %s is not here (%v); the documents live in ../shared beside the repository, and CI requires them", path, err)
	}
	return nil
}
