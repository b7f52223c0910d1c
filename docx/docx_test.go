package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// Text with markup characters, a control character XML cannot hold and
// line breaks, and a table with a short row, still make well-formed parts;
// the text reads back as written (the control character replaced).
func TestWellFormed(t *testing.T) {
	var d Document
	d.Title("督查通报\n2026-12")
	d.Heading(1, "一、<总体> & 情况")
	d.Paragraph("bad \x01 byte")
	d.Table([][]string{{"任务", "单位", "数"}, {"1.1", "发展改革委"}})
	d.Table(nil)
	raw, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	cells := 0
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(rc)
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			if f.Name != "word/document.xml" {
				continue
			}
			switch e := tok.(type) {
			case xml.CharData:
				text.Write(e)
			case xml.StartElement:
				if e.Name.Local == "tc" {
					cells++
				}
				if e.Name.Local == "br" {
					text.WriteString("|")
				}
			}
		}
		rc.Close()
	}
	for _, want := range []string{"督查通报|2026-12", "一、<总体> & 情况", "bad \uFFFD byte", "发展改革委"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the document's text lacks %q: %s", want, text.String())
		}
	}
	if cells != 6 {
		t.Errorf("%d cells, want 6 (the short row padded, the empty table left out)", cells)
	}
}
