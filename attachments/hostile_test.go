package attachments

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"lianxi/attachments/attachmentstest"
)

// The hostile files attachmentstest builds for other packages' tests are
// refused for the reason each claims, naming what was found, while the
// clean files built the same way are accepted: so a browser test that
// sees a refusal sees the one it means.
func TestHostileBuildersAreRefused(t *testing.T) {
	hostile := []struct {
		name    string
		content []byte
		reason  string
		words   []string
	}{
		{"改名的宏.docx", attachmentstest.RenamedMacroDocx(), "macro", []string{"宏", attachmentstest.RenamedVBAPart}},
		{"宏.xls", attachmentstest.MacroXLS(), "macro", []string{"宏", attachmentstest.MacroXLSStorage}},
		{"炸弹.docx", attachmentstest.DocxBomb(), "archive", []string{"压缩炸弹", "100:1"}},
	}
	clean := []struct{ name, typ string }{
		{"正文.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"报表.xls", "application/vnd.ms-excel"},
		{"说明.pdf", "application/pdf"},
	}
	cleanContent := [][]byte{attachmentstest.CleanDocx(), attachmentstest.CleanXLS(), attachmentstest.CleanPDF()}
	if n := len(attachmentstest.DocxBomb()); n > 64<<10 || attachmentstest.BombUnpacked/n <= 100 {
		t.Fatalf("the bomb is %d bytes for %d unpacked: not a bomb", n, attachmentstest.BombUnpacked)
	}
	eachStore(t, Options{}, func(t *testing.T, s *Store) {
		for _, c := range hostile {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(c.content))
			checkPut(t, c.name, m, err, "", c.reason)
			var ref *Refusal
			if errors.As(err, &ref) {
				for _, w := range c.words {
					if !strings.Contains(ref.Message, w) {
						t.Errorf("%s: message %q lacks %q", c.name, ref.Message, w)
					}
				}
			}
		}
		for i, c := range clean {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(cleanContent[i]))
			checkPut(t, c.name, m, err, c.typ, "")
		}
	})
}
