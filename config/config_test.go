package config

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md's table")

const refPath = "../docs/configuration.md"
const begin, end = "<!-- settings:begin -->\n", "<!-- settings:end -->"

// The configuration reference lists every setting as the code has it.
func TestReferenceIsCurrent(t *testing.T) {
	b, err := os.ReadFile(refPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the settings markers", refPath)
	}
	if got := doc[i+len(begin) : j]; got != Reference() {
		if *update {
			doc = doc[:i+len(begin)] + Reference() + doc[j:]
			if err := os.WriteFile(refPath, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s is out of date; run go test ./config -update", refPath)
	}
}

func TestPrecedenceAndValidation(t *testing.T) {
	env := map[string]string{"LIANXI_DATA": "/env/data", "LIANXI_REMINDER_INTERVAL": "2d", "TEMPORAL_API_KEY": "k-secret"}
	c := &Config{}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	if err := c.Bind(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--data", "/flag/data", "--review-period", "36h"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/flag/data" || c.Defaults.ReminderInterval != 48*time.Hour || c.Defaults.ReviewPeriod != 36*time.Hour || c.Temporal.Address != "127.0.0.1:7233" {
		t.Errorf("resolved %+v", c)
	}
	var out strings.Builder
	c.Print(&out)
	if strings.Contains(out.String(), "k-secret") || !strings.Contains(out.String(), "redacted") {
		t.Errorf("secrets not redacted:\n%s", out.String())
	}
	c.LedgerDSN = "postgres://lianxi:hunter2@db/lianxi"
	out.Reset()
	c.Print(&out)
	if strings.Contains(out.String(), "hunter2") {
		t.Errorf("DSN password printed:\n%s", out.String())
	}

	bad := &Config{}
	fs = pflag.NewFlagSet("t", pflag.ContinueOnError)
	_ = bad.Bind(fs, func(string) string { return "" })
	_ = fs.Parse([]string{"--http-addr", "nonsense", "--log-level", "loud", "--warning-window", "0s"})
	err := bad.Validate()
	for _, want := range []string{"http-addr", "log-level", "warning-window"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validation error %v does not name %s", err, want)
		}
	}
	badEnv := func(k string) string { return map[string]string{"LIANXI_SIGN_OFF_PERIOD": "soon"}[k] }
	if err := (&Config{}).Bind(pflag.NewFlagSet("t", pflag.ContinueOnError), badEnv); err == nil || !strings.Contains(err.Error(), "LIANXI_SIGN_OFF_PERIOD") {
		t.Errorf("bad environment value: %v", err)
	}
}

// The attachment store is the data folder's attachments unless a URL of a
// known kind says otherwise; a URL of another kind is refused by name.
func TestAttachmentsURL(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" when refused
	}{
		{[]string{"--data", "/srv/lianxi"}, "file:///srv/lianxi/attachments"},
		{[]string{"--attachments", "file:///mnt/shared/attachments"}, "file:///mnt/shared/attachments"},
		{[]string{"--attachments", "s3://files?region=cn-north-1"}, "s3://files?region=cn-north-1"},
		{[]string{"--attachments", "ftp://files/x"}, ""},
		{[]string{"--attachments", "s3://?region=cn-north-1"}, ""},
		{[]string{"--attachments", "/srv/attachments"}, ""},
	} {
		cfg := &Config{}
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		if err := cfg.Bind(fs, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := cfg.Validate()
		if c.want == "" {
			if err == nil || !strings.Contains(err.Error(), "attachments") || !strings.Contains(err.Error(), "s3://BUCKET") {
				t.Errorf("%v: %v, want refused naming the URL forms", c.args, err)
			}
			continue
		}
		if err != nil || cfg.Attachments != c.want {
			t.Errorf("%v: %q %v, want %q", c.args, cfg.Attachments, err, c.want)
		}
	}
}

// A connection to this machine is not compressed; one to another host is,
// as the SDK does by default, TLS or not.
func TestCompressionOnlyBeyondThisMachine(t *testing.T) {
	for _, c := range []struct {
		addr string
		tls  bool
		none bool
	}{
		{"127.0.0.1:7233", false, true},
		{"localhost:7233", false, true},
		{"[::1]:7233", true, true},
		{"127.0.0.2:7233", false, true},
		{"temporal-frontend:7233", false, false},
		{"10.0.0.5:7233", true, false},
		{"lianxi.tmprl.cloud:7233", true, false},
	} {
		opts, err := Temporal{Address: c.addr, Namespace: "default", TLS: c.tls}.ClientOptions()
		if err != nil {
			t.Fatalf("%s: %v", c.addr, err)
		}
		_, none := opts.ConnectionOptions.GrpcCompression.(*client.GrpcCompressionNone)
		_, gzip := opts.ConnectionOptions.GrpcCompression.(*client.GrpcCompressionGzip)
		if none != c.none || gzip == c.none {
			t.Errorf("%s: compression %T, want none=%v", c.addr, opts.ConnectionOptions.GrpcCompression, c.none)
		}
	}
}
