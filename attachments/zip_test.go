package attachments

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"strconv"
	"strings"
	"testing"

	"lianxi/attachments/attachmentstest"
)

// part is one entry of an archive built for a test.
type part struct {
	name string
	data []byte
}

// buildZip writes an archive of the parts, deflated.
func buildZip(t *testing.T, parts ...part) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := z.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const (
	relsNS            = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`
	typesNS           = `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`
	officeDocumentRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)

// officeFile builds an Office Open XML package whose main part is main
// with the content type mainType; extraTypes go into [Content_Types].xml
// and extra parts into the archive.
func officeFile(t *testing.T, main, mainType, extraTypes string, extra ...part) []byte {
	t.Helper()
	types := typesNS + `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/><Default Extension="png" ContentType="image/png"/>` +
		`<Override PartName="/` + main + `" ContentType="` + mainType + `"/>` + extraTypes + `</Types>`
	rels := relsNS + `<Relationship Id="rId1" Type="` + officeDocumentRel + `" Target="` + main + `"/></Relationships>`
	parts := []part{{"[Content_Types].xml", []byte(types)}, {"_rels/.rels", []byte(rels)}, {main, []byte("<document/>")}}
	return buildZip(t, append(parts, extra...)...)
}

func docx(t *testing.T, extraTypes string, extra ...part) []byte {
	return officeFile(t, "word/document.xml", typeDocxMain, extraTypes, extra...)
}

// Office Open XML files: macros are found by content type, by
// relationship and by the bytes of every part, whatever the parts are
// named; the type comes from the main part's content type.
func TestOfficeOpenXMLByContent(t *testing.T) {
	vba := attachmentstest.CFB(nil, attachmentstest.CFBEntry{Path: "VBA", Storage: true}, attachmentstest.CFBEntry{Path: "VBA/_VBA_PROJECT"}, attachmentstest.CFBEntry{Path: "VBA/dir"})
	embedded := attachmentstest.CFB(nil, attachmentstest.CFBEntry{Path: "Workbook"})
	vbaRel := relsNS + `<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="notes.bin"/></Relationships>`
	xlsm := officeFile(t, "xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml", "")
	cases := []struct {
		name    string
		content []byte
		typ     string
		reason  string
	}{
		{"报告.docx", docx(t, ""), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"台账.xlsx", officeFile(t, "xl/workbook.xml", typeXlsxMain, ""), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""},
		{"公文.ofd", buildZip(t, part{"OFD.xml", []byte("<ofd/>")}, part{"Doc_0/Document.xml", []byte("<d/>")}), "application/ofd", ""},
		// A part named like a VBA project but holding none is no macro.
		{"名字.docx", docx(t, "", part{"word/vbaProject.bin", []byte("<x/>")}), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		// An embedded compound file without VBA is an ordinary OLE object.
		{"嵌入.docx", docx(t, "", part{"word/embeddings/oleObject1.bin", embedded}), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"类型.docx", docx(t, `<Override PartName="/word/styles2.xml" ContentType="application/vnd.ms-office.vbaProject"/>`, part{"word/styles2.xml", []byte("x")}), "", "macro"},
		{"数据.docx", docx(t, `<Override PartName="/word/vbaData1.bin" ContentType="application/vnd.ms-word.vbaData+xml"/>`, part{"word/vbaData1.bin", []byte("<wne:vbaSuppData/>")}), "", "macro"},
		{"图片.docx", docx(t, "", part{"word/media/image9.png", vba}), "", "macro"},
		{"关系.docx", docx(t, "", part{"word/_rels/document.xml.rels", []byte(vbaRel)}, part{"word/notes.bin", []byte("x")}), "", "macro"},
		{"启用宏.docx", officeFile(t, "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml", ""), "", "macro"},
		{"套娃.docx", docx(t, "", part{"word/embeddings/Book1.xlsx", xlsm}), "", "macro"},
		{"演示.docx", officeFile(t, "ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", ""), "", "type"},
		{"无类型.docx", buildZip(t, part{"word/document.xml", []byte("<d/>")}), "", "type"},
		{"程序.zip", buildZip(t, part{"a.exe", []byte("MZ")}), "", "type"},
		{"表格.docx", officeFile(t, "xl/workbook.xml", typeXlsxMain, ""), "", "type"},
		// A second [Content_Types].xml could hide the first one's macro type.
		{"重名.docx", docx(t, `<Override PartName="/word/x.bin" ContentType="application/vnd.ms-office.vbaProject"/>`,
			part{"word/x.bin", []byte("x")}, part{"[content_types].xml", []byte(typesNS + `</Types>`)}), "", "archive"},
	}
	eachStore(t, Options{}, func(t *testing.T, s *Store) {
		for _, c := range cases {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(c.content))
			checkPut(t, c.name, m, err, c.typ, c.reason)
		}
	})
}

// rawPart adds to z a deflated part whose header declares the size
// declared, whatever data's size is.
func rawPart(t *testing.T, z *zip.Writer, name string, data []byte, declared uint64) {
	t.Helper()
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	w, err := z.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(c.Len()), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(c.Bytes())
}

// Archives are bounded before they are trusted: by entry count, by the
// sizes declared, by the bytes actually unpacked, and by ratio; each
// refusal names its bound.
func TestZipBombs(t *testing.T) {
	zeros := make([]byte, 10<<20)
	var lying, declared, many bytes.Buffer
	z := zip.NewWriter(&lying)
	rawPart(t, z, "word/document.xml", zeros[:3<<20], 100)
	z.Close()
	z = zip.NewWriter(&declared)
	rawPart(t, z, "word/document.xml", []byte("<d/>"), 1<<30)
	z.Close()
	z = zip.NewWriter(&many)
	for i := 0; i <= DefaultLimits.MaxEntries; i++ {
		z.CreateHeader(&zip.FileHeader{Name: "p/" + strconv.Itoa(i), Method: zip.Store})
	}
	z.Close()
	small := Limits{MaxEntries: 100, MaxUnpacked: 2 << 20, MaxRatio: 1000000}
	cases := []struct {
		name    string
		lim     Limits
		content []byte
		want    []string
	}{
		{"比例.docx", Limits{}, docx(t, "", part{"word/big.xml", zeros}), []string{"100:1", "ratio"}},
		{"声明.docx", Limits{}, declared.Bytes(), []string{"256 MiB", "unpacks to more"}},
		{"谎报.docx", small, lying.Bytes(), []string{"声明", "declared size"}},
		{"小限.docx", small, docx(t, "", part{"word/a.xml", zeros[:1<<20]}, part{"word/b.xml", zeros[:1<<20]}), []string{"2 MiB", "unpacks to more"}},
		{"条目.docx", Limits{}, many.Bytes(), []string{"10000", "entries"}},
	}
	eachBackend(t, func(t *testing.T, url string) {
		for _, c := range cases {
			s := openStore(t, url, Options{Limits: c.lim})
			_, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(c.content))
			var ref *Refusal
			if !errors.As(err, &ref) || ref.Reason != "archive" {
				t.Errorf("%s: %v, want refused as an archive past its bounds", c.name, err)
				continue
			}
			for _, w := range append(c.want, "压缩") {
				if !strings.Contains(ref.Message, w) {
					t.Errorf("%s: %q should name %q", c.name, ref.Message, w)
				}
			}
		}
		// Just within the bounds, the same kind of file is accepted.
		s := openStore(t, url, Options{})
		if _, err := s.Put(t.Context(), "plan/1.1", "ndrc", "大报告.docx", bytes.NewReader(docx(t, "", part{"word/big.xml", zeros[:512<<10]}))); err != nil {
			t.Errorf("an ordinary docx: %v", err)
		}
	})
}
