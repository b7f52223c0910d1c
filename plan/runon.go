package plan

import (
	"strings"
	"unicode/utf8"
)

// runOn finds numbered items inside a line, for documents whose paragraph
// breaks were lost (a web page copied as one paragraph: "…意见。一、持续
// 提升…（一）优化…"). A number inside a line starts a new item only when it
// is the next number of its family — one more than the last one met, or
// the first of a family that an outer number just opened (1, or one more
// than the family's last number, for numbering that runs on across
// sections) — so that "5.5%" or "二、三季度" stay text.
type runOn struct {
	last, before [famParenAr + 1]int
}

// breakBefore are the characters after which an item numbered 一、 or 1．
// may start inside a line: the end of a sentence, a clause or a colon.
const breakBefore = "。；：）)！？”\" \u3000"

// split cuts s before every numbered item it holds, and records the
// numbers it met, the one at the start of s included.
func (r *runOn) split(s string) []string {
	var out []string
	start := 0
	for i, w := 0, 0; i < len(s); i += w {
		var c rune
		c, w = utf8.DecodeRuneInString(s[i:])
		if !strings.ContainsRune("（(一二三四五六七八九十0123456789０１２３４５６７８９", c) {
			continue
		}
		fam, num := markerAt(s[i:])
		if fam == famNone {
			continue
		}
		if i > 0 && !r.starts(fam, num, s[:i]) {
			continue
		}
		r.see(fam, num)
		if i > start {
			out = append(out, s[start:i])
			start = i
		}
	}
	return append(out, s[start:])
}

// markerAt reads the numbering at the start of s, if any.
func markerAt(s string) (family, int) {
	head, n := s, 0
	for i := range s {
		if n == 12 {
			head = s[:i]
			break
		}
		n++
	}
	fam, num, _, _ := classifyLine(head)
	if fam == famNone {
		return famNone, 0
	}
	// A decimal (5.5%) is not an item.
	if fam == famArabic {
		m := numbering[2].re.FindStringSubmatch(head)
		sep := head[len(m[1]):]
		if r, w := utf8.DecodeRuneInString(sep); r == ' ' || w == len(sep) {
			return famNone, 0
		} else if d, _ := utf8.DecodeRuneInString(sep[w:]); r == '.' && d >= '0' && d <= '9' {
			return famNone, 0
		}
	}
	return fam, num
}

// starts reports whether a number met inside a line, after before, opens
// a new item.
func (r *runOn) starts(fam family, num int, before string) bool {
	prev, _ := utf8.DecodeLastRuneInString(before)
	switch fam {
	case famChinese, famArabic:
		if !strings.ContainsRune(breakBefore, prev) {
			return false
		}
	case famParenCN, famParenAr:
		if strings.ContainsRune("第、", prev) {
			return false
		}
	}
	if num == r.last[fam]+1 {
		return true
	}
	return r.last[fam] == 0 && (num == 1 || num == r.before[fam]+1)
}

// see records a number: inner families start again.
func (r *runOn) see(fam family, num int) {
	r.last[fam] = num
	for g := fam + 1; g <= famParenAr; g++ {
		if r.last[g] != 0 {
			r.before[g] = r.last[g]
		}
		r.last[g] = 0
	}
}
