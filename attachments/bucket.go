package attachments

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// The store's layout, the same in a folder and in a bucket: contents by
// hash under blobs/, one small JSON object per upload under tasks/, and
// the time of the first sweep. A folder from before the store took URLs
// has exactly this layout.
const (
	blobsPrefix     = "blobs/"
	tasksPrefix     = "tasks/"
	sweepSinceKey   = "sweep-since"
	probePrefix     = "probe-"
	probeTimeout    = 30 * time.Second
	metaType        = "application/json"
	fileDirMode     = 0o700
	urlFormsExample = "file:///PATH or s3://BUCKET?region=REGION[&endpoint=URL&use_path_style=true]"
)

// FileURL is the URL of the store kept in the folder dir.
func FileURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("attachments: %w", err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// Open uses the folder dir (created if missing) with the bounds of o.
func Open(dir string, o Options) (*Store, error) {
	u, err := FileURL(dir)
	if err != nil {
		return nil, err
	}
	return OpenURL(context.Background(), u, o)
}

// OpenURL opens the store at rawURL with the bounds of o:
//
//   - file:///PATH keeps it in a folder (created if missing). Several
//     serve processes can share it only on a shared file system.
//   - s3://BUCKET?region=…&endpoint=…&use_path_style=true keeps it in an
//     S3-compatible bucket, with the query parameters gocloud.dev's
//     s3blob documents; the credentials come from the environment
//     (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE…).
//
// It writes, reads back and deletes a probe object, so that a wrong
// bucket, endpoint or credential fails at start rather than at the
// first upload.
func OpenURL(ctx context.Context, rawURL string, o Options) (*Store, error) {
	o = o.withDefaults()
	b, err := openBucket(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	s := &Store{bucket: b, url: rawURL, o: o}
	if err := s.probe(ctx); err != nil {
		b.Close()
		return nil, err
	}
	if err := s.readSweepSince(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return s, nil
}

// openBucket opens the bucket a URL names, with the drivers lianxi
// builds in.
func openBucket(ctx context.Context, rawURL string) (*blob.Bucket, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("attachments %q: %w (want %s)", rawURL, err, urlFormsExample)
	}
	var b *blob.Bucket
	switch u.Scheme {
	case fileblob.Scheme:
		// A folder keeps the layout it always had: no sidecar metadata
		// files, temporary files beside their final name (no rename
		// across file systems), folders only the owner reads.
		op := &fileblob.URLOpener{Options: fileblob.Options{
			CreateDir: true, NoTempDir: true, Metadata: fileblob.MetadataDontWrite, DirFileMode: fileDirMode,
		}}
		b, err = op.OpenBucketURL(ctx, u)
	case s3blob.Scheme:
		if u.Host == "" {
			return nil, fmt.Errorf("attachments %q: no bucket name (want %s)", rawURL, urlFormsExample)
		}
		b, err = (&s3blob.URLOpener{}).OpenBucketURL(ctx, u)
	default:
		return nil, fmt.Errorf("attachments %q: scheme %q not supported (want %s)", rawURL, u.Scheme, urlFormsExample)
	}
	if err != nil {
		return nil, fmt.Errorf("attachments %q: %w", rawURL, err)
	}
	return b, nil
}

// probe writes, reads back and deletes a small object.
func (s *Store) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var id [8]byte
	rand.Read(id[:])
	key := probePrefix + hex.EncodeToString(id[:])
	want := []byte("lianxi attachments probe " + key)
	hint := "check the URL, and for s3:// the bucket, its endpoint and region, and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
	if err := s.bucket.WriteAll(ctx, key, want, &blob.WriterOptions{ContentType: "text/plain"}); err != nil {
		return fmt.Errorf("attachments %s: cannot write a probe object (%s): %w", s.url, hint, err)
	}
	got, err := s.bucket.ReadAll(ctx, key)
	if err != nil {
		return fmt.Errorf("attachments %s: cannot read back a probe object (%s): %w", s.url, hint, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("attachments %s: a probe object read back as %d other bytes", s.url, len(got))
	}
	if err := s.bucket.Delete(ctx, key); err != nil {
		return fmt.Errorf("attachments %s: cannot delete a probe object (the store needs to delete for the sweep; %s): %w", s.url, hint, err)
	}
	return nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// URL is where the store keeps its files.
func (s *Store) URL() string { return s.url }

func isNotFound(err error) bool { return gcerrors.Code(err) == gcerrors.NotFound }

// readSweepSince reads when the store's uploads began to be marked,
// recording now on first use.
func (s *Store) readSweepSince(ctx context.Context) error {
	b, err := s.bucket.ReadAll(ctx, sweepSinceKey)
	if isNotFound(err) {
		s.sweepSince = s.o.Now().UTC()
		err := s.bucket.WriteAll(ctx, sweepSinceKey, []byte(s.sweepSince.Format(time.RFC3339Nano)), &blob.WriterOptions{ContentType: "text/plain"})
		if err != nil {
			return fmt.Errorf("attachments: record the first sweep: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	if s.sweepSince, err = time.Parse(time.RFC3339Nano, string(bytes.TrimSpace(b))); err != nil {
		return fmt.Errorf("attachments: %s: %w", sweepSinceKey, err)
	}
	return nil
}
