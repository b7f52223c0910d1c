package attachments

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lianxi/attachments/attachmentstest"
)

// A folder written before the store took URLs reads as it is, and new
// uploads keep its layout: no sidecar files, nothing outside blobs/,
// tasks/ and sweep-since.
func TestFolderLayoutIsKept(t *testing.T) {
	dir := t.TempDir()
	content := "uploaded by an earlier version"
	sum := sha256.Sum256([]byte(content))
	sha := hex.EncodeToString(sum[:])
	for name, body := range map[string]string{
		"blobs/" + sha[:2] + "/" + sha:      content,
		"tasks/plan%2F1.1/" + sha + ".json": `{"sha256":"` + sha + `","name":"旧.txt","size":30,"type":"text/plain; charset=utf-8","by":"ndrc","at":"2026-11-01T09:00:00Z","attached":true}`,
		sweepSinceKey:                       "2026-10-01T00:00:00Z",
		"tmp/upload-123":                    "a leftover of the earlier staging folder",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	u, err := FileURL(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t, u, Options{})
	f, m, err := s.Open(t.Context(), "plan/1.1", sha)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != content || m.Name != "旧.txt" || !m.Attached {
		t.Errorf("earlier upload read as %q %+v", b, m)
	}
	added, err := s.Put(t.Context(), "plan/1.1", "miit", "新.txt", strings.NewReader("uploaded since"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	want := map[string]bool{
		"blobs/" + sha[:2] + "/" + sha: true, "blobs/" + added.SHA256[:2] + "/" + added.SHA256: true,
		"tasks/plan%2F1.1/" + sha + ".json": true, "tasks/plan%2F1.1/" + added.SHA256 + ".json": true,
		sweepSinceKey: true, "tmp/upload-123": true,
	}
	for _, f := range files {
		if !want[f] {
			t.Errorf("unexpected file %s in the folder (want only %v)", f, want)
		}
		delete(want, f)
	}
	if len(want) > 0 {
		t.Errorf("missing from the folder: %v", want)
	}
}

// A store that cannot be written, read or deleted from is refused at
// start, with the URL and what to check.
func TestMisconfiguredURLFailsAtStart(t *testing.T) {
	good := attachmentstest.S3URL(t)
	for _, c := range []struct {
		url  string
		want []string
	}{
		{"ftp://files/attachments", []string{`scheme "ftp" not supported`, "s3://BUCKET"}},
		{"s3://?region=us-east-1", []string{"no bucket name"}},
		{strings.Replace(good, attachmentstest.Bucket, "no-such-bucket", 1), []string{"no-such-bucket", "probe object", "AWS_ACCESS_KEY_ID"}},
		{good + "&nonsense=1", []string{"nonsense"}},
	} {
		s, err := OpenURL(t.Context(), c.url, Options{})
		if err == nil {
			s.Close()
			t.Errorf("%s: opened, want refused", c.url)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want it to say %q", c.url, err, w)
			}
		}
	}
}
