package attachments

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// The task quota counts each distinct content once and each task apart.
func TestTaskQuota(t *testing.T) {
	eachStore(t, Options{MaxSize: 1 << 20, TaskQuota: 2 << 20}, func(t *testing.T, s *Store) {
		file := func(c byte) []byte { return bytes.Repeat([]byte{c}, 800<<10) }
		for _, c := range []byte("ab") {
			if _, err := s.Put(t.Context(), "plan/1.1", "ndrc", string(c)+".txt", bytes.NewReader(file(c))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := s.Put(t.Context(), "plan/1.1", "ndrc", "c.txt", bytes.NewReader(file('c')))
		var ref *Refusal
		if !errors.As(err, &ref) || ref.Reason != "quota" || !strings.Contains(ref.Message, "2 MiB") || !strings.Contains(ref.Message, "上限") {
			t.Errorf("third file: %v, want refused naming the 2 MiB quota", err)
		}
		if _, err := s.Put(t.Context(), "plan/1.1", "miit", "again.txt", bytes.NewReader(file('a'))); err != nil {
			t.Errorf("the same content again: %v, want accepted (counted once)", err)
		}
		if _, err := s.Put(t.Context(), "plan/1.2", "ndrc", "c.txt", bytes.NewReader(file('c'))); err != nil {
			t.Errorf("another task: %v", err)
		}
	})
}

// The ministry quota counts one uploader's distinct contents over all
// tasks; other ministries are not held back by it.
func TestMinistryQuota(t *testing.T) {
	eachStore(t, Options{MaxSize: 1 << 20, MinistryQuota: 2 << 20}, func(t *testing.T, s *Store) {
		file := func(c byte) []byte { return bytes.Repeat([]byte{c}, 800<<10) }
		for i, c := range []byte("ab") {
			if _, err := s.Put(t.Context(), "plan/1."+string(rune('1'+i)), "ndrc", string(c)+".txt", bytes.NewReader(file(c))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Put(t.Context(), "plan/1.3", "ndrc", "a2.txt", bytes.NewReader(file('a'))); err != nil {
			t.Errorf("content the ministry already uploaded, on another task: %v, want accepted", err)
		}
		_, err := s.Put(t.Context(), "plan/1.3", "ndrc", "c.txt", bytes.NewReader(file('c')))
		var ref *Refusal
		if !errors.As(err, &ref) || ref.Reason != "quota" || !strings.Contains(ref.Message, "2 MiB") || !strings.Contains(ref.Message, "per ministry") {
			t.Errorf("third distinct file: %v, want refused naming the 2 MiB quota per ministry", err)
		}
		if _, err := s.Put(t.Context(), "plan/1.3", "miit", "c.txt", bytes.NewReader(file('c'))); err != nil {
			t.Errorf("another ministry: %v", err)
		}
	})
}

// Sweep removes what no decision named once the grace period is over,
// and the content with it unless another task still names it.
func TestSweepUnattached(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) { testSweepUnattached(t, url) })
}

func testSweepUnattached(t *testing.T, url string) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	s := openStore(t, url, Options{Grace: 24 * time.Hour, Now: func() time.Time { return now }})
	put := func(task, name, content string) Meta {
		t.Helper()
		m, err := s.Put(t.Context(), task, "ndrc", name, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	stale := put("plan/1.1", "stale.txt", "never attached")
	kept := put("plan/1.1", "kept.txt", "attached to a report")
	shared := put("plan/1.1", "shared.txt", "uploaded to two tasks")
	put("plan/1.2", "shared.txt", "uploaded to two tasks")
	if err := s.MarkAttached(t.Context(), "plan/1.1", []string{kept.SHA256}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAttached(t.Context(), "plan/1.2", []string{shared.SHA256}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Sweep(t.Context()); err != nil || n != 0 {
		t.Fatalf("sweep within the grace period: %d %v, want nothing removed", n, err)
	}
	now = now.Add(25 * time.Hour)
	fresh := put("plan/1.1", "fresh.txt", "uploaded just now")
	if n, err := s.Sweep(t.Context()); err != nil || n != 2 {
		t.Fatalf("sweep: %d %v, want 2 removed (stale, and shared on 1.1)", n, err)
	}
	if _, err := s.Get(t.Context(), "plan/1.1", stale.SHA256); !errors.Is(err, ErrNotFound) {
		t.Errorf("stale upload: %v, want removed", err)
	}
	if ok, err := s.bucket.Exists(t.Context(), blobKey(stale.SHA256)); ok || err != nil {
		t.Errorf("stale content: kept %v %v, want removed", ok, err)
	}
	for _, c := range []struct{ task, sha string }{{"plan/1.1", kept.SHA256}, {"plan/1.1", fresh.SHA256}, {"plan/1.2", shared.SHA256}} {
		f, _, err := s.Open(t.Context(), c.task, c.sha)
		if err != nil {
			t.Errorf("%s %s: %v, want kept", c.task, c.sha[:8], err)
			continue
		}
		f.Close()
	}
	if _, err := s.Get(t.Context(), "plan/1.1", shared.SHA256); !errors.Is(err, ErrNotFound) {
		t.Errorf("shared content on 1.1, never attached there: %v, want removed from 1.1's index", err)
	}
	// A re-upload keeps the attached mark.
	again := put("plan/1.1", "renamed.txt", "attached to a report")
	if !again.Attached || again.Name != "renamed.txt" {
		t.Errorf("re-upload of an attached file: %+v", again)
	}
}

// Uploads from before the folder had a sweep were never marked when
// attached: the sweep keeps them.
func TestSweepKeepsEarlierUploads(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) { testSweepKeepsEarlierUploads(t, url) })
}

func testSweepKeepsEarlierUploads(t *testing.T, url string) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	old := openStore(t, url, Options{Grace: time.Hour, Now: clock})
	legacy, err := old.Put(t.Context(), "plan/1.1", "ndrc", "旧.txt", strings.NewReader("uploaded by an earlier version"))
	if err != nil {
		t.Fatal(err)
	}
	// As an earlier version left the folder: no record of the first sweep.
	if err := old.bucket.Delete(t.Context(), sweepSinceKey); err != nil {
		t.Fatal(err)
	}
	now = now.Add(24 * time.Hour)
	s := openStore(t, url, Options{Grace: time.Hour, Now: clock})
	recent, err := s.Put(t.Context(), "plan/1.1", "ndrc", "新.txt", strings.NewReader("uploaded since"))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if n, err := s.Sweep(t.Context()); err != nil || n != 1 {
		t.Errorf("sweep: %d %v, want the recent unattached upload removed", n, err)
	}
	if _, err := s.Get(t.Context(), "plan/1.1", legacy.SHA256); err != nil {
		t.Errorf("earlier upload: %v, want kept", err)
	}
	if _, err := s.Get(t.Context(), "plan/1.1", recent.SHA256); !errors.Is(err, ErrNotFound) {
		t.Errorf("recent upload: %v, want removed", err)
	}
}
