package attachments

import (
	"encoding/binary"
	"unicode/utf16"
)

// BIFF record types the sheet list is read from.
const (
	biffEOF        = 0x000A
	biffBoundSheet = 0x0085
	// sheetMacro is a BOUNDSHEET's sheet type for an Excel 4.0 macro
	// sheet (XLM): formulas that run like VBA, with no VBA storage at all.
	sheetMacro = 0x01
)

// macroSheet walks the records of a workbook stream's globals (type and
// length, then the data) up to their EOF, and names the first sheet whose
// BOUNDSHEET record says it is a macro sheet; "" when none is.
func macroSheet(b []byte) string {
	for i := 0; i+4 <= len(b); {
		typ, n := binary.LittleEndian.Uint16(b[i:]), int(binary.LittleEndian.Uint16(b[i+2:]))
		data := b[i+4 : min(i+4+n, len(b))]
		switch typ {
		case biffEOF:
			return ""
		case biffBoundSheet:
			if len(data) >= 6 && data[5] == sheetMacro {
				name := "?"
				if len(data) >= 8 {
					name = sheetName(data[6:])
				}
				return "Excel 4.0 macro sheet " + name
			}
		}
		i += 4 + n
	}
	return ""
}

// sheetName decodes a BOUNDSHEET's short name (length, flags, then
// Latin-1 or UTF-16 characters).
func sheetName(b []byte) string {
	if len(b) < 2 {
		return "?"
	}
	n, wide := int(b[0]), b[1]&1 == 1
	b = b[2:]
	if !wide {
		if n > len(b) {
			n = len(b)
		}
		r := make([]rune, n)
		for i := range r {
			r[i] = rune(b[i])
		}
		return string(r)
	}
	var u []uint16
	for i := 0; i < n && 2*i+1 < len(b); i++ {
		u = append(u, binary.LittleEndian.Uint16(b[2*i:]))
	}
	return string(utf16.Decode(u))
}
