// Package attachmentstest is test support for attachments. It runs an
// S3-compatible server for tests, so that the attachment store's s3://
// backend is tested over the real S3 protocol (HTTP, signed requests,
// listings) rather than against a stand-in, and it builds the hostile
// files (macros, renamed macro parts, zip bombs) the store must refuse.
package attachmentstest

import (
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Bucket is the bucket S3URL creates.
const Bucket = "lianxi-attachments"

// S3URL starts an in-memory S3 server (gofakes3) behind a real HTTP
// server that stops with the test, creates Bucket on it, and returns the
// s3:// URL a lianxi process would be given. Credentials are static and
// go through the environment, as in production; t must not be parallel.
func S3URL(t testing.TB) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "lianxi-test",
		"AWS_SECRET_ACCESS_KEY":       "lianxi-test-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
	q := url.Values{"region": {"us-east-1"}, "endpoint": {srv.URL}, "use_path_style": {"true"}}
	return "s3://" + Bucket + "?" + q.Encode()
}
