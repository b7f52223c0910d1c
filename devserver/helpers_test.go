package devserver

import (
	"testing"

	"go.temporal.io/sdk/client"
)

// startDialed starts a server with o and dials it; both are closed when
// the test ends.
func startDialed(t *testing.T, o Options) client.Client {
	t.Helper()
	srv, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := client.Dial(client.Options{HostPort: o.Address, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
