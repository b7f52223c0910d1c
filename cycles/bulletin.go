package cycles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"lianxi/domain"
	"lianxi/ledger"
)

// ExcerptLen is how many characters of a report a bulletin quotes; the full
// text stays on the ledger at the record the excerpt names.
const ExcerptLen = 200

// DueSoon is how far ahead a bulletin lists tasks falling due.
const DueSoon = 30 * 24 * time.Hour

// Bulletin is the supervision bulletin (督查通报) of one round. Every figure
// is read from the ledger and the board at the round's close; once issued it
// is stored whole on the ledger with its hash and never recomputed.
type Bulletin struct {
	PlanID   string    `json:"plan_id"`
	CycleID  string    `json:"cycle_id,omitempty"`
	RoundKey string    `json:"round_key"`
	RoundID  string    `json:"round_id"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	// ByStatus counts the plan's tasks by status at the close.
	ByStatus map[string]int `json:"by_status"`
	// BySection counts the plan's open tasks by section (the task number's
	// part before the first dot).
	BySection   map[string]int `json:"by_section"`
	NewlyClosed []TaskLine     `json:"newly_closed"`
	Overdue     []TaskLine     `json:"overdue"`
	DueSoon     []TaskLine     `json:"due_soon"`
	Extensions  []Extension    `json:"extensions"`
	Reports     []Excerpt      `json:"reports"`
	Reported    []Answer       `json:"reported"`
	Missing     []Answer       `json:"missing"`
	// Silent are the ministries that owed a report and filed none, sorted.
	Silent  []string `json:"silent"`
	Dropped []string `json:"dropped,omitempty"`
}

// TaskLine names a task in a bulletin's list.
type TaskLine struct {
	TaskNo string    `json:"task_no"`
	Title  string    `json:"title"`
	Lead   string    `json:"lead"`
	Status string    `json:"status"`
	Due    time.Time `json:"due"`
}

// Extension is an extension request filed inside the round's window.
type Extension struct {
	TaskNo   string    `json:"task_no"`
	Ministry string    `json:"ministry"`
	Until    string    `json:"until"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
	Seq      int64     `json:"seq"`
}

// Excerpt quotes a progress report filed inside the window; Seq is its
// ledger record, where the whole text is.
type Excerpt struct {
	TaskNo   string    `json:"task_no"`
	Ministry string    `json:"ministry"`
	Author   string    `json:"author,omitempty"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
	Seq      int64     `json:"seq"`
}

// inWindow says whether t falls in [from, to].
func inWindow(t, from, to time.Time) bool { return !t.Before(from) && !t.After(to) }

// standing works out who reported on the round's tasks: a task whose board
// row is no longer open is dropped; a reporter reported when the ledger
// holds a progress record of theirs on the task inside the window.
func standing(tasks []RoundTask, rows map[string]domain.BoardRow, recs map[string][]ledger.Record, from, to time.Time) Standing {
	var s Standing
	for _, t := range tasks {
		if r, ok := rows[t.WorkflowID]; ok && !domain.IsOpen(r.Status) {
			s.Dropped = append(s.Dropped, t.TaskNo)
			continue
		}
		for _, m := range t.Reporters {
			a := Answer{TaskNo: t.TaskNo, Ministry: m}
			if slices.ContainsFunc(recs[t.WorkflowID], func(r ledger.Record) bool {
				return r.Kind == domain.KindProgress && r.Ministry == m && inWindow(r.At, from, to)
			}) {
				s.Reported = append(s.Reported, a)
			} else {
				s.Missing = append(s.Missing, a)
			}
		}
	}
	return s
}

// compile builds the bulletin from the plan's board rows (in task order) and
// the ledger records of each task.
func compile(in CompileInput, board []domain.BoardRow, recs map[string][]ledger.Record) Bulletin {
	rows := make(map[string]domain.BoardRow, len(board))
	for _, r := range board {
		rows[r.WorkflowID] = r
	}
	st := standing(in.Tasks, rows, recs, in.From, in.To)
	b := Bulletin{
		PlanID: in.PlanID, CycleID: in.CycleID, RoundKey: in.RoundKey, RoundID: in.RoundID, From: in.From, To: in.To,
		ByStatus: map[string]int{}, BySection: map[string]int{},
		NewlyClosed: []TaskLine{}, Overdue: []TaskLine{}, DueSoon: []TaskLine{}, Extensions: []Extension{}, Reports: []Excerpt{},
		Reported: nonNil(st.Reported), Missing: nonNil(st.Missing), Silent: []string{}, Dropped: st.Dropped,
	}
	for _, r := range board {
		b.ByStatus[r.Status]++
		line := TaskLine{TaskNo: r.TaskNo, Title: r.Title, Lead: r.Lead, Status: r.Status, Due: r.Due}
		if domain.IsOpen(r.Status) {
			sec, _, _ := strings.Cut(r.TaskNo, ".")
			b.BySection[sec]++
			switch {
			case !r.Due.IsZero() && r.Due.Before(in.To):
				b.Overdue = append(b.Overdue, line)
			case !r.Due.IsZero() && !r.Due.After(in.To.Add(DueSoon)):
				b.DueSoon = append(b.DueSoon, line)
			}
		}
		for _, rec := range recs[r.WorkflowID] {
			if !inWindow(rec.At, in.From, in.To) {
				continue
			}
			switch rec.Kind {
			case domain.KindClosure:
				if r.Status == domain.StatusClosed {
					b.NewlyClosed = append(b.NewlyClosed, line)
				}
			case domain.KindExtensionRequest:
				b.Extensions = append(b.Extensions, Extension{TaskNo: r.TaskNo, Ministry: rec.Ministry,
					Until: rec.Payload["until"], Reason: rec.Payload["reason"], At: rec.At, Seq: rec.Seq})
			case domain.KindProgress:
				b.Reports = append(b.Reports, Excerpt{TaskNo: r.TaskNo, Ministry: rec.Ministry, Author: rec.Person,
					Text: excerpt(rec.Payload["text"]), At: rec.At, Seq: rec.Seq})
			}
		}
	}
	for _, a := range st.Missing {
		if !slices.Contains(b.Silent, a.Ministry) {
			b.Silent = append(b.Silent, a.Ministry)
		}
	}
	slices.Sort(b.Silent)
	return b
}

func nonNil(as []Answer) []Answer {
	if as == nil {
		return []Answer{}
	}
	return as
}

// excerpt cuts a report to ExcerptLen characters.
func excerpt(s string) string {
	r := []rune(s)
	if len(r) <= ExcerptLen {
		return s
	}
	return string(r[:ExcerptLen]) + "…"
}

// Seal encodes a bulletin canonically (encoding/json sorts map keys) and
// returns the bytes with their SHA-256 in hex.
func Seal(b Bulletin) (string, string, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return "", "", fmt.Errorf("encode bulletin: %w", err)
	}
	sum := sha256.Sum256(raw)
	return string(raw), hex.EncodeToString(sum[:]), nil
}

// Open reads a bulletin back from its ledger record and checks it against
// the hash recorded beside it.
func Open(rec ledger.Record) (Bulletin, error) {
	var b Bulletin
	if rec.Kind != KindBulletin {
		return b, fmt.Errorf("record %d is a %s, not a bulletin", rec.Seq, rec.Kind)
	}
	raw := rec.Payload[PayloadBulletin]
	sum := sha256.Sum256([]byte(raw))
	if got := hex.EncodeToString(sum[:]); got != rec.Payload[PayloadSHA256] {
		return b, fmt.Errorf("bulletin at record %d does not match its hash: recorded %s, computed %s", rec.Seq, rec.Payload[PayloadSHA256], got)
	}
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return b, fmt.Errorf("decode bulletin at record %d: %w", rec.Seq, err)
	}
	return b, nil
}

// Payload keys of a bulletin record.
const (
	PayloadBulletin = "bulletin"
	PayloadSHA256   = "sha256"
)

// Issued is a bulletin as listed: where it is on the ledger and its hash.
type Issued struct {
	Seq      int64     `json:"seq"`
	SHA256   string    `json:"sha256"`
	Bulletin Bulletin  `json:"bulletin"`
	At       time.Time `json:"at"`
}

// KindScanner reads a plan's records of one kind; *ledger.SQLStore is one.
type KindScanner interface {
	ScanKind(ctx context.Context, planID, kind string, fn func(ledger.Record) error) error
}

// Bulletins lists a plan's issued bulletins, oldest first, each checked
// against its recorded hash.
func Bulletins(ctx context.Context, l KindScanner, planID string) ([]Issued, error) {
	out := []Issued{}
	err := l.ScanKind(ctx, planID, KindBulletin, func(r ledger.Record) error {
		b, err := Open(r)
		if err != nil {
			return err
		}
		out = append(out, Issued{Seq: r.Seq, SHA256: r.Payload[PayloadSHA256], Bulletin: b, At: r.At})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list bulletins of %s: %w", planID, err)
	}
	return out, nil
}
