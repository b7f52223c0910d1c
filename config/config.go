// Package config is lianxi's one typed configuration. Every setting has a
// flag, an environment variable and a documented default; flags win over the
// environment, the environment over defaults. The resolved configuration is
// validated once and printed at start with secrets redacted.
package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/pflag"
)

// Config is everything a lianxi process needs.
type Config struct {
	DataDir  string
	Temporal Temporal
	HTTPAddr string
	// PublicURL is the console's address as ministries reach it, used in
	// notification links.
	PublicURL string
	// LedgerDSN selects PostgreSQL for the ledger; empty means the SQLite
	// file <data>/ledger.db.
	LedgerDSN string
	// WebhooksFile maps recipients to webhook URLs and secrets (JSON).
	WebhooksFile string
	// WitnessURL receives every signed ledger checkpoint (a signed POST);
	// WitnessSecret signs it.
	WitnessURL, WitnessSecret string
	// PrincipalsFile holds the console's principals and token hashes.
	PrincipalsFile string
	// DoorKeyFile holds the key the API signs principals with and workers
	// check them with.
	DoorKeyFile string
	// Server is the lianxi API the CLI's task verbs talk to.
	Server string
	// Token is the bearer token the CLI acts with.
	Token string
	// MetricsAddr serves /metrics and /healthz; empty disables them.
	MetricsAddr string
	// UIAddr is where `lianxi dev` serves the Temporal Web UI; empty
	// disables it.
	UIAddr    string
	Defaults  TaskDefaults
	LogLevel  string
	LogFormat string
	// Retention is how long the embedded server keeps closed histories.
	Retention time.Duration
	// TemporalDB puts the embedded server's state on PostgreSQL (a
	// postgres:// URL); empty keeps it in <data>/temporal.db (SQLite).
	TemporalDB string
	// AttachmentMaxMiB bounds one attachment, in MiB.
	AttachmentMaxMiB int
	// AttachmentTaskQuotaMiB bounds the total of one task's attachments,
	// in MiB.
	AttachmentTaskQuotaMiB int
	// AttachmentMinistryQuotaMiB bounds the total of one ministry's
	// attachments over all tasks, in MiB.
	AttachmentMinistryQuotaMiB int
	// AttachmentGrace is how long an upload no decision names is kept.
	AttachmentGrace time.Duration
	// Attachments is the URL of the attachment store: file:///PATH or
	// s3://BUCKET?…; empty means the folder <data>/attachments.
	Attachments string
}

// Temporal is the connection to a Temporal service, named after the
// environment variables the Temporal SDK's envconfig uses.
type Temporal struct {
	Address    string
	Namespace  string
	APIKey     string
	TLS        bool
	TLSCert    string
	TLSKey     string
	TLSCA      string
	ServerName string
}

// TaskDefaults are the periods given to tasks whose plan sets none.
type TaskDefaults struct {
	SignOffPeriod    time.Duration
	ReviewPeriod     time.Duration
	ReminderInterval time.Duration
	WarningWindow    time.Duration
}

// Setting documents one configuration value.
type Setting struct {
	Flag    string
	Env     string
	Default string
	Doc     string
	Secret  bool
	target  any
}

// Settings lists every setting of c, bound to its fields.
func (c *Config) Settings() []Setting {
	return []Setting{
		{"data", "LIANXI_DATA", "./lianxi-data", "data folder: embedded Temporal database, ledger, tokens", false, &c.DataDir},
		{"temporal-address", "TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend `HOST:PORT` (the embedded server listens here under lianxi dev)", false, &c.Temporal.Address},
		{"namespace", "TEMPORAL_NAMESPACE", "default", "Temporal namespace", false, &c.Temporal.Namespace},
		{"temporal-api-key", "TEMPORAL_API_KEY", "", "API key for Temporal Cloud or an API-key-protected cluster (implies TLS)", true, &c.Temporal.APIKey},
		{"temporal-tls", "TEMPORAL_TLS", "false", "connect to Temporal over TLS", false, &c.Temporal.TLS},
		{"temporal-tls-cert", "TEMPORAL_TLS_CLIENT_CERT_PATH", "", "client certificate for mTLS (PEM file)", false, &c.Temporal.TLSCert},
		{"temporal-tls-key", "TEMPORAL_TLS_CLIENT_KEY_PATH", "", "client key for mTLS (PEM file)", false, &c.Temporal.TLSKey},
		{"temporal-tls-ca", "TEMPORAL_TLS_SERVER_CA_CERT_PATH", "", "CA certificate that signed the server's certificate (PEM file)", false, &c.Temporal.TLSCA},
		{"temporal-tls-server-name", "TEMPORAL_TLS_SERVER_NAME", "", "server name to verify in the server's certificate", false, &c.Temporal.ServerName},
		{"http-addr", "LIANXI_HTTP_ADDR", "127.0.0.1:8080", "address the web console and HTTP API listen on", false, &c.HTTPAddr},
		{"public-url", "LIANXI_PUBLIC_URL", "", "console URL as browsers reach it: used in notification links and the sign-in origin check, and https:// marks cookies Secure (default http://<http-addr>)", false, &c.PublicURL},
		{"ledger-dsn", "LIANXI_LEDGER_DSN", "", "PostgreSQL DSN for the ledger; empty uses <data>/ledger.db (SQLite)", true, &c.LedgerDSN},
		{"webhooks", "LIANXI_WEBHOOKS", "", "JSON file mapping ministry IDs (and \"office\") to {url, secret} webhooks", false, &c.WebhooksFile},
		{"witness-url", "LIANXI_WITNESS_URL", "", "URL that receives every signed ledger checkpoint (POST, text/plain, signed like webhooks), to keep copies away from the office; empty sends none", false, &c.WitnessURL},
		{"witness-secret", "LIANXI_WITNESS_SECRET", "", "shared secret that signs the checkpoints sent to --witness-url (X-Lianxi-Signature)", true, &c.WitnessSecret},
		{"metrics-addr", "LIANXI_METRICS_ADDR", "", "address for Prometheus /metrics and /healthz (worker, serve, dev); empty disables", false, &c.MetricsAddr},
		{"ui-addr", "LIANXI_UI_ADDR", "127.0.0.1:8233", "`HOST:PORT` of the Temporal Web UI that lianxi dev serves (read-only, on the embedded server); empty disables it", false, &c.UIAddr},
		{"principals", "LIANXI_PRINCIPALS", "", "principals file (roles and token hashes) for the console and API; default <data>/principals.json", false, &c.PrincipalsFile},
		{"door-key", "LIANXI_DOOR_KEY_FILE", "", "key file the API signs principals with and workers verify them with (serve and every worker need the same one); default <data>/door.key", false, &c.DoorKeyFile},
		{"server", "LIANXI_SERVER", "http://127.0.0.1:8080", "the lianxi API the CLI's task verbs talk to", false, &c.Server},
		{"token", "LIANXI_TOKEN", "", "bearer token the CLI acts with (or --as NAME, read from <data>/tokens.json)", true, &c.Token},
		{"sign-off-period", "LIANXI_SIGN_OFF_PERIOD", "30d", "default time a round of sign-off gets", false, &c.Defaults.SignOffPeriod},
		{"review-period", "LIANXI_REVIEW_PERIOD", "7d", "default time the office gets to review", false, &c.Defaults.ReviewPeriod},
		{"reminder-interval", "LIANXI_REMINDER_INTERVAL", "3d", "how often a ministry that has not answered is reminded", false, &c.Defaults.ReminderInterval},
		{"warning-window", "LIANXI_WARNING_WINDOW", "5d", "the warning turns yellow this long before a due date", false, &c.Defaults.WarningWindow},
		{"log-level", "LIANXI_LOG_LEVEL", "info", "debug, info, warn or error", false, &c.LogLevel},
		{"log-format", "LIANXI_LOG_FORMAT", "console", "console (human-readable) or json", false, &c.LogFormat},
		{"temporal-db", "LIANXI_TEMPORAL_DB", "", "a `postgres://USER:PASS@HOST:PORT/DB` URL keeps the state of the embedded Temporal server (lianxi server, lianxi dev) on PostgreSQL (visibility in DB_visibility; the schema is created or upgraded on start); empty uses <data>/temporal.db (SQLite)", true, &c.TemporalDB},
		{"retention", "LIANXI_RETENTION", "30d", "embedded server: how long closed workflow histories are kept (the ledger keeps decisions for good)", false, &c.Retention},
		{"attachment-max-mib", "LIANXI_ATTACHMENT_MAX_MIB", "20", "largest attachment to a joint or progress report, in MiB (files are kept where --attachments says)", false, &c.AttachmentMaxMiB},
		{"attachment-task-quota-mib", "LIANXI_ATTACHMENT_TASK_QUOTA_MIB", "200", "total of the distinct files uploaded for one task, in MiB", false, &c.AttachmentTaskQuotaMiB},
		{"attachment-ministry-quota-mib", "LIANXI_ATTACHMENT_MINISTRY_QUOTA_MIB", "1024", "total of the distinct files one ministry uploads over all tasks, in MiB", false, &c.AttachmentMinistryQuotaMiB},
		{"attachments", "LIANXI_ATTACHMENTS", "", "`URL` of the attachment store: file:///PATH (a folder; several serve processes need it on a shared file system) or s3://BUCKET?region=REGION&endpoint=URL&use_path_style=true (an S3-compatible bucket; credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or AWS_PROFILE); checked with a probe object at start; empty uses file://<data>/attachments", false, &c.Attachments},
		{"attachment-grace", "LIANXI_ATTACHMENT_GRACE", "7d", "how long an upload that no accepted decision names is kept before the hourly sweep removes it", false, &c.AttachmentGrace},
	}
}

// Bind registers every setting as a flag on fs, with the environment
// (looked up through getenv) as the default when it is set.
func (c *Config) Bind(fs *pflag.FlagSet, getenv func(string) string) error {
	for _, s := range c.Settings() {
		def := s.Default
		if v := getenv(s.Env); v != "" {
			def = v
		}
		usage := fmt.Sprintf("%s (env %s)", s.Doc, s.Env)
		switch t := s.target.(type) {
		case *string:
			fs.StringVar(t, s.Flag, def, usage)
		case *bool:
			b, err := strconv.ParseBool(def)
			if err != nil {
				return fmt.Errorf("config: %s=%q: not a boolean", s.Env, def)
			}
			fs.BoolVar(t, s.Flag, b, usage)
		case *int:
			n, err := strconv.Atoi(def)
			if err != nil {
				return fmt.Errorf("config: %s=%q: not a whole number", s.Env, def)
			}
			fs.IntVar(t, s.Flag, n, usage)
		case *time.Duration:
			d, err := ParseDuration(def)
			if err != nil {
				return fmt.Errorf("config: %s=%q: %w", s.Env, def, err)
			}
			*t = d
			fs.Var((*durationValue)(t), s.Flag, usage)
		}
	}
	return nil
}

// TokensPath is where `lianxi dev` writes the users' tokens.
func (c *Config) TokensPath() string { return filepath.Join(c.DataDir, "tokens.json") }

// LedgerPath is the SQLite ledger file under the data folder.
func (c *Config) LedgerPath() string { return filepath.Join(c.DataDir, "ledger.db") }
