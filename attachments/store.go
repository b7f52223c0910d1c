// Package attachments keeps the files attached to a joint report or a
// progress report. Files are stored once by their SHA-256, in a folder or
// an S3-compatible bucket chosen by URL (see OpenURL); each task keeps an
// index of what was uploaded for it (name, size, type, who, when), so a
// decision can name an attachment by hash, and the console can check the
// hash belongs to the task before the decision goes to the workflow. The
// ledger records the hash with the decision; the file itself stays here.
package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	"gocloud.dev/blob"
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

// Store keeps attachments in a folder or a bucket (see OpenURL).
type Store struct {
	bucket *blob.Bucket
	url    string
	o      Options
	// mu orders this process's uploads, marks and sweeps: a sweep must
	// not remove a content an upload is naming.
	mu sync.Mutex
	// sweepSince is when this store first had a sweep: uploads from
	// before were never marked when attached, so Sweep keeps them.
	sweepSince time.Time
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
// the accepted types or does not match the name's extension. The upload
// is staged in a local temporary file, where it is hashed and inspected,
// and then copied to the store.
func (s *Store) Put(ctx context.Context, task, by, name string, r io.Reader) (Meta, error) {
	name, err := cleanName(name)
	if err != nil {
		return Meta{}, err
	}
	tmp, err := os.CreateTemp(s.o.TempDir, "lianxi-upload-*")
	if err != nil {
		return Meta{}, fmt.Errorf("attachments: stage the upload: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, s.o.MaxSize+1))
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
	if err := s.withinQuota(ctx, task, m); err != nil {
		return Meta{}, err
	}
	if err := s.withinMinistryQuota(ctx, m); err != nil {
		return Meta{}, err
	}
	if err := s.storeContent(ctx, tmp, m); err != nil {
		return Meta{}, err
	}
	// The same bytes uploaded again under another name take the name just
	// given: that is the name the uploader sees and then attaches. Whether
	// a decision already names the content is kept.
	if old, err := s.Get(ctx, task, m.SHA256); err == nil {
		m.Attached = old.Attached
	}
	if err := s.writeMeta(ctx, task, m); err != nil {
		return Meta{}, err
	}
	return m, nil
}

// storeContent copies the staged upload f to the store unless the same
// content is there already.
func (s *Store) storeContent(ctx context.Context, f *os.File, m Meta) error {
	key := blobKey(m.SHA256)
	if ok, err := s.bucket.Exists(ctx, key); err != nil {
		return fmt.Errorf("attachments: look up %s: %w", m.SHA256, err)
	} else if ok {
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	if err := s.bucket.Upload(ctx, key, f, &blob.WriterOptions{ContentType: m.Type}); err != nil {
		return fmt.Errorf("attachments: store %s: %w", m.SHA256, err)
	}
	return nil
}

// Get returns what was uploaded for task with hash sha, or ErrNotFound.
func (s *Store) Get(ctx context.Context, task, sha string) (Meta, error) {
	if !ValidHash(sha) {
		return Meta{}, ErrNotFound
	}
	b, err := s.bucket.ReadAll(ctx, metaKey(task, sha))
	if isNotFound(err) {
		return Meta{}, ErrNotFound
	}
	if err != nil {
		return Meta{}, fmt.Errorf("attachments: index %s: %w", sha, err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return Meta{}, fmt.Errorf("attachments: index %s: %w", sha, err)
	}
	return m, nil
}

// Open opens the content of an attachment uploaded for task. The content
// is read as the caller reads it, not into memory first.
func (s *Store) Open(ctx context.Context, task, sha string) (io.ReadCloser, Meta, error) {
	m, err := s.Get(ctx, task, sha)
	if err != nil {
		return nil, Meta{}, err
	}
	r, err := s.bucket.NewReader(ctx, blobKey(sha), nil)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("attachments: content of %s: %w", sha, err)
	}
	return r, m, nil
}

// blobKey is where the content with hash sha is kept.
func blobKey(sha string) string { return blobsPrefix + sha[:2] + "/" + sha }

// taskPrefix is the folder of task's index: the task ID ("plan/no") is
// escaped into one folder name.
func taskPrefix(task string) string { return tasksPrefix + url.PathEscape(task) + "/" }

// metaKey is the index entry of sha for task.
func metaKey(task, sha string) string { return taskPrefix(task) + sha + ".json" }

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
