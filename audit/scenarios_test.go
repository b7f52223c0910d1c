package audit

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"lianxi/actions"
	"lianxi/activities"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/testkit"
	"lianxi/testkit/lianxitest"
	"lianxi/workflows"
)

var update = flag.Bool("update", false, "regenerate testdata/histories on a real in-process server")

// historyDir holds one folder per generation of the workflow code, from
// the release baseline (v0.1.0) on; every generation stays and keeps
// replaying (v0.2.0: runs keep up with their ledger, changeConverge;
// v0.3.0: launchers say so in TaskInput.Revision, and no version marker
// or TemporalChangeVersion upsert is written; v0.4.0: revision 2, search
// attributes upserted only as the task closes). A change to workflow logic is patched (workflow.GetVersion),
// gets a new historyGeneration named for the release that brings it, and
// its histories are generated with -update beside the older ones.
const (
	historyDir        = "testdata/histories"
	historyGeneration = "v0.4.0"
)

type discard struct{}

func (discard) Notify(context.Context, activities.Notification) error { return nil }

func (discard) Stage([]activities.Notification) ledger.Also {
	return func(context.Context, func(string, ...any) error) error { return nil }
}

// lab is a real in-process Temporal server with a worker and a ledger.
type lab struct {
	t      *testing.T
	c      client.Client
	ns     string
	tasks  *taskclient.Client
	ledger *ledger.SQLStore
}

func newLab(t *testing.T) *lab {
	t.Helper()
	st := lianxitest.New(t, lianxitest.Options{Notifier: discard{}})
	return &lab{t: t, c: st.Client(), ns: st.Namespace(), tasks: st.Tasks(), ledger: st.Ledger()}
}

// start starts a task as its launcher would.
func (l *lab) start(spec domain.TaskSpec, canAfter int) string {
	l.t.Helper()
	spec = starter.FixDue(spec, time.Now())
	opts := starter.StartOptions(spec)
	if _, err := l.c.ExecuteWorkflow(context.Background(), opts, workflows.WorkflowName,
		workflows.TaskInput{Spec: spec, ContinueAsNewAfter: canAfter, Revision: workflows.CurrentRevision}); err != nil {
		l.t.Fatal(err)
	}
	return opts.ID
}

func (l *lab) do(id, name, req string, arg any) {
	l.t.Helper()
	if _, err := l.tasks.Update(context.Background(), id, name, req, arg); err != nil {
		l.t.Fatalf("%s %s: %v", name, req, err)
	}
}

func (l *lab) wait(id string) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.c.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		l.t.Fatalf("%s: %v", id, err)
	}
}

// waitEscalations waits until the task's timers have put n overdue
// escalations on the ledger.
func (l *lab) waitEscalations(id string, n int) {
	l.t.Helper()
	testkit.Eventually(l.t, fmt.Sprintf("%d overdue escalations of %s on the ledger", n, id), func() (bool, string) {
		got := 0
		err := l.ledger.Scan(context.Background(), func(r ledger.Record) error {
			if r.WorkflowID == id && r.Kind == domain.KindEscalation {
				got++
			}
			return nil
		})
		return err == nil && got >= n, fmt.Sprintf("%d escalations %v", got, err)
	})
}

func spec(no string) domain.TaskSpec {
	return domain.TaskSpec{PlanID: "audit", TaskNo: no, Title: "审计样例 " + no, Lead: "ndrc",
		Participants: []string{"ndrc", "miit", "mof"}}
}

func (l *lab) signAll(id, sfx string) {
	l.do(id, domain.UpdateSignOff, "miit"+sfx, domain.SignOffRequest{Ministry: "miit", Decision: "approve"})
	l.do(id, domain.UpdateSignOff, "mof"+sfx, domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
	l.do(id, domain.UpdateSignOff, "ndrc"+sfx, domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"})
}

func (l *lab) approve(id string) {
	l.do(id, domain.UpdateReview, "approve", domain.ReviewRequest{Decision: "approve", Reviewer: "办公室"})
}

// scenarios drive one task along each lifecycle path.
var scenarios = map[string]func(l *lab) string{
	"approval": func(l *lab) string {
		id := l.start(spec("1"), 0)
		l.signAll(id, "")
		l.approve(id)
		return id
	},
	"objection": func(l *lab) string {
		id := l.start(spec("2"), 0)
		l.do(id, domain.UpdateSignOff, "miit", domain.SignOffRequest{Ministry: "miit", Decision: "object", Comment: "口径不一致"})
		l.do(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		l.do(id, domain.UpdateSignOff, "ndrc", domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"})
		l.approve(id)
		return id
	},
	"return-second-round": func(l *lab) string {
		id := l.start(spec("3"), 0)
		l.signAll(id, "-1")
		l.do(id, domain.UpdateReview, "return", domain.ReviewRequest{Decision: "return", Comment: "请补充"})
		l.signAll(id, "-2")
		l.approve(id)
		return id
	},
	"extension-granted": func(l *lab) string {
		s := spec("4")
		id := l.start(s, 0)
		l.do(id, domain.UpdateRequestExtension, "ext", domain.ExtensionRequest{Ministry: "mof", Until: time.Now().Add(60 * 24 * time.Hour), Reason: "需协调"})
		l.do(id, domain.UpdateDecideExtension, "grant", domain.ExtensionDecision{Decision: "grant"})
		l.signAll(id, "")
		l.approve(id)
		return id
	},
	"extension-refused": func(l *lab) string {
		id := l.start(spec("5"), 0)
		l.do(id, domain.UpdateRequestExtension, "ext", domain.ExtensionRequest{Ministry: "miit", Until: time.Now().Add(60 * 24 * time.Hour), Reason: "需协调"})
		l.do(id, domain.UpdateDecideExtension, "refuse", domain.ExtensionDecision{Decision: "refuse", Comment: "按期完成"})
		l.do(id, domain.UpdateReportProgress, "progress", domain.ProgressRequest{Ministry: "miit", Text: "已启动"})
		l.signAll(id, "")
		l.approve(id)
		return id
	},
	"amend": func(l *lab) string {
		id := l.start(spec("6"), 0)
		l.do(id, domain.UpdateAmend, "amend", domain.AmendRequest{Add: []string{"mofcom"}, Remove: []string{"ndrc"}, Lead: "miit", Reason: "调整", BeyondList: domain.BeyondTheList})
		l.do(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		l.do(id, domain.UpdateSignOff, "mofcom", domain.SignOffRequest{Ministry: "mofcom", Decision: "approve"})
		l.do(id, domain.UpdateSignOff, "miit", domain.SignOffRequest{Ministry: "miit", Decision: "approve", Report: "报告"})
		l.approve(id)
		return id
	},
	"urge": func(l *lab) string {
		id := l.start(spec("10"), 0)
		l.do(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		l.do(id, domain.UpdateUrge, "urge", domain.UrgeRequest{Comment: "请尽快会签"})
		l.signAll(id, "")
		l.approve(id)
		return id
	},
	"withdraw": func(l *lab) string {
		id := l.start(spec("12"), 0)
		l.do(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		l.do(id, actions.UpdateWithdraw, "withdraw", actions.WithdrawRequest{Ministry: "mof", Comment: "数据需复核"})
		l.signAll(id, "-again")
		l.approve(id)
		return id
	},
	"adopt-ghost": func(l *lab) string {
		id := l.start(spec("13"), 0)
		l.do(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		// miit's sign-off is on the ledger, but its workflow task never
		// completed (a process killed in between): the next decision
		// finds the ledger ahead, and the workflow adopts it first.
		req, _ := json.Marshal(domain.SignOffRequest{Ministry: "miit", Decision: "approve", Signer: "张三"})
		if _, err := l.ledger.Append(context.Background(), ledger.Entry{
			DecisionID: id + "/ghost-miit", WorkflowID: id, RunID: "killed", PlanID: "audit", TaskNo: "13", Round: 1,
			Kind: domain.KindSignOff, Ministry: "miit", Person: "张三", At: time.Now().UTC(),
			Payload: map[string]string{"decision": "approve", domain.PayloadAction: domain.UpdateSignOff, domain.PayloadRequest: string(req)},
		}); err != nil {
			l.t.Fatal(err)
		}
		l.do(id, domain.UpdateReportProgress, "progress", domain.ProgressRequest{Ministry: "mof", Text: "已完成"})
		l.do(id, domain.UpdateSignOff, "ndrc", domain.SignOffRequest{Ministry: "ndrc", Decision: "approve", Report: "联合报告"})
		l.approve(id)
		return id
	},
	"cancel": func(l *lab) string {
		id := l.start(spec("7"), 0)
		l.do(id, domain.UpdateSignOff, "mof", domain.SignOffRequest{Ministry: "mof", Decision: "approve"})
		l.do(id, domain.UpdateCancel, "cancel", domain.CancelRequest{Reason: "并入其他任务"})
		return id
	},
	"overdue-reminders": func(l *lab) string {
		s := spec("8")
		s.SignOffDue = time.Now().Add(1500 * time.Millisecond)
		s.ReminderInterval = 400 * time.Millisecond
		s.WarningWindow = time.Second
		s.ReviewPeriod = time.Second
		id := l.start(s, 0)
		// Answer only once each phase is overdue and escalated, so the
		// history holds reminders, the warning turning and both escalations.
		l.waitEscalations(id, 1)
		l.signAll(id, "")
		l.waitEscalations(id, 2)
		l.approve(id)
		return id
	},
	"continue-as-new": func(l *lab) string {
		id := l.start(spec("9"), 30)
		for i := 0; i < 6; i++ {
			l.do(id, domain.UpdateReportProgress, fmt.Sprint("p", i), domain.ProgressRequest{Ministry: "mof", Text: fmt.Sprint("进展 ", i)})
		}
		l.signAll(id, "")
		l.approve(id)
		return id
	},
}

// TestGenerateHistories rewrites testdata/histories with -update; without
// it the committed files are what the replay tests use.
func TestGenerateHistories(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate the committed histories")
	}
	l := newLab(t)
	gen := filepath.Join(historyDir, historyGeneration)
	if err := os.RemoveAll(gen); err != nil {
		t.Fatal(err)
	}
	for name, drive := range scenarios {
		id := drive(l)
		l.wait(id)
		runs, err := Runs(context.Background(), l.c, l.ns, TaskQuery(id))
		if err != nil {
			t.Fatal(err)
		}
		if name == "continue-as-new" && len(runs) < 2 {
			t.Fatalf("continue-as-new scenario made %d runs", len(runs))
		}
		dir := filepath.Join(gen, name)
		if _, err := Export(context.Background(), l.c, runs, dir); err != nil {
			t.Fatal(err)
		}
	}
}
