package attachments

import (
	"os"
	"time"
)

// DefaultTaskQuota bounds what one task's uploads may total when no quota
// is configured: 200 MiB, ten files at the default size limit.
const DefaultTaskQuota = 200 << 20

// DefaultMinistryQuota bounds what one ministry's uploads may total over
// all tasks when no quota is configured: 1 GiB.
const DefaultMinistryQuota = 1 << 30

// DefaultGrace is how long an upload no decision names is kept when no
// grace period is configured: 7 days, time enough to finish a report.
const DefaultGrace = 7 * 24 * time.Hour

// Options are a store's bounds; zero values take the defaults.
type Options struct {
	// MaxSize bounds one file, in bytes (DefaultMaxSize).
	MaxSize int64
	// TaskQuota bounds the total size of the distinct files uploaded for
	// one task, in bytes (DefaultTaskQuota).
	TaskQuota int64
	// MinistryQuota bounds the total size of the distinct files one
	// uploader (a ministry) has uploaded over all tasks, in bytes
	// (DefaultMinistryQuota).
	MinistryQuota int64
	// Grace is how long an upload that no accepted decision names is kept
	// before Sweep removes it (DefaultGrace).
	Grace time.Duration
	// Limits bound what an archive may unpack to (DefaultLimits).
	Limits Limits
	// Now is the clock (time.Now).
	Now func() time.Time
	// TempDir is the local folder uploads are staged in while they are
	// hashed and inspected (os.TempDir()).
	TempDir string
}

// withDefaults fills in the zero values.
func (o Options) withDefaults() Options {
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
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	return o
}
