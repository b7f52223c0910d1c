package console

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"lianxi/attachments"
	"lianxi/attachments/attachmentstest"
)

// Two serve processes given the same s3:// URL share the attachments, as
// replicas behind a load balancer do: a file uploaded through one
// downloads through the other, a decision sent through the other names
// it, and nothing is left in a local folder.
func TestAttachmentsInOneBucketAcrossReplicas(t *testing.T) {
	s := newStack(t)
	bucket := attachmentstest.S3URL(t)
	var via [2]stack
	for i := range via {
		d := replicaOf(t, s)
		files, err := attachments.OpenURL(t.Context(), bucket, attachments.Options{MaxSize: testAttachmentMax})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { files.Close() })
		d.Attachments = files
		via[i] = *s
		via[i].url = "http://" + startReplica(t, "127.0.0.1:0", d).addr
	}
	text := []byte("会签附件：对象存储中的核对说明\n")
	up := via[0].upload("mof", "核对说明.txt", text)
	if up.status != http.StatusCreated || !strings.Contains(up.body, hashOf(text)) {
		t.Fatalf("upload through the first replica: %d %s", up.status, up.body)
	}
	down, h := via[1].download("miit", hashOf(text))
	if down.status != http.StatusOK || down.body != string(text) || h.Get("Content-Disposition") == "" {
		t.Fatalf("download through the second replica: %d %q %v", down.status, down.body, h)
	}
	if a := via[1].call("mof", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]any{"decision": "approve", "attachments": []string{hashOf(text)}})); a.status != http.StatusOK {
		t.Fatalf("a sign-off through the second replica naming the file: %d %s", a.status, a.body)
	}
	if _, err := s.console.d.Attachments.Get(t.Context(), "web/1.1", hashOf(text)); !errors.Is(err, attachments.ErrNotFound) {
		t.Errorf("the stack's own folder: %v, want the file in the bucket only", err)
	}
	// The mark the decision set is seen by the first replica's store.
	other, err := attachments.OpenURL(t.Context(), bucket, attachments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if m, err := other.Get(t.Context(), "web/1.1", hashOf(text)); err != nil || !m.Attached || m.Name != "核对说明.txt" {
		t.Errorf("the bucket's index after the sign-off: %+v %v, want attached", m, err)
	}
}
