package config

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Print writes the resolved configuration, secrets redacted.
func (c *Config) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, s := range c.Settings() {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Flag, redact(s, valueString(s.target)))
	}
	tw.Flush()
}

func redact(s Setting, v string) string {
	if !s.Secret || v == "" {
		return v
	}
	if u, err := url.Parse(v); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
		return v
	}
	if strings.Contains(v, "password=") {
		return "(redacted)"
	}
	return "(set, redacted)"
}

func valueString(t any) string {
	switch v := t.(type) {
	case *string:
		return *v
	case *bool:
		return strconv.FormatBool(*v)
	case *int:
		return strconv.Itoa(*v)
	case *time.Duration:
		return FormatDuration(*v)
	}
	return ""
}

// Reference renders every setting as a Markdown table: flag, environment
// variable, default and meaning. docs/configuration.md holds it.
func Reference() string {
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	for _, s := range (&Config{}).Settings() {
		def := s.Default
		if def == "" {
			def = "(empty)"
		}
		doc := s.Doc
		if s.Secret {
			doc += " — secret: printed redacted"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | `%s` | %s |\n", s.Flag, s.Env, def, strings.ReplaceAll(doc, "|", "\\|"))
	}
	return b.String()
}
