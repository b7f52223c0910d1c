package ledger_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"lianxi/activities"
	"lianxi/board"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/notify"
)

// The Also work the workflows send with a decision — its notifications
// (notify.Outbox.Stage) and its board row (board.Store.Put) — is stored with the
// values passed, on every append path, the pipelined one included.
func TestStagedNotificationsAndBoardRow(t *testing.T) {
	for name, open := range ledger.AppendPaths(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			now := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
			o, err := notify.NewOutbox(ctx, s, notify.OutboxOptions{
				Now:      func() time.Time { return now },
				Webhooks: notify.Webhooks{"miit": {URL: "http://127.0.0.1:1/hook"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			b, err := board.Open(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
			note := func(id, to string) activities.Notification {
				return activities.Notification{ID: id, Recipient: to, Kind: domain.NotifyAssignment, PlanID: "plan", TaskNo: "1.1",
					Title: "任务 1.1", Round: 2, Due: due, Detail: "详情"}
			}
			row := board.Row{WorkflowID: "plan/1.1", PlanID: "plan", TaskNo: "1.1", Title: "任务 1.1", Status: "signing", Round: 2,
				Lead: "ndrc", Participants: []string{"ndrc", "miit"}, Pending: []string{"miit"}, Due: due,
				WarningWindow: 5 * 24 * time.Hour, Decisions: 3, UpdatedAt: now}
			for i, ns := range [][]activities.Notification{
				{note("n1", "ndrc"), note("n2", "miit")},
				{note("n3", "ndrc")},
				nil,
			} {
				e := ledger.Entry{DecisionID: fmt.Sprint("d", i), WorkflowID: "plan/1.1", RunID: "run", PlanID: "plan", TaskNo: "1.1",
					Round: 2, Kind: domain.KindAssigned, Ministry: "ndrc", At: now}
				if _, err := s.Append(ctx, e, o.Stage(ns), b.Put(row)); err != nil {
					t.Fatal(err)
				}
			}
			for to, want := range map[string][]string{"ndrc": {"n1", "n3"}, "miit": {"n2"}} {
				inbox, err := o.Inbox(ctx, to, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(inbox) != len(want) {
					t.Fatalf("inbox of %s: %+v, want %v", to, inbox, want)
				}
				for _, m := range inbox {
					wantState := notify.StateStored
					if to == "miit" {
						wantState = notify.StatePending
					}
					if n := note(m.ID, to); !reflect.DeepEqual(m.Notification, n) || m.State != wantState || !m.CreatedAt.Equal(now) ||
						m.Text != notify.Compose(n, "") || m.Attempts != 0 || m.LastError != "" {
						t.Errorf("stored notification %+v\nwant %+v, state %s, created %v", m, n, wantState, now)
					}
				}
			}
			rows, err := b.List(ctx, board.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || !reflect.DeepEqual(rows[0], row) {
				t.Errorf("board %+v\nwant %+v", rows, row)
			}
		})
	}
}
