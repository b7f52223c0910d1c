package plan

import (
	"fmt"
	"strings"
	"unicode"
)

// recovery is what re-reading a mis-decoded heading gave back.
type recovery struct {
	title string
	num   int
	// numeral is the heading's number as re-read, when the bytes gave it.
	numeral string
	// damage lists what could not be recovered; empty when the heading
	// came back whole.
	damage []string
}

// speechCharacters are characters of spoken language (sentence particles,
// interjections) that official headings never use. A one-byte-shifted
// re-read that loses a character fuses the lead byte of one character with
// the trail byte of the next; when that yields one of these, the heading
// lost bytes even though every byte decoded.
const speechCharacters = "哩呢吗嘛吧啊呀哇哦噢喔呐啦咧嘿哈唉哎呵嗯哼咦呗咯喽嘞"

// recoverHeading re-reads a mis-decoded heading and reports what it could
// not recover. The section number comes from the order of sections when
// the bytes do not give it back.
func (b *builder) recoverHeading(l line, num int) recovery {
	r := recovery{num: num}
	text := l.text
	if rec, ok := recoverShifted(l.original); ok {
		if n := strings.Count(rec, "?") + strings.Count(rec, "\uFFFD"); n > 0 {
			r.damage = append(r.damage, fmt.Sprintf("%d undecodable byte run(s)", n))
		}
		rec = strings.NewReplacer("?", "", "\uFFFD", "").Replace(rec)
		rec, _ = stripGlosses(rec)
		if strayPinyin.MatchString(rec) {
			r.damage = append(r.damage, "a pinyin gloss without its character")
			rec = strayPinyin.ReplaceAllString(rec, "")
		}
		if s, err := b.conv.t2s(rec); err == nil {
			text = s
		}
	} else {
		r.damage = append(r.damage, "the line does not re-read")
	}
	if i := strings.IndexAny(text, "（("); i >= 0 && i <= 6 {
		text = text[i:]
	}
	if dropped := hanCount(text) - hanCount(plausible(text)); dropped > 0 {
		r.damage = append(r.damage, fmt.Sprintf("%d implausible character(s) dropped", dropped))
	}
	if fam, n, numeral, rest := classifyLine(text); fam == b.sectionFam && n == num {
		r.title = headingTitle(plausible(rest))
		r.numeral = label(line{fam: fam, numeral: numeral})
	} else {
		r.damage = append(r.damage, "number lost, inferred from order")
		r.title = headingTitle(strings.TrimLeft(plausible(text), "（()）！!、 "))
	}
	for _, c := range r.title {
		if strings.ContainsRune(speechCharacters, c) {
			r.damage = append(r.damage, fmt.Sprintf("%q is not a character of official text: bytes of two characters fused", c))
		}
	}
	return r
}

func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			n++
		}
	}
	return n
}
