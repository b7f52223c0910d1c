package attachments

import (
	"bytes"
	"errors"
	"io"
	"os"
	"unicode/utf8"
)

// Kind is one accepted file type: its MIME type, the extensions a name of
// that type may have, and how the console names it.
type Kind struct {
	Type       string
	Extensions []string
	Label      string
}

// Kinds are the accepted file types, in the order the help text lists them.
var kinds = []Kind{
	{"application/pdf", []string{".pdf"}, "PDF"},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}, "Word (docx)"},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}, "Excel (xlsx)"},
	{"application/msword", []string{".doc"}, "Word (doc)"},
	{"application/vnd.ms-excel", []string{".xls"}, "Excel (xls)"},
	{"application/ofd", []string{".ofd"}, "OFD 版式文件"},
	{"image/png", []string{".png"}, "PNG"},
	{"image/jpeg", []string{".jpg", ".jpeg"}, "JPEG"},
	{"text/plain; charset=utf-8", []string{".txt"}, "UTF-8 文本"},
}

// Accepted lists the accepted extensions, for help texts and the form's
// accept attribute.
func Accepted() []string {
	var out []string
	for _, k := range kinds {
		out = append(out, k.Extensions...)
	}
	return out
}

var (
	magicPDF  = []byte("%PDF-")
	magicPNG  = []byte("\x89PNG\r\n\x1a\n")
	magicJPEG = []byte{0xFF, 0xD8, 0xFF}
	magicZIP  = []byte("PK\x03\x04")
	magicOLE  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// sniff names the type of the stored file at path from its content alone:
// compound files by the main stream their directory holds, archives by
// their main part's content type. It returns "" when the content is none
// of the accepted types, and a *Refusal for macros or an archive past
// lim.
func sniff(path string, lim Limits) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, magicPDF):
		return "application/pdf", nil
	case bytes.HasPrefix(head, magicPNG):
		return "image/png", nil
	case bytes.HasPrefix(head, magicJPEG):
		return "image/jpeg", nil
	case bytes.HasPrefix(head, magicOLE):
		return sniffOLE(f, st.Size())
	case bytes.HasPrefix(head, magicZIP):
		return sniffZip(f, st.Size(), lim)
	}
	return sniffText(f)
}

// sniffOLE tells a Word document from an Excel workbook by their main
// stream, and refuses either with a VBA project, and a workbook with an
// Excel 4.0 macro sheet.
func sniffOLE(r io.ReaderAt, size int64) (string, error) {
	info, err := inspectOLE(r, size)
	switch {
	case err != nil:
		return "", nil // not a readable compound file: refused as unknown
	case info.VBA != "":
		return "", macroRefusal(info.VBA)
	case info.XLM != "":
		return "", macroRefusal(info.XLM)
	case info.Word:
		return "application/msword", nil
	case info.Excel:
		return "application/vnd.ms-excel", nil
	}
	return "", nil
}

// sniffZip tells an Office Open XML document or workbook (by its main
// part's content type) and an OFD file from any other archive, after
// unpacking every part within lim.
func sniffZip(r io.ReaderAt, size int64, lim Limits) (string, error) {
	info, err := inspectZip(r, size, &budget{Limits: lim, fileSize: size}, 0)
	switch {
	case errors.Is(err, errUnreadable):
		return "", nil // not a readable archive: refused as unknown
	case err != nil:
		return "", err
	}
	switch {
	case info.Main == typeDocxMain:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", nil
	case info.Main == typeXlsxMain:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", nil
	case info.OFD:
		return "application/ofd", nil
	}
	return "", nil
}

// sniffText accepts UTF-8 text without NUL or other binary control bytes,
// read whole from f (already past its first 512 bytes, which are re-read).
func sniffText(f *os.File) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "", err
	}
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if len(b) == 0 || !utf8.Valid(b) {
		return "", nil
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			return "", nil
		}
	}
	return "text/plain; charset=utf-8", nil
}

// kindOf finds the accepted kind of a type.
func kindOf(typ string) (Kind, bool) {
	for _, k := range kinds {
		if k.Type == typ {
			return k, true
		}
	}
	return Kind{}, false
}
