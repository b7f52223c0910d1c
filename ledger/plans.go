package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PutPlanTitle records a plan's title; a later launch of the same plan with
// another title replaces it. An empty title changes nothing.
func (s *SQLStore) PutPlanTitle(ctx context.Context, planID, title string) error {
	title = strings.TrimSpace(title)
	if planID == "" || title == "" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO plans (plan_id, title, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (plan_id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at`),
		planID, title, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("record title of plan %s: %w", planID, err)
	}
	return nil
}

// PlanTitles maps every plan whose title is known to its title.
func (s *SQLStore) PlanTitles(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT plan_id, title FROM plans`)
	if err != nil {
		return nil, fmt.Errorf("read plan titles: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, title string
		if err := rows.Scan(&id, &title); err != nil {
			return nil, fmt.Errorf("read plan titles: %w", err)
		}
		out[id] = title
	}
	return out, rows.Err()
}
