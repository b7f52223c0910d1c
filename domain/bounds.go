package domain

import (
	"slices"
	"unicode/utf8"
)

// Bounds on what a task keeps in its state, whatever its participants send
// and however long it runs. Full texts stay on the ledger, where the task
// page and the API's records route read them; the state keeps what the
// workflow needs to decide and an excerpt of each text.
const (
	// ExcerptLen is how many characters of a comment, report or progress
	// text the state keeps; Truncated says when there was more.
	ExcerptLen = 100
	// NameExcerptLen is how much of a signer's name the state keeps.
	NameExcerptLen = 20
	// KeepProgress is how many of the latest progress reports the state
	// lists (ProgressCount counts them all).
	KeepProgress = 10
	// KeepRounds is how many finished rounds the state lists.
	KeepRounds = 2
	// KeepExtensions is how many extension requests the state lists.
	KeepExtensions = 10
	// KeepReceipts is how many receipts are kept to answer retried
	// requests: the latest decisions of the task, far more than a caller
	// retries across.
	KeepReceipts = 500
	// MaxTextLen bounds the task's own text in the status.
	MaxTextLen = 4000
	// MaxStatusBytes is the documented bound on the status query's JSON:
	// 200 participants answering with the longest comments, the longest
	// joint report, three rounds (two of them finished) and the listed progress reports
	// and extensions stay under it (TestStatusStaysBounded).
	MaxStatusBytes = 256 << 10
)

// excerpt cuts s to ExcerptLen characters, reporting whether it did.
func excerpt(s string) (string, bool) { return excerptN(s, ExcerptLen) }

func excerptN(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	return string([]rune(s)[:n]) + "…", true
}

// trimAnswer keeps an excerpt of an answer's texts.
func trimAnswer(a *Answer) *Answer {
	c, t1 := excerpt(a.Comment)
	r, t2 := excerpt(a.Report)
	n, t3 := excerptN(a.Signer, NameExcerptLen)
	out := *a
	out.Comment, out.Report, out.Signer, out.Truncated = c, r, n, a.Truncated || t1 || t2 || t3
	return &out
}

// keepLast drops all but the last n elements.
func keepLast[T any](s []T, n int) []T {
	if len(s) <= n {
		return s
	}
	return slices.Clone(s[len(s)-n:])
}

// Bound applies the bounds after a decision, on runs that keep bounded
// state (those on the transactional outbox).
func (s *TaskState) Bound() {
	for i := range s.Participants {
		if a := s.Participants[i].Answer; a != nil {
			s.Participants[i].Answer = trimAnswer(a)
		}
	}
	s.Rounds = keepLast(s.Rounds, KeepRounds)
	for i := range s.Rounds {
		ps := slices.Clone(s.Rounds[i].Participants)
		for j := range ps {
			if a := ps[j].Answer; a != nil {
				c := *a
				c.Comment, c.Report, c.Signer, c.Truncated = "", "", "", a.Truncated || a.Comment != "" || a.Report != "" || a.Signer != ""
				ps[j].Answer = &c
			}
		}
		s.Rounds[i].Participants = ps
		s.Rounds[i].Review.Comment, _ = excerpt(s.Rounds[i].Review.Comment)
	}
	for i := range s.Progress {
		if t, cut := excerpt(s.Progress[i].Text); cut {
			s.Progress[i].Text, s.Progress[i].Truncated = t, true
		}
	}
	s.Progress = keepLast(s.Progress, KeepProgress)
	s.Extensions = keepLast(s.Extensions, KeepExtensions)
	for i := range s.Extensions {
		s.Extensions[i].Reason, _ = excerpt(s.Extensions[i].Reason)
		s.Extensions[i].Comment, _ = excerpt(s.Extensions[i].Comment)
	}
	for len(s.ReceiptOrder) > KeepReceipts {
		delete(s.Receipts, s.ReceiptOrder[0])
		s.ReceiptOrder = s.ReceiptOrder[1:]
	}
}
