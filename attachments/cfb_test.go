package attachments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"lianxi/attachments/attachmentstest"
)

// cfbEntry is one storage or stream of a compound file built for a test.
type cfbEntry = attachmentstest.CFBEntry

// Word and Excel files: the type comes from the main stream, macros from
// the VBA storages wherever the directory puts them, never from bytes
// elsewhere in the file.
func TestOLEByDirectory(t *testing.T) {
	word := cfbEntry{Path: "WordDocument"}
	book := cfbEntry{Path: "Workbook"}
	decoy := []byte("_VBA_PROJECT VBA Macros Attribute VB_Name")
	// Enough entries before the VBA ones to put them in the third
	// directory sector.
	padding := []cfbEntry{{Path: "1Table"}, {Path: "\x05SummaryInformation"}, {Path: "\x05DocumentSummaryInformation"}, {Path: "CompObj"}, {Path: "ObjectPool", Storage: true}, {Path: "Data"}, {Path: "1Table2"}}
	macroXLS := append([]cfbEntry{book}, padding...)
	macroXLS = append(macroXLS, cfbEntry{Path: "_VBA_PROJECT_CUR", Storage: true}, cfbEntry{Path: "_VBA_PROJECT_CUR/VBA", Storage: true}, cfbEntry{Path: "_VBA_PROJECT_CUR/VBA/dir"})
	macroDOC := []cfbEntry{word, {Path: "Macros", Storage: true}, {Path: "Macros/VBA", Storage: true}, {Path: "Macros/VBA/_VBA_PROJECT"}}
	looped := attachmentstest.CFB(nil, word, cfbEntry{Path: "x"})
	binary.LittleEndian.PutUint32(looped[512+512+2*128+0x48:], 1) // x's right sibling is WordDocument again
	cases := []struct {
		name    string
		content []byte
		typ     string
		reason  string
	}{
		{"旧.doc", attachmentstest.CFB(decoy, append([]cfbEntry{word}, padding...)...), "application/msword", ""},
		{"旧.xls", attachmentstest.CFB(decoy, book), "application/vnd.ms-excel", ""},
		{"宏.xls", attachmentstest.CFB(nil, macroXLS...), "", "macro"},
		{"宏.doc", attachmentstest.CFB(nil, macroDOC...), "", "macro"},
		{"表.doc", attachmentstest.CFB(nil, book), "", "type"},
		{"无主流.doc", attachmentstest.CFB(decoy, cfbEntry{Path: "Contents"}), "", "type"},
		{"循环.doc", looped, "", "type"},
		{"坏.doc", append(append([]byte{}, magicOLE...), make([]byte, 600)...), "", "type"},
	}
	eachStore(t, Options{}, func(t *testing.T, s *Store) {
		for _, c := range cases {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(c.content))
			checkPut(t, c.name, m, err, c.typ, c.reason)
		}
		var ref *Refusal
		_, err := s.Put(t.Context(), "plan/1.1", "ndrc", "宏.xls", bytes.NewReader(attachmentstest.CFB(nil, macroXLS...)))
		if !errors.As(err, &ref) || !strings.Contains(ref.Message, "_VBA_PROJECT_CUR") || !strings.Contains(ref.Message, "宏") {
			t.Errorf("macro refusal %v should name the VBA storage in Chinese and English", err)
		}
	})
}

// checkPut compares one upload's answer with the type it should have, or
// the reason it should be refused for when typ is "".
func checkPut(t *testing.T, name string, m Meta, err error, typ, reason string) {
	t.Helper()
	if typ == "" {
		var ref *Refusal
		if !errors.As(err, &ref) || ref.Reason != reason {
			t.Errorf("%s: %+v %v, want refused for %s", name, m, err, reason)
		} else if !strings.Contains(ref.Message, " (") || !strings.ContainsRune(ref.Message, '附') && !strings.ContainsRune(ref.Message, '压') {
			t.Errorf("%s: message %q should say why in Chinese and English", name, ref.Message)
		}
		return
	}
	if err != nil || m.Type != typ {
		t.Errorf("%s: %+v %v, want type %s", name, m, err, typ)
	}
}
