// Package docx writes simple Word documents (.docx, Office Open XML
// WordprocessingML): headings, paragraphs and tables, which is all a
// supervision bulletin (督查通报) needs.
//
// It is written by hand on archive/zip and encoding/xml because no kept Go
// library for .docx is served to this project: baliance.com/gooxml is not
// served, unidoc/unioffice needs a paid licence, and the one exact release
// of github.com/ubavic/godocx tried was refused by the module proxy. The
// package writes the five parts Word needs and nothing else: the content
// types, the package relationships, the document, its relationships and
// its styles. It carries no macros, no external links and no fields, so
// lianxi's own attachment checker accepts what it writes as a clean .docx.
package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MIME is the content type of a .docx file, for Content-Type headers.
const MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// textWidth is the width, in twentieths of a point, between the margins of
// an A4 page with 2.54 cm margins: the width tables are laid out in.
const textWidth = 9026

// Document is a Word document built block by block; the zero value is an
// empty document ready to use.
type Document struct {
	body bytes.Buffer
}

// Title adds the document's title, centred.
func (d *Document) Title(text string) { d.para("Title", text, false) }

// Heading adds a heading of level 1 or 2 (deeper levels write as 2).
func (d *Document) Heading(level int, text string) {
	style := "Heading1"
	if level > 1 {
		style = "Heading2"
	}
	d.para(style, text, false)
}

// Paragraph adds a paragraph of body text; line breaks in text stay line
// breaks.
func (d *Document) Paragraph(text string) { d.para("", text, false) }

// Note adds a paragraph in the small grey style of remarks (the ledger
// record and hash of a bulletin).
func (d *Document) Note(text string) { d.para("Note", text, false) }

// Table adds a table with borders: rows[0] is the header, repeated at the
// top of each page; shorter rows are padded with empty cells.
func (d *Document) Table(rows [][]string) {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	b := &d.body
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>`)
	w := strconv.Itoa(textWidth / cols)
	for range cols {
		b.WriteString(`<w:gridCol w:w="` + w + `"/>`)
	}
	b.WriteString(`</w:tblGrid>`)
	for i, r := range rows {
		b.WriteString(`<w:tr>`)
		if i == 0 {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for c := range cols {
			cell := ""
			if c < len(r) {
				cell = r[c]
			}
			b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="` + w + `" w:type="dxa"/></w:tcPr>`)
			d.para("", cell, i == 0)
			b.WriteString(`</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl>`)
	// Word needs a paragraph between two tables, or it merges them.
	d.para("", "", false)
}

// para writes one paragraph in style ("" for Normal), bold when asked.
func (d *Document) para(style, text string, bold bool) {
	b := &d.body
	b.WriteString(`<w:p>`)
	if style != "" {
		b.WriteString(`<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`)
	}
	if text != "" {
		b.WriteString(`<w:r>`)
		if bold {
			b.WriteString(`<w:rPr><w:b/></w:rPr>`)
		}
		for i, line := range strings.Split(text, "\n") {
			if i > 0 {
				b.WriteString(`<w:br/>`)
			}
			b.WriteString(`<w:t xml:space="preserve">`)
			// EscapeText also replaces characters XML cannot hold.
			_ = xml.EscapeText(b, []byte(line))
			b.WriteString(`</w:t>`)
		}
		b.WriteString(`</w:r>`)
	}
	b.WriteString(`</w:p>`)
}

// Bytes returns the document as a .docx file.
func (d *Document) Bytes() ([]byte, error) {
	var out bytes.Buffer
	z := zip.NewWriter(&out)
	doc := xmlHeader + `<w:document xmlns:w="` + nsW + `" xmlns:r="` + nsR + `"><w:body>` + d.body.String() +
		`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr></w:body></w:document>`
	for _, p := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"word/document.xml", doc},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", styles},
	} {
		w, err := z.Create(p.name)
		if err != nil {
			return nil, fmt.Errorf("docx: write %s: %w", p.name, err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return nil, fmt.Errorf("docx: write %s: %w", p.name, err)
		}
	}
	if err := z.Close(); err != nil {
		return nil, fmt.Errorf("docx: close the package: %w", err)
	}
	return out.Bytes(), nil
}

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsW       = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsR       = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	relBase   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
)

const contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`</Types>`

const packageRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="` + relBase + `officeDocument" Target="word/document.xml"/></Relationships>`

const documentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="` + relBase + `styles" Target="styles.xml"/></Relationships>`

// styles are Normal (SimSun, 12 pt, for Chinese text), Title, two heading
// levels, Note and the bordered table style.
const styles = xmlHeader + `<w:styles xmlns:w="` + nsW + `">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="SimSun" w:cs="Times New Roman"/>` +
	`<w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="360"/></w:pPr><w:rPr><w:rFonts w:eastAsia="SimHei"/><w:b/><w:sz w:val="36"/><w:szCs w:val="36"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="SimHei"/><w:b/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>` +
	`<w:pPr><w:keepNext/><w:spacing w:before="200" w:after="100"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="SimHei"/><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="Normal"/><w:rPr><w:color w:val="595959"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>` +
	`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>` +
	`<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/>` +
	`<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr><w:tblPr><w:tblBorders>` +
	`<w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`<w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>` +
	`</w:tblBorders></w:tblPr></w:style></w:styles>`
