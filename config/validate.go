package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Validate checks the resolved values and fills in derived ones.
func (c *Config) Validate() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, errors.New("data: must not be empty"))
	}
	for name, addr := range map[string]string{"temporal-address": c.Temporal.Address, "http-addr": c.HTTPAddr, "ui-addr": c.UIAddr} {
		if name == "ui-addr" && addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want host:port", name, addr))
		}
	}
	if c.Temporal.Namespace == "" {
		errs = append(errs, errors.New("namespace: must not be empty"))
	}
	if (c.Temporal.TLSCert == "") != (c.Temporal.TLSKey == "") {
		errs = append(errs, errors.New("temporal-tls-cert and temporal-tls-key go together"))
	}
	for name, d := range map[string]time.Duration{"sign-off-period": c.Defaults.SignOffPeriod, "review-period": c.Defaults.ReviewPeriod,
		"reminder-interval": c.Defaults.ReminderInterval, "warning-window": c.Defaults.WarningWindow, "retention": c.Retention,
		"attachment-grace": c.AttachmentGrace} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", name))
		}
	}
	if c.AttachmentMaxMiB <= 0 || c.AttachmentMaxMiB > 1024 {
		errs = append(errs, fmt.Errorf("attachment-max-mib %d: want 1 to 1024", c.AttachmentMaxMiB))
	}
	for name, q := range map[string]int{"attachment-task-quota-mib": c.AttachmentTaskQuotaMiB, "attachment-ministry-quota-mib": c.AttachmentMinistryQuotaMiB} {
		if q < c.AttachmentMaxMiB || q > 1<<20 {
			errs = append(errs, fmt.Errorf("%s %d: want at least attachment-max-mib (%d) and at most 1048576", name, q, c.AttachmentMaxMiB))
		}
	}
	if c.WitnessURL != "" {
		if u, err := url.Parse(c.WitnessURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("witness-url %q: want an http:// or https:// URL", c.WitnessURL))
		}
		if c.WitnessSecret == "" {
			errs = append(errs, errors.New("witness-url needs witness-secret, which signs what is sent"))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.TemporalDB != "" && !strings.HasPrefix(c.TemporalDB, "postgres://") && !strings.HasPrefix(c.TemporalDB, "postgresql://") {
		errs = append(errs, errors.New("temporal-db: want postgres://USER:PASS@HOST:PORT/DB (or empty for SQLite in the data folder)"))
	}
	if c.LogFormat != "console" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format %q: want console or json", c.LogFormat))
	}
	if c.PrincipalsFile == "" {
		c.PrincipalsFile = filepath.Join(c.DataDir, "principals.json")
	}
	if c.DoorKeyFile == "" {
		c.DoorKeyFile = filepath.Join(c.DataDir, "door.key")
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.HTTPAddr
	}
	if err := c.resolveAttachments(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// resolveAttachments checks the attachment store's URL, or makes it the
// folder <data>/attachments when none is given. The store itself is
// opened, and so checked for good, by the commands that use it.
func (c *Config) resolveAttachments() error {
	if c.Attachments == "" {
		dir, err := filepath.Abs(filepath.Join(c.DataDir, "attachments"))
		if err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
		c.Attachments = (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
		return nil
	}
	u, err := url.Parse(c.Attachments)
	switch {
	case err != nil:
		return fmt.Errorf("attachments %q: %w", c.Attachments, err)
	case u.Scheme == "file" && u.Path == "":
		return fmt.Errorf("attachments %q: no folder (want file:///PATH)", c.Attachments)
	case u.Scheme == "s3" && u.Host == "":
		return fmt.Errorf("attachments %q: no bucket (want s3://BUCKET?region=REGION)", c.Attachments)
	case u.Scheme != "file" && u.Scheme != "s3":
		return fmt.Errorf("attachments %q: want file:///PATH or s3://BUCKET?region=REGION", c.Attachments)
	}
	return nil
}
