package attachments

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"gocloud.dev/blob"
	"golang.org/x/sync/errgroup"

	"lianxi/periodic"
)

// SweepLease is the lease of the attachment sweep, shared by every serve
// process on the same database.
const SweepLease = "attachments-sweep"

// SweepEvery is how often uploads that no decision named within the grace
// period are removed.
const SweepEvery = time.Hour

// SweepJob is the periodic Sweep of s, run by whichever process holds the
// sweep's lease. With several serve processes the attachments must be one
// store they all share (docs/deployment.md), which one sweep keeps.
func (s *Store) SweepJob() periodic.Job {
	return periodic.Job{
		Name: SweepLease, Every: SweepEvery, What: "attachment sweep",
		Run: periodic.Step{
			Do: s.Sweep, Done: "unattached uploads removed", Count: "files",
			Fields: []zap.Field{zap.Duration("grace", s.o.Grace)}, Failed: "attachment sweep failed",
		},
	}
}

// list calls f with every object under prefix.
func (s *Store) list(ctx context.Context, prefix string, f func(*blob.ListObject) error) error {
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("attachments: list %s: %w", prefix, err)
		}
		if err := f(obj); err != nil {
			return err
		}
	}
}

// entry is one index entry and where it is kept.
type entry struct {
	key string
	m   Meta
}

// readParallel bounds how many index entries are read at once: a bucket
// answers each in a round trip, a folder in a few system calls.
const readParallel = 16

// readIndex reads every index entry under prefix (tasksPrefix for all
// tasks, taskPrefix(task) for one): one listing, then the entries read
// readParallel at a time.
func (s *Store) readIndex(ctx context.Context, prefix string) ([]entry, error) {
	var keys []string
	err := s.list(ctx, prefix, func(o *blob.ListObject) error {
		rest := strings.TrimPrefix(o.Key, tasksPrefix)
		sha, ok := strings.CutSuffix(path.Base(rest), ".json")
		if ok && ValidHash(sha) && strings.Count(rest, "/") == 1 {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]entry, len(keys))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(readParallel)
	for i, key := range keys {
		g.Go(func() error {
			b, err := s.bucket.ReadAll(ctx, key)
			if isNotFound(err) {
				return nil // removed since the listing
			}
			if err != nil {
				return fmt.Errorf("attachments: index %s: %w", key, err)
			}
			out[i].key = key
			if err := json.Unmarshal(b, &out[i].m); err != nil {
				return fmt.Errorf("attachments: index %s: %w", key, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(out, func(e entry) bool { return e.key == "" }), nil
}

// withinQuota refuses m when the distinct files of its task, m included,
// would total more than the task quota. The same content uploaded again
// counts once.
func (s *Store) withinQuota(ctx context.Context, task string, m Meta) error {
	index, err := s.readIndex(ctx, taskPrefix(task))
	if err != nil {
		return err
	}
	total := m.Size
	for _, e := range index {
		if o := e.m; o.SHA256 != m.SHA256 {
			total += o.Size
		}
	}
	if total <= s.o.TaskQuota {
		return nil
	}
	mib := float64(s.o.TaskQuota) / (1 << 20)
	return &Refusal{Reason: "quota", Message: fmt.Sprintf("本任务的附件总量将超过 %.4g MiB 的上限，请删减或合并附件 (the task's attachments would total more than the %.4g MiB quota per task: leave out or combine files)", mib, mib)}
}

// withinMinistryQuota refuses m when the distinct contents its uploader
// has uploaded over all tasks, m included, would total more than the
// ministry quota.
func (s *Store) withinMinistryQuota(ctx context.Context, m Meta) error {
	index, err := s.readIndex(ctx, tasksPrefix)
	if err != nil {
		return err
	}
	seen := map[string]bool{m.SHA256: true}
	total := m.Size
	for _, e := range index {
		if o := e.m; o.By == m.By && !seen[o.SHA256] {
			seen[o.SHA256] = true
			total += o.Size
		}
	}
	if total <= s.o.MinistryQuota {
		return nil
	}
	mib := float64(s.o.MinistryQuota) / (1 << 20)
	return &Refusal{Reason: "quota", Message: fmt.Sprintf("贵单位上传的附件总量将超过 %.4g MiB 的上限，请联系联席会议办公室 (your uploads over all tasks would total more than the %.4g MiB quota per ministry: ask the office)", mib, mib)}
}

// MarkAttached records that an accepted decision on task names the files
// with these hashes, so that Sweep keeps them for good.
func (s *Store) MarkAttached(ctx context.Context, task string, hashes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hashes {
		m, err := s.Get(ctx, task, h)
		if err != nil {
			return err
		}
		if m.Attached {
			continue
		}
		m.Attached = true
		if err := s.writeMeta(ctx, task, m); err != nil {
			return err
		}
	}
	return nil
}

// writeMeta writes m to task's index.
func (s *Store) writeMeta(ctx context.Context, task string, m Meta) error {
	b, _ := json.Marshal(m)
	if err := s.bucket.WriteAll(ctx, metaKey(task, m.SHA256), b, &blob.WriterOptions{ContentType: metaType}); err != nil {
		return fmt.Errorf("attachments: index %s: %w", m.SHA256, err)
	}
	return nil
}

// Sweep removes the uploads that no accepted decision names and that are
// older than the grace period (uploads from before the store's first
// sweep are kept: nothing marked them when they were attached), then every
// stored content no task's index names any more, and leftovers of
// interrupted uploads. It returns how many index entries it removed. The
// server calls it periodically.
//
// The contents are listed before the index, so that a content whose
// upload finishes (index entry written) while the sweep runs, in this
// process or another sharing the store, is seen as named and kept.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.o.Now().Add(-s.o.Grace)
	var contents []string
	err := s.list(ctx, blobsPrefix, func(o *blob.ListObject) error {
		if ValidHash(path.Base(o.Key)) {
			contents = append(contents, o.Key)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("attachments: sweep: %w", err)
	}
	index, err := s.readIndex(ctx, tasksPrefix)
	if err != nil {
		return 0, fmt.Errorf("attachments: sweep: %w", err)
	}
	kept := map[string]bool{}
	removed := 0
	for _, e := range index {
		if m := e.m; m.Attached || !m.At.Before(cutoff) || m.At.Before(s.sweepSince) {
			kept[m.SHA256] = true
			continue
		}
		if err := s.bucket.Delete(ctx, e.key); err != nil && !isNotFound(err) {
			return removed, fmt.Errorf("attachments: sweep: %w", err)
		}
		removed++
	}
	for _, key := range contents {
		if kept[path.Base(key)] {
			continue
		}
		if err := s.bucket.Delete(ctx, key); err != nil && !isNotFound(err) {
			return removed, fmt.Errorf("attachments: sweep: %w", err)
		}
	}
	tmps, _ := os.ReadDir(s.o.TempDir)
	for _, t := range tmps {
		if !strings.HasPrefix(t.Name(), "lianxi-upload-") {
			continue
		}
		if info, err := t.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(s.o.TempDir, t.Name()))
		}
	}
	return removed, nil
}
