package attachments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"lianxi/attachments/attachmentstest"
)

// biff builds a workbook stream's globals: BOF, one BOUNDSHEET per sheet
// (type 0 a worksheet, 1 an Excel 4.0 macro sheet; state 2 very hidden),
// EOF, then pad bytes of another substream.
func biff(sheets []struct {
	name      string
	typ, hide byte
}, pad int) []byte {
	var b bytes.Buffer
	rec := func(typ uint16, data []byte) {
		binary.Write(&b, binary.LittleEndian, typ)
		binary.Write(&b, binary.LittleEndian, uint16(len(data)))
		b.Write(data)
	}
	rec(0x0809, make([]byte, 16))
	for _, s := range sheets {
		d := []byte{0, 0, 0, 0, s.hide, s.typ, byte(len(s.name)), 0}
		rec(biffBoundSheet, append(d, s.name...))
	}
	rec(biffEOF, nil)
	b.Write(make([]byte, pad))
	return b.Bytes()
}

// buildWorkbook writes a compound file (512-byte sectors) holding one
// Workbook stream with data: in the file's own sectors from 4096 bytes on,
// in the mini stream (64-byte sectors chained by the mini FAT) below.
func buildWorkbook(t *testing.T, data []byte) []byte {
	t.Helper()
	le := binary.LittleEndian
	const sector = 512
	sectors := func(n int) int { return (n + sector - 1) / sector }
	fat := make([]uint32, 128)
	for i := range fat {
		fat[i] = sectFree
	}
	fat[0], fat[1] = sectFAT, sectEndOfChain // the FAT, the directory
	chain := func(first, n int) {
		for i := 0; i < n; i++ {
			next := uint32(first + i + 1)
			if i == n-1 {
				next = sectEndOfChain
			}
			fat[first+i] = next
		}
	}
	hdr := attachmentstest.CFBHeader()

	var body []byte // sectors from 2 on
	rootStart, rootSize, bookStart := uint32(sectEndOfChain), 0, uint32(0)
	if len(data) >= 4096 {
		n := sectors(len(data))
		chain(2, n)
		bookStart = 2
		body = append(body, data...)
		body = append(body, make([]byte, n*sector-len(data))...)
	} else {
		// Sector 2 is the mini FAT, the mini stream's container follows.
		minis := (len(data) + 63) / 64
		miniFAT := make([]byte, sector)
		for i := 0; i < 128; i++ {
			next := uint32(sectFree)
			switch {
			case i < minis-1:
				next = uint32(i + 1)
			case i == minis-1:
				next = sectEndOfChain
			}
			le.PutUint32(miniFAT[4*i:], next)
		}
		fat[2] = sectEndOfChain
		le.PutUint32(hdr[0x3C:], 2)
		le.PutUint32(hdr[0x40:], 1)
		rootSize = minis * 64
		n := sectors(rootSize)
		chain(3, n)
		rootStart = 3
		body = append(body, miniFAT...)
		body = append(body, data...)
		body = append(body, make([]byte, n*sector-len(data))...)
	}
	dir := make([]byte, sector)
	entry := func(i int, name string, typ byte, child uint32, start uint32, size int) {
		e := dir[i*128:]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42], e[0x43] = typ, 1
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], noStream)
		le.PutUint32(e[0x4C:], child)
		le.PutUint32(e[0x74:], start)
		le.PutUint32(e[0x78:], uint32(size))
	}
	entry(0, "Root Entry", oleRoot, 1, rootStart, rootSize)
	entry(1, "Workbook", oleStream, noStream, bookStart, len(data))
	for i := 2; i < 4; i++ {
		e := dir[i*128:]
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], noStream)
		le.PutUint32(e[0x4C:], noStream)
	}
	var out bytes.Buffer
	out.Write(hdr)
	for _, v := range fat {
		binary.Write(&out, le, v)
	}
	out.Write(dir)
	out.Write(body)
	return out.Bytes()
}

// An Excel 4.0 macro sheet runs formulas as macros with no VBA project at
// all: a workbook is refused for one, hidden or not, whether its stream
// sits in the file's sectors or in the mini stream.
func TestXLMMacroSheetsAreRefused(t *testing.T) {
	type sheet = struct {
		name      string
		typ, hide byte
	}
	plain := []sheet{{"Sheet1", 0, 0}, {"Sheet2", 0, 0}}
	macro := []sheet{{"Sheet1", 0, 0}, {"Auto_Open", sheetMacro, 2}}
	eachStore(t, Options{}, func(t *testing.T, s *Store) {
		for _, c := range []struct {
			name   string
			data   []byte
			typ    string
			reason string
		}{
			{"小表.xls", biff(plain, 0), "application/vnd.ms-excel", ""},
			{"大表.xls", biff(plain, 6000), "application/vnd.ms-excel", ""},
			{"小宏表.xls", biff(macro, 0), "", "macro"},
			{"大宏表.xls", biff(macro, 6000), "", "macro"},
		} {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(buildWorkbook(t, c.data)))
			checkPut(t, c.name, m, err, c.typ, c.reason)
			var ref *Refusal
			if c.reason != "" && (!errors.As(err, &ref) || !strings.Contains(ref.Message, "Excel 4.0 macro sheet Auto_Open")) {
				t.Errorf("%s: refusal %v should name the macro sheet", c.name, err)
			}
		}
	})
}
