package plan

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Options tune parsing.
type Options struct {
	// PlanID names the plan; empty derives nothing and leaves it to the caller.
	PlanID string
	// DefaultPlanID names a plan that names none itself (a document, or a
	// structured plan without plan_id); a structured plan's own wins.
	DefaultPlanID string
	// AllowUnknown accepts units missing from the registry as new
	// participants (flagged unknown) instead of failing.
	AllowUnknown bool
	// Registry resolves unit names; nil uses the embedded registry.
	Registry *Registry
	// Year selects which bodies a broadcast expands to; 0 reads the
	// document's date line, and failing that uses today's bodies.
	Year int
}

// MaxDocumentSize bounds the input; larger documents are refused.
const MaxDocumentSize = 4 << 20

// family is a numbering style, ranked from outermost to innermost.
type family int

const (
	famNone    family = iota
	famChinese        // 一、
	famParenCN        // （一）
	famArabic         // 1. 1、 1．
	famParenAr        // （1）
)

var numbering = []struct {
	fam family
	re  *regexp.Regexp
}{
	{famChinese, regexp.MustCompile(`^([一二三四五六七八九十百]+)[、．.]\s*(.*)$`)},
	{famParenCN, regexp.MustCompile(`^[（(]([一二三四五六七八九十百]+)[）)]\s*(.*)$`)},
	{famArabic, regexp.MustCompile(`^([0-9０-９]{1,3})(?:[.．、]|\s)\s*(.*)$`)},
	{famParenAr, regexp.MustCompile(`^[（(]([0-9０-９]{1,3})[）)]\s*(.*)$`)},
}

var (
	dateLine   = regexp.MustCompile(`^(\d{4})年\d{1,2}月\d{1,2}日$`)
	dateAtEnd  = regexp.MustCompile(`(\d{4})年\d{1,2}月\d{1,2}日\s*$`)
	docNumYear = regexp.MustCompile(`〔(\d{4})〕\d+号`)
)

// documentYear is the year of the document's date line; failing that
// (a document pasted as one paragraph), of the date that ends its text,
// or of its number (国办发〔2020〕24号).
func documentYear(lines []line) int {
	year := 0
	for _, l := range lines {
		if m := dateLine.FindStringSubmatch(l.text); m != nil {
			year, _ = strconv.Atoi(m[1])
		}
	}
	if year == 0 && len(lines) > 0 {
		if m := dateAtEnd.FindStringSubmatch(lines[len(lines)-1].text); m != nil {
			year, _ = strconv.Atoi(m[1])
		}
	}
	for _, l := range lines {
		if m := docNumYear.FindStringSubmatch(l.text); year == 0 && m != nil {
			year, _ = strconv.Atoi(m[1])
		}
	}
	return year
}

// line is one line of the document, raw and repaired.
type line struct {
	no       int
	original string
	text     string // glosses removed, simplified
	fam      family
	num      int
	numeral  string // the number as written
	rest     string
	clause   *clause
}

// Parse reads a plan document.
func Parse(data []byte, opts Options) (*Plan, error) {
	if len(data) > MaxDocumentSize {
		return nil, fmt.Errorf("parse plan: document is %d bytes; the limit is %d", len(data), MaxDocumentSize)
	}
	reg := opts.Registry
	if reg == nil {
		var err error
		if reg, err = DefaultRegistry(); err != nil {
			return nil, err
		}
	}
	text, enc, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("parse plan: %w", err)
	}
	conv, err := converter()
	if err != nil {
		return nil, err
	}
	p := &Plan{PlanID: opts.PlanID, Encoding: enc, Year: opts.Year, Sections: []Section{}, Tasks: []Task{}}
	lines, err := splitLines(text, conv)
	if err != nil {
		return nil, err
	}
	if p.Year == 0 {
		p.Year = documentYear(lines)
	}
	taskFam := taskFamily(lines)
	if taskFam == famNone {
		return nil, fmt.Errorf("parse plan: no tasks found: no numbered item ends with a responsibility clause such as （A、B等负责）")
	}
	b := &builder{p: p, reg: reg, opts: opts, conv: conv, taskFam: taskFam, sectionFam: sectionFamily(lines, taskFam)}
	if err := b.build(lines); err != nil {
		return nil, err
	}
	if len(p.Tasks) == 0 {
		return nil, fmt.Errorf("parse plan: no tasks found: the numbered items name no responsible body, such as （A、B等负责）")
	}
	return p, nil
}

// splitLines decodes every line: glosses removed, simplified, numbering
// and trailing clause recognised.
func splitLines(text string, conv *textConverter) ([]line, error) {
	raw := strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text), "\n")
	var (
		out []line
		ro  runOn
	)
	for i, r := range raw {
		for _, seg := range ro.split(strings.TrimSpace(strings.Trim(r, "\u3000\uFEFF"))) {
			orig := strings.TrimSpace(strings.Trim(seg, "\u3000\uFEFF"))
			if orig == "" {
				continue
			}
			l, err := readLine(i+1, orig, conv)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// readLine repairs one line (glosses removed, simplified) and recognises
// its numbering and trailing clause.
func readLine(no int, orig string, conv *textConverter) (line, error) {
	clean, _ := stripGlosses(orig)
	simp, err := conv.t2s(clean)
	if err != nil {
		return line{}, err
	}
	l := line{no: no, original: orig, text: simp}
	l.fam, l.num, l.numeral, l.rest = classifyLine(simp)
	if inner, _, ok := trailingBracket(simp); ok {
		if c, ok := parseClause(inner); ok {
			l.clause = &c
		}
	}
	return l, nil
}

// classifyLine finds a line's numbering: its family, value, numeral as
// written and the text after it.
func classifyLine(s string) (family, int, string, string) {
	for _, n := range numbering {
		if m := n.re.FindStringSubmatch(s); m != nil {
			num := parseNumeral(m[1])
			if num > 0 {
				return n.fam, num, m[1], m[2]
			}
		}
	}
	return famNone, 0, "", s
}

// parseNumeral reads 1-999 in Arabic (ASCII or full-width) or Chinese numerals.
func parseNumeral(s string) int {
	if n, err := strconv.Atoi(strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, s)); err == nil {
		return n
	}
	digits := map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		switch r {
		case '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case '百':
			total += cur * 100
			cur = 0
		default:
			d, ok := digits[r]
			if !ok {
				return 0
			}
			cur = d
		}
	}
	return total + cur
}

// taskFamily is the numbering family whose items carry clauses (on their
// own line or on a continuation line after them).
func taskFamily(lines []line) family {
	counts := map[family]int{}
	last := famNone
	for _, l := range lines {
		if l.fam != famNone {
			last = l.fam
		}
		if l.clause != nil && last != famNone {
			counts[last]++
		}
	}
	best := famNone
	for f := famChinese; f <= famParenAr; f++ {
		if counts[f] > counts[best] {
			best = f
		}
	}
	return best
}

// sectionFamily is the innermost family above the task family in use.
func sectionFamily(lines []line, task family) family {
	best := famNone
	for _, l := range lines {
		if l.fam != famNone && l.fam < task && l.fam > best {
			best = l.fam
		}
	}
	return best
}

// firstSentence is the title of an item: its text up to the first full stop.
func firstSentence(s string) string {
	if i := strings.IndexAny(s, "。；;！!？?"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:80])
	}
	return s
}

// headingTitle is a heading's text without trailing punctuation.
func headingTitle(s string) string {
	return strings.TrimSpace(strings.TrimRight(s, "。．.：:；; "))
}
