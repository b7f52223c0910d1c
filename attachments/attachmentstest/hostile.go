package attachmentstest

import (
	"archive/zip"
	"bytes"
	"maps"
	"slices"
)

// The files below are what a careless or hostile sender might attach:
// each is small, well-formed enough to pass a first look, and refused by
// the attachment store for one stated reason. Tests in package
// attachments check that reason; the console's tests upload them through
// the API and through a browser.

// docxMainType is the content type of a Word document's main part.
const docxMainType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"

// OfficeZip builds a Word document (.docx) whose [Content_Types].xml
// adds extraTypes (Default or Override elements) and which holds the extra
// parts besides its own. Parts are written in name order, so the same
// arguments give the same bytes.
func OfficeZip(extraTypes string, extra map[string][]byte) []byte {
	parts := map[string][]byte{
		"[Content_Types].xml": []byte(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="` + docxMainType + `"/>` + extraTypes + `</Types>`),
		"_rels/.rels": []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`),
		"word/document.xml": []byte("<document/>"),
	}
	maps.Copy(parts, extra)
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		w, err := z.Create(name)
		if err != nil {
			panic(err) // only for names zip itself refuses
		}
		w.Write(parts[name])
	}
	if err := z.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// CleanDocx is a Word document with nothing to refuse.
func CleanDocx() []byte { return OfficeZip("", nil) }

// RenamedVBAPart is the part RenamedMacroDocx hides its macros in.
const RenamedVBAPart = "word/vbaData1.bin"

// RenamedMacroDocx is a .docx carrying VBA data under a name that does
// not say so: the part is RenamedVBAPart, but [Content_Types].xml declares
// it with the VBA-data content type, which is how Word finds it. The
// store refuses it with reason "macro".
func RenamedMacroDocx() []byte {
	return OfficeZip(`<Override PartName="/`+RenamedVBAPart+`" ContentType="application/vnd.ms-word.vbaData+xml"/>`,
		map[string][]byte{RenamedVBAPart: []byte("<x/>")})
}

// MacroXLSStorage is the storage MacroXLS keeps its VBA project in.
const MacroXLSStorage = "_VBA_PROJECT_CUR"

// MacroXLS is an Excel 97-2003 workbook (.xls: a compound file with a
// Workbook stream) holding a VBA project, as Excel saves one: a
// _VBA_PROJECT_CUR storage with a VBA storage inside. The store refuses
// it with reason "macro".
func MacroXLS() []byte {
	return CFB(nil,
		CFBEntry{Path: "Workbook"},
		CFBEntry{Path: MacroXLSStorage, Storage: true},
		CFBEntry{Path: MacroXLSStorage + "/VBA", Storage: true},
		CFBEntry{Path: MacroXLSStorage + "/VBA/dir"},
		CFBEntry{Path: MacroXLSStorage + "/PROJECT"})
}

// CleanXLS is an Excel 97-2003 workbook with no macros.
func CleanXLS() []byte { return CFB(nil, CFBEntry{Path: "Workbook"}) }

// BombUnpacked is what DocxBomb's filler part unpacks to.
const BombUnpacked = 8 << 20

// DocxBomb is a .docx of some ten kilobytes whose one extra part, a run of
// zeros, unpacks to BombUnpacked bytes: a compression ratio far above the
// store's 100:1 bound. The store refuses it with reason "archive".
func DocxBomb() []byte {
	return OfficeZip("", map[string][]byte{"word/fill.xml": make([]byte, BombUnpacked)})
}

// CleanPDF is a minimal PDF with nothing to refuse.
func CleanPDF() []byte { return []byte("%PDF-1.7\n% lianxi test\n%%EOF\n") }
