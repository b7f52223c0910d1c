package console

import (
	"context"
	"sync"
	"time"

	"lianxi/bundled"
)

// planTitles names plans as people know them: the title recorded when the
// plan was launched, or the bundled plan's own. Pages show the title and
// keep the plan ID for URLs; a plan whose title is unknown (launched before
// titles were kept) shows its ID, the only name it has.
type planTitles struct {
	mu     sync.Mutex
	read   func(context.Context) (map[string]string, error)
	now    func() time.Time
	titles map[string]string
	at     time.Time
	// fallback names the bundled plan when the ledger has no title for it.
	fallback map[string]string
}

// planTitlesTTL is how long titles read from the ledger are used before
// they are read again; a plan not among them is looked for at once.
const planTitlesTTL = time.Minute

// planTitlesRetry spaces the reads a plan without a title causes, so a
// page listing many of its tasks reads the ledger once.
const planTitlesRetry = 2 * time.Second

func newPlanTitles(read func(context.Context) (map[string]string, error), now func() time.Time) *planTitles {
	t := &planTitles{read: read, now: now, fallback: map[string]string{}}
	if p, err := bundled.Plan(); err == nil && p.Title != "" {
		t.fallback[bundled.PlanID] = p.Title
	}
	return t
}

// title is planID's title, or planID when none is known.
func (t *planTitles) title(ctx context.Context, planID string) string {
	if planID == "" {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, known := t.titles[planID]
	age := t.now().Sub(t.at)
	if t.read != nil && (t.titles == nil || age > planTitlesTTL || !known && age > planTitlesRetry) {
		// A plan launched since the last read (by the CLI, another
		// console) is found within planTitlesRetry; an unreadable ledger
		// leaves the titles read before.
		if m, err := t.read(ctx); err == nil {
			t.titles, t.at = m, t.now()
		}
	}
	if v := t.titles[planID]; v != "" {
		return v
	}
	if v := t.fallback[planID]; v != "" {
		return v
	}
	return planID
}
