package ledger

import (
	"context"
	"testing"
)

// taskRows is where the tests' upsert Also work writes, as the board
// (package board) does: one row per task, replaced only by a row with more
// decisions.
func taskRows(t testing.TB, s *SQLStore) {
	t.Helper()
	if _, err := s.db.Exec(`CREATE TABLE task_rows (workflow_id TEXT PRIMARY KEY, decisions INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
}

// putRow is Also work that upserts workflowID's row in task_rows.
func putRow(workflowID string, decisions int) Also {
	return func(ctx context.Context, exec func(string, ...any) error) error {
		return exec(`INSERT INTO task_rows (workflow_id, decisions) VALUES (?, ?)
			ON CONFLICT (workflow_id) DO UPDATE SET decisions = excluded.decisions
			WHERE task_rows.decisions <= excluded.decisions`, workflowID, decisions)
	}
}

// readRows maps each task in task_rows to its decisions.
func readRows(t testing.TB, s *SQLStore) map[string]int {
	t.Helper()
	rows, err := s.db.Query(`SELECT workflow_id, decisions FROM task_rows`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
