package console

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"lianxi/actions"
	"lianxi/domain"
	"lianxi/ledger"
)

// A returned round lists the answers that stood when the office returned
// it, in the task's order of participants: a withdrawn answer is gone, the
// answer sent after it counts, and progress reports are no answers.
func TestPastRounds(t *testing.T) {
	rec := func(round int, kind, ministry, person string) ledger.Record {
		return ledger.Record{Entry: ledger.Entry{Round: round, Kind: kind, Ministry: ministry, Person: person}}
	}
	recs := []ledger.Record{
		rec(1, domain.KindAssigned, domain.Office, ""),
		rec(1, domain.KindSignOff, "mof", "甲"),
		rec(1, domain.KindProgress, "miit", "乙"),
		rec(1, domain.KindSignOff, "miit", "丙"),
		rec(1, actions.KindWithdrawal, "mof", "甲"),
		rec(1, domain.KindObjection, "mof", "丁"),
		rec(1, domain.KindSignOff, "ndrc", "戊"),
		rec(1, domain.KindReturn, domain.Office, "审核人"),
		rec(2, domain.KindSignOff, "miit", "己"),
		rec(2, domain.KindSignOff, "mof", "庚"),
		rec(2, domain.KindSignOff, "ndrc", "辛"),
		rec(2, domain.KindReturn, domain.Office, "审核人"),
		rec(3, domain.KindSignOff, "miit", "壬"),
	}
	type answer struct {
		Round                  int
		Ministry, Person, Kind string
	}
	var got []answer
	for _, r := range pastRounds(recs, []string{"ndrc", "miit", "mof"}) {
		if r.Review.Kind != domain.KindReturn {
			t.Errorf("round %d closed by %s", r.Round, r.Review.Kind)
		}
		for _, a := range r.Answers {
			got = append(got, answer{r.Round, a.Ministry, a.Person, a.Kind})
		}
	}
	want := []answer{
		{1, "ndrc", "戊", domain.KindSignOff}, {1, "miit", "丙", domain.KindSignOff}, {1, "mof", "丁", domain.KindObjection},
		{2, "ndrc", "辛", domain.KindSignOff}, {2, "miit", "己", domain.KindSignOff}, {2, "mof", "庚", domain.KindSignOff},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("past rounds mismatch (-want +got):\n%s", diff)
	}
}
