// Package attachments keeps the files attached to a joint report or a
// progress report. Files are stored once by their SHA-256 under the data
// folder; each task keeps an index of what was uploaded for it (name, size,
// type, who, when), so a decision can name an attachment by hash, and the
// console can check the hash belongs to the task before the decision goes
// to the workflow. The ledger records the hash with the decision; the file
// itself stays here.
package attachments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// DefaultMaxSize is the size limit when none is configured: 20 MiB.
const DefaultMaxSize = 20 << 20

// MaxNameLen bounds a file name, in characters.
const MaxNameLen = 200

// Meta describes one uploaded file as its task's index keeps it.
type Meta struct {
	SHA256 string    `json:"sha256"`
	Name   string    `json:"name"`
	Size   int64     `json:"size"`
	Type   string    `json:"type"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
	// Attached is set once an accepted decision names the file; until
	// then Sweep removes it after the grace period.
	Attached bool `json:"attached,omitempty"`
}

// ErrNotFound is a hash that was not uploaded for the task.
var ErrNotFound = errors.New("attachment not found")

// Refusal is an upload the store will not keep; Message says why and what
// to do, in Chinese and English.
type Refusal struct {
	// Reason is "too_large", "type", "empty", "name", "macro" (the file
	// carries macros), "archive" (an archive past Limits) or "quota" (the
	// task's uploads would pass the task quota).
	Reason  string
	Message string
}

func (e *Refusal) Error() string { return e.Message }

// Store keeps attachments in a folder.
type Store struct {
	dir string
	o   Options
	// mu orders uploads, marks and sweeps: a sweep must not remove a
	// content an upload is naming.
	mu sync.Mutex
	// sweepSince is when this folder first had a sweep: uploads from
	// before were never marked when attached, so Sweep keeps them.
	sweepSince time.Time
}

// Open uses dir (created if missing) with the bounds of o.
func Open(dir string, o Options) (*Store, error) {
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if o.TaskQuota <= 0 {
		o.TaskQuota = DefaultTaskQuota
	}
	if o.MinistryQuota <= 0 {
		o.MinistryQuota = DefaultMinistryQuota
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	for _, d := range []string{"blobs", "tasks", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("attachments: %w", err)
		}
	}
	s := &Store{dir: dir, o: o}
	if err := s.readSweepSince(); err != nil {
		return nil, err
	}
	return s, nil
}

// MaxSize is the size limit in bytes.
func (s *Store) MaxSize() int64 { return s.o.MaxSize }

// TooLarge is the refusal for a file over the limit.
func (s *Store) TooLarge() *Refusal {
	mib := float64(s.o.MaxSize) / (1 << 20)
	return &Refusal{Reason: "too_large", Message: fmt.Sprintf("附件超过大小上限 %.4g MiB，请压缩或拆分后重新上传 (attachment is larger than the %.4g MiB limit: compress or split it)", mib, mib)}
}

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidHash reports whether h is a lowercase hex SHA-256.
func ValidHash(h string) bool { return hashPattern.MatchString(h) }

// Put stores the content of r uploaded for task by whom, named name. It
// refuses empty files, files over the limit, and content that is none of
// the accepted types or does not match the name's extension.
func (s *Store) Put(task, by, name string, r io.Reader) (Meta, error) {
	name, err := cleanName(name)
	if err != nil {
		return Meta{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "upload-*")
	if err != nil {
		return Meta{}, fmt.Errorf("attachments: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, s.o.MaxSize+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return Meta{}, s.TooLarge()
	case err != nil:
		return Meta{}, fmt.Errorf("attachments: read the upload: %w", err)
	case n > s.o.MaxSize:
		return Meta{}, s.TooLarge()
	case n == 0:
		return Meta{}, &Refusal{Reason: "empty", Message: "附件为空文件，请选择有内容的文件 (the attachment is empty)"}
	}
	typ, err := sniff(tmp.Name(), s.o.Limits)
	var ref *Refusal
	if errors.As(err, &ref) {
		return Meta{}, ref
	}
	if err != nil {
		return Meta{}, fmt.Errorf("attachments: %w", err)
	}
	k, ok := kindOf(typ)
	if !ok {
		return Meta{}, &Refusal{Reason: "type", Message: fmt.Sprintf("附件类型不受支持：%s 的内容不是 PDF、Word、Excel、OFD、PNG、JPEG 或 UTF-8 文本文件 (attachment type not accepted: the content of %s is not PDF, docx, xlsx, doc, xls, OFD, PNG, JPEG or UTF-8 text)", name, name)}
	}
	if ext := strings.ToLower(filepath.Ext(name)); !slices.Contains(k.Extensions, ext) {
		return Meta{}, &Refusal{Reason: "type", Message: fmt.Sprintf("附件扩展名与内容不符：%s 的内容是 %s，文件名应以 %s 结尾 (the name %s does not match its content, which is %s: name it *%s)",
			name, k.Label, k.Extensions[0], name, k.Label, k.Extensions[0])}
	}
	m := Meta{SHA256: hex.EncodeToString(h.Sum(nil)), Name: name, Size: n, Type: typ, By: by, At: s.o.Now().UTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.withinQuota(task, m); err != nil {
		return Meta{}, err
	}
	if err := s.withinMinistryQuota(task, m); err != nil {
		return Meta{}, err
	}
	blob := s.blobPath(m.SHA256)
	if _, err := os.Stat(blob); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(blob), 0o700); err != nil {
			return Meta{}, fmt.Errorf("attachments: %w", err)
		}
		if err := os.Rename(tmp.Name(), blob); err != nil {
			return Meta{}, fmt.Errorf("attachments: store %s: %w", m.SHA256, err)
		}
	}
	// The same bytes uploaded again under another name take the name just
	// given: that is the name the uploader sees and then attaches. Whether
	// a decision already names the content is kept.
	if old, err := s.Get(task, m.SHA256); err == nil {
		m.Attached = old.Attached
	}
	if err := s.writeMeta(task, m); err != nil {
		return Meta{}, err
	}
	return m, nil
}

// Get returns what was uploaded for task with hash sha, or ErrNotFound.
func (s *Store) Get(task, sha string) (Meta, error) {
	if !ValidHash(sha) {
		return Meta{}, ErrNotFound
	}
	b, err := os.ReadFile(s.metaPath(task, sha))
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, ErrNotFound
	}
	if err != nil {
		return Meta{}, fmt.Errorf("attachments: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return Meta{}, fmt.Errorf("attachments: index %s: %w", sha, err)
	}
	return m, nil
}

// Open opens the content of an attachment uploaded for task.
func (s *Store) Open(task, sha string) (*os.File, Meta, error) {
	m, err := s.Get(task, sha)
	if err != nil {
		return nil, Meta{}, err
	}
	f, err := os.Open(s.blobPath(sha))
	if err != nil {
		return nil, Meta{}, fmt.Errorf("attachments: content of %s: %w", sha, err)
	}
	return f, m, nil
}

func (s *Store) blobPath(sha string) string { return filepath.Join(s.dir, "blobs", sha[:2], sha) }

// metaPath is the index entry of sha for task; the task ID ("plan/no") is
// escaped into one folder name.
func (s *Store) metaPath(task, sha string) string {
	return filepath.Join(s.dir, "tasks", escapeTask(task), sha+".json")
}

// escapeTask makes a task ID one folder name.
func escapeTask(task string) string { return url.PathEscape(task) }

// cleanName keeps the last element of a file name as a browser or CLI sent
// it, without control characters.
func cleanName(name string) (string, error) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, name))
	switch {
	case name == "" || name == "." || name == "..":
		return "", &Refusal{Reason: "name", Message: "附件缺少文件名 (the attachment has no file name)"}
	case len([]rune(name)) > MaxNameLen:
		return "", &Refusal{Reason: "name", Message: fmt.Sprintf("附件文件名超过 %d 个字符 (the file name is longer than %d characters)", MaxNameLen, MaxNameLen)}
	}
	return name, nil
}

func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".meta-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
