package attachments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// taskMetas lists what was uploaded for task.
func (s *Store) taskMetas(task string) ([]Meta, error) {
	return s.readMetas(filepath.Join(s.dir, "tasks", escapeTask(task)))
}

// readMetas reads every index entry in one task's folder.
func (s *Store) readMetas(dir string) ([]Meta, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	var out []Meta
	for _, e := range ents {
		sha, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !ValidHash(sha) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("attachments: %w", err)
		}
		var m Meta
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("attachments: index %s: %w", sha, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// sweepSinceFile records when uploads began to be marked as attached.
const sweepSinceFile = "sweep-since"

// readSweepSince reads when the folder's uploads began to be marked,
// recording now on first use.
func (s *Store) readSweepSince() error {
	path := filepath.Join(s.dir, sweepSinceFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		s.sweepSince = s.o.Now().UTC()
		if err := writeAtomic(path, []byte(s.sweepSince.Format(time.RFC3339Nano))); err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	if s.sweepSince, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b))); err != nil {
		return fmt.Errorf("attachments: %s: %w", path, err)
	}
	return nil
}

// withinQuota refuses m when the distinct files of its task, m included,
// would total more than the task quota. The same content uploaded again
// counts once.
func (s *Store) withinQuota(task string, m Meta) error {
	metas, err := s.taskMetas(task)
	if err != nil {
		return err
	}
	total := m.Size
	for _, o := range metas {
		if o.SHA256 != m.SHA256 {
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
func (s *Store) withinMinistryQuota(task string, m Meta) error {
	tasks, err := os.ReadDir(filepath.Join(s.dir, "tasks"))
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	seen := map[string]bool{m.SHA256: true}
	total := m.Size
	for _, t := range tasks {
		metas, err := s.readMetas(filepath.Join(s.dir, "tasks", t.Name()))
		if err != nil {
			return err
		}
		for _, o := range metas {
			if o.By == m.By && !seen[o.SHA256] {
				seen[o.SHA256] = true
				total += o.Size
			}
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
func (s *Store) MarkAttached(task string, hashes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hashes {
		m, err := s.Get(task, h)
		if err != nil {
			return err
		}
		if m.Attached {
			continue
		}
		m.Attached = true
		if err := s.writeMeta(task, m); err != nil {
			return err
		}
	}
	return nil
}

// writeMeta writes m to task's index.
func (s *Store) writeMeta(task string, m Meta) error {
	b, _ := json.Marshal(m)
	if err := writeAtomic(s.metaPath(task, m.SHA256), b); err != nil {
		return fmt.Errorf("attachments: index %s: %w", m.SHA256, err)
	}
	return nil
}

// Sweep removes the uploads that no accepted decision names and that are
// older than the grace period (uploads from before the folder's first
// sweep are kept: nothing marked them when they were attached), then every stored content no task's index
// names any more, and leftovers of interrupted uploads. It returns how
// many index entries it removed. The server calls it periodically.
func (s *Store) Sweep() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.o.Now().Add(-s.o.Grace)
	tasks, err := os.ReadDir(filepath.Join(s.dir, "tasks"))
	if err != nil {
		return 0, fmt.Errorf("attachments: sweep: %w", err)
	}
	kept := map[string]bool{}
	removed := 0
	for _, t := range tasks {
		dir := filepath.Join(s.dir, "tasks", t.Name())
		metas, err := s.readMetas(dir)
		if err != nil {
			return removed, err
		}
		for _, m := range metas {
			if m.Attached || !m.At.Before(cutoff) || m.At.Before(s.sweepSince) {
				kept[m.SHA256] = true
				continue
			}
			if err := os.Remove(filepath.Join(dir, m.SHA256+".json")); err != nil {
				return removed, fmt.Errorf("attachments: sweep: %w", err)
			}
			removed++
		}
	}
	err = filepath.WalkDir(filepath.Join(s.dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !ValidHash(d.Name()) || kept[d.Name()] {
			return err
		}
		return os.Remove(p)
	})
	if err != nil {
		return removed, fmt.Errorf("attachments: sweep: %w", err)
	}
	tmps, _ := os.ReadDir(filepath.Join(s.dir, "tmp"))
	for _, t := range tmps {
		if info, err := t.Info(); err == nil && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(s.dir, "tmp", t.Name()))
		}
	}
	return removed, nil
}
