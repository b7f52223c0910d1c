package console

import (
	"slices"

	"lianxi/actions"
	"lianxi/domain"
	"lianxi/ledger"
)

// pastRound is a finished round as the ledger recorded it: the answers that
// stood when the office returned it, each with its signer and whole texts,
// and the return itself.
type pastRound struct {
	Round   int
	Review  ledger.Record
	Answers []ledger.Record
}

// pastRounds reads the returned rounds from a task's records, oldest first.
// Answers gather until the office returns the round; a withdrawal takes its
// ministry's answer back. The status keeps only the latest rounds, without
// their signers; the ledger keeps every one. Answers are listed in the
// task's order of participants (order), others after them as they came.
func pastRounds(recs []ledger.Record, order []string) []pastRound {
	var out []pastRound
	var answers []ledger.Record
	for _, rec := range recs {
		switch rec.Kind {
		case domain.KindSignOff, domain.KindObjection, actions.KindWithdrawal:
			answers = slices.DeleteFunc(answers, func(a ledger.Record) bool { return a.Ministry == rec.Ministry })
			if rec.Kind != actions.KindWithdrawal {
				answers = append(answers, rec)
			}
		case domain.KindReturn:
			r := pastRound{Round: len(out) + 1, Review: rec, Answers: answers}
			if len(answers) > 0 {
				r.Round = answers[0].Round
			}
			rank := func(a ledger.Record) int {
				if i := slices.Index(order, a.Ministry); i >= 0 {
					return i
				}
				return len(order)
			}
			slices.SortStableFunc(r.Answers, func(a, b ledger.Record) int { return rank(a) - rank(b) })
			out = append(out, r)
			answers = nil
		}
	}
	return out
}
