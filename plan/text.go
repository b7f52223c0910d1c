package plan

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/encoding/simplifiedchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// decode turns a document's bytes into text, detecting the encoding:
// UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (a superset of
// GBK and GB2312).
func decode(b []byte) (text, encoding string, err error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
		if !utf8.Valid(b) {
			return "", "", fmt.Errorf("document starts with a UTF-8 byte-order mark but is not valid UTF-8")
		}
		return string(b), "utf-8-bom", nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		out, err := xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", "", fmt.Errorf("decode UTF-16: %w", err)
		}
		return string(out), "utf-16", nil
	case utf8.Valid(b):
		return string(b), "utf-8", nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return "", "", fmt.Errorf("document is neither UTF-8 nor GB18030: %w", err)
	}
	s := string(out)
	if bad := strings.Count(s, "\uFFFD"); bad > 0 && bad*50 > utf8.RuneCountInString(s) {
		return "", "", fmt.Errorf("document is neither UTF-8 nor GB18030: %d undecodable sequences", bad)
	}
	return s, "gb18030", nil
}

// textConverter converts between traditional and simplified characters
// with OpenCC's dictionaries.
type textConverter struct {
	t2sCC, s2tCC *opencc.OpenCC
	mu           sync.Mutex
}

var (
	convOnce sync.Once
	conv     *textConverter
	convErr  error
)

func converter() (*textConverter, error) {
	convOnce.Do(func() {
		c := &textConverter{}
		if c.t2sCC, convErr = opencc.New("t2s"); convErr != nil {
			convErr = fmt.Errorf("load OpenCC t2s: %w", convErr)
			return
		}
		if c.s2tCC, convErr = opencc.New("s2t"); convErr != nil {
			convErr = fmt.Errorf("load OpenCC s2t: %w", convErr)
			return
		}
		conv = c
	})
	return conv, convErr
}

func (c *textConverter) t2s(s string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.t2sCC.Convert(s)
	if err != nil {
		return "", fmt.Errorf("convert to simplified: %w", err)
	}
	return out, nil
}

func (c *textConverter) s2t(s string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.s2tCC.Convert(s)
	if err != nil {
		return "", fmt.Errorf("convert to traditional: %w", err)
	}
	return out, nil
}

// pinyinLetters are the letters a pinyin gloss is written with.
const pinyinLetters = "abcdefghijklmnopqrstuvwxyzüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"

const toneMarks = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"

// isGloss reports whether s (the text inside brackets) is a pinyin gloss:
// one syllable of pinyin letters carrying a tone mark, as scraped copies add
// after characters ("發(fā)展").
func isGloss(s string) bool {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > 6 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(pinyinLetters, r) {
			return false
		}
	}
	return strings.ContainsAny(s, toneMarks)
}

// stripGlosses removes pinyin glosses that follow a Han character, in ASCII
// or full-width brackets, and reports how many it removed.
func stripGlosses(s string) (string, int) {
	var b strings.Builder
	removed := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if (r == '(' || r == '（') && i > 0 && unicode.Is(unicode.Han, rs[i-1]) {
			end := -1
			for j := i + 1; j < len(rs) && j <= i+8; j++ {
				if rs[j] == ')' || rs[j] == '）' {
					end = j
					break
				}
			}
			if end > 0 && isGloss(string(rs[i+1:end])) {
				i = end
				removed++
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String(), removed
}

// recoverShifted re-reads a line that was mis-decoded one byte off: the
// text is encoded back to GB18030, the stray first bytes are dropped, and
// the rest is decoded again. It returns the part that decodes to plausible
// text and whether anything was recovered.
func recoverShifted(line string) (string, bool) {
	raw, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(strings.ReplaceAll(line, "\uFFFD", "?")))
	if err != nil {
		return "", false
	}
	i := 0
	for i < len(raw) && raw[i] == '?' {
		i++
	}
	if i == 0 || i+1 >= len(raw) {
		return "", false
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw[i+1:])
	if err != nil {
		return "", false
	}
	return string(out), true
}

// plausible keeps the characters of a recovered run that ordinary text is
// made of (GB2312's common set, digits, ASCII letters, common punctuation)
// and drops the rest.
func plausible(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\uFFFD' || r == '?' || unicode.IsControl(r):
			continue
		case r < 0x80 || strings.ContainsRune("（）、，。；：", r):
			b.WriteRune(r)
		case unicode.Is(unicode.Han, r):
			if commonHan(r) {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// commonHan reports whether r is in GB2312's first level (the 3,755 most
// common characters), whose GB2312 lead bytes run from 0xB0 to 0xD7.
func commonHan(r rune) bool {
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(string(r)))
	return err == nil && len(out) == 2 && out[0] >= 0xB0 && out[0] <= 0xD7 && out[1] >= 0xA1
}

// strayPinyin matches what is left of a gloss whose brackets or tone mark
// were lost with the bytes around it.
var strayPinyin = regexp.MustCompile(`[(（]?[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[)）]`)
