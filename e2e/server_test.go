package e2e

import (
	"testing"

	"go.temporal.io/server/temporaltest"
)

func newServer(t *testing.T) *temporaltest.TestServer {
	t.Helper()
	return temporaltest.NewServer(temporaltest.WithT(t))
}
