package devserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
)

// childEnv makes the test binary run an embedded server until killed, for
// tests that need a server to die without stopping.
const childEnv = "LIANXI_DEVSERVER_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		dir, addr, _ := strings.Cut(spec, "|")
		if _, err := Start(Options{DataDir: dir, Address: addr, Namespace: "default", Retention: 24 * time.Hour, Logger: zap.NewNop()}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("started")
		select {}
	}
	os.Exit(m.Run())
}

// A server killed without warning and started again on the same data
// folder with other ports answers at once: the membership entries of the
// dead services are cleared instead of being joined until they expire
// (half a minute and more, while the frontend already answers).
func TestRestartOnOtherPortsDoesNotStall(t *testing.T) {
	dir := t.TempDir()
	first, err := FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.Executable()
	child := exec.Command(self, "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+dir+"|"+first)
	out, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, _ := out.Read(buf); !strings.Contains(string(buf[:n]), "started") {
		t.Fatalf("the first server did not start: %q", buf[:n])
	}
	time.Sleep(2 * time.Second) // its services join and write their membership
	_ = child.Process.Kill()
	_ = child.Wait()

	addr, err := FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	srv, err := Start(Options{DataDir: dir, Address: addr, Namespace: "default", Retention: 24 * time.Hour, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: addr, Logger: quietLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Reaching the history service that owns the workflow's shard is what
	// a query or an update needs first.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = c.DescribeWorkflowExecution(ctx, "no-such-task", "")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Errorf("the history service did not answer within 10 s: %v", err)
	}
	// A query goes on to the matching service that owns the task queue.
	if _, err := c.DescribeTaskQueue(ctx, "lianxi-probe", enumspb.TASK_QUEUE_TYPE_WORKFLOW); err != nil {
		t.Errorf("the matching service did not answer within 10 s: %v", err)
	}
	if d := time.Since(started); d > 15*time.Second {
		t.Errorf("start and first answer took %v", d)
	}
	t.Logf("restarted on %s after a kill on %s: history and matching answered %v after the start", addr, first, time.Since(started).Round(time.Millisecond))
}
