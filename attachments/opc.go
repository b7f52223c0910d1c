package attachments

import (
	"encoding/xml"
	"fmt"
	"path"
	"strings"
)

// An Office Open XML file is an OPC package: a zip whose
// [Content_Types].xml gives every part its content type (by part name, or
// by extension as a default), and whose relationship parts (_rels/*.rels)
// link the parts to each other. Office finds a part by those two, never by
// its name; so the check reads them too.

// Content types of the accepted main parts.
const (
	typeDocxMain = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
	typeXlsxMain = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
	typeRels     = "application/vnd.openxmlformats-package.relationships+xml"
)

// macroMarks are the words, lower case, that the content types and
// relationship types of VBA projects, VBA data, macro-enabled documents
// and Excel 4.0 macro sheets contain.
var macroMarks = []string{"vbaproject", "vbadata", "macroenabled", "macrosheet"}

func isMacro(s string) bool {
	s = strings.ToLower(s)
	for _, m := range macroMarks {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// macroRefusal refuses a file for the macros what names.
func macroRefusal(what string) *Refusal {
	return &Refusal{Reason: "macro", Message: fmt.Sprintf("附件含有宏（%s），为安全起见不予接收，请另存为不含宏的文件后重新上传 (the attachment carries macros (%s): save it without macros, e.g. as .docx or .xlsx, and upload it again)", what, what)}
}

// contentTypes is a parsed [Content_Types].xml.
type contentTypes struct {
	Defaults []struct {
		Extension   string `xml:"Extension,attr"`
		ContentType string `xml:"ContentType,attr"`
	} `xml:"Default"`
	Overrides []struct {
		PartName    string `xml:"PartName,attr"`
		ContentType string `xml:"ContentType,attr"`
	} `xml:"Override"`
}

func parseContentTypes(raw []byte) (*contentTypes, error) {
	var ct contentTypes
	if err := xml.Unmarshal(raw, &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// typeOf is the content type of a part name ("/word/document.xml"); part
// names compare without regard to case, as OPC says.
func (ct *contentTypes) typeOf(part string) string {
	for _, o := range ct.Overrides {
		if strings.EqualFold(o.PartName, part) {
			return o.ContentType
		}
	}
	ext := strings.TrimPrefix(path.Ext(part), ".")
	for _, d := range ct.Defaults {
		if strings.EqualFold(d.Extension, ext) {
			return d.ContentType
		}
	}
	return ""
}

// relationships is a parsed relationships part.
type relationships struct {
	Rels []struct {
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
		Mode   string `xml:"TargetMode,attr"`
	} `xml:"Relationship"`
}

// opcPackage gathers what inspectZip read of a package.
type opcPackage struct {
	types *contentTypes
	// parts are the part names present, lower case.
	parts map[string]bool
	// rels are the relationship parts by part name.
	rels map[string][]byte
}

// partName turns a zip entry name into a part name, lower case.
func partName(entry string) string { return "/" + strings.ToLower(entry) }

// isRels reports whether a zip entry is a relationships part, by its
// declared content type or its name.
func (p *opcPackage) isRels(entry string) bool {
	return strings.HasSuffix(strings.ToLower(entry), ".rels") || strings.EqualFold(p.types.typeOf("/"+entry), typeRels)
}

// check refuses a package with any macro content type, any relationship
// to a VBA project or VBA data, or a macro-enabled main part, and returns
// the main part's content type ("" when it is neither a document nor a
// workbook).
func (p *opcPackage) check() (string, error) {
	for _, d := range p.types.Defaults {
		if isMacro(d.ContentType) {
			return "", macroRefusal("*." + d.Extension + ": " + d.ContentType)
		}
	}
	for _, o := range p.types.Overrides {
		if isMacro(o.ContentType) {
			return "", macroRefusal(o.PartName + ": " + o.ContentType)
		}
	}
	var main string
	for name, raw := range p.rels {
		var rs relationships
		if err := xml.Unmarshal(raw, &rs); err != nil {
			return "", errUnreadable
		}
		for _, r := range rs.Rels {
			if isMacro(r.Type) {
				return "", macroRefusal(strings.TrimPrefix(name, "/") + ": " + r.Target)
			}
			if name == "/_rels/.rels" && strings.HasSuffix(r.Type, "/officeDocument") && !strings.EqualFold(r.Mode, "External") {
				main = "/" + strings.TrimPrefix(path.Clean("/"+r.Target), "/")
			}
		}
	}
	if main == "" || !p.parts[strings.ToLower(main)] {
		return "", nil
	}
	return p.types.typeOf(main), nil
}
