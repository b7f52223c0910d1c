package attachments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

// cfbEntry is one storage or stream of a compound file built for a test:
// its path from the root ("Macros/VBA/dir") and whether it is a storage.
type cfbEntry struct {
	path    string
	storage bool
}

// buildCFB writes a version 3 compound file (512-byte sectors) holding the
// given entries. The directory's sectors are not contiguous — each is
// followed by a filler sector holding filler — so that a reader must
// follow the FAT's chain to find them all. Streams are empty.
func buildCFB(t *testing.T, filler []byte, entries ...cfbEntry) []byte {
	t.Helper()
	type node struct {
		name    string
		typ     byte
		child   uint32
		right   uint32
		lastKid int
	}
	nodes := []node{{name: "Root Entry", typ: oleRoot, child: noStream, right: noStream, lastKid: -1}}
	index := map[string]int{"": 0}
	for _, e := range entries {
		parent, name := "", e.path
		if i := strings.LastIndex(e.path, "/"); i >= 0 {
			parent, name = e.path[:i], e.path[i+1:]
		}
		p, ok := index[parent]
		if !ok {
			t.Fatalf("buildCFB: %s before its storage", e.path)
		}
		typ := byte(oleStream)
		if e.storage {
			typ = oleStorage
		}
		id := len(nodes)
		nodes = append(nodes, node{name: name, typ: typ, child: noStream, right: noStream, lastKid: -1})
		index[e.path] = id
		// Siblings chained through their right pointers: a valid, if
		// unbalanced, tree.
		if nodes[p].lastKid < 0 {
			nodes[p].child = uint32(id)
		} else {
			nodes[nodes[p].lastKid].right = uint32(id)
		}
		nodes[p].lastKid = id
	}
	dirSectors := (len(nodes) + 3) / 4
	// Sector 0 is the FAT; directory sector k is sector 1+2k, filler 2+2k.
	total := 1 + 2*dirSectors
	fat := make([]uint32, 128)
	for i := range fat {
		fat[i] = sectFree
	}
	fat[0] = sectFAT
	for k := 0; k < dirSectors; k++ {
		next := uint32(sectEndOfChain)
		if k+1 < dirSectors {
			next = uint32(1 + 2*(k+1))
		}
		fat[1+2*k] = next
	}
	var out bytes.Buffer
	le := binary.LittleEndian
	out.Write(cfbHeader())
	for _, v := range fat {
		binary.Write(&out, le, v)
	}
	dir := make([]byte, dirSectors*512)
	// Unused entries: empty, with no siblings or children.
	for i := len(nodes); i < dirSectors*4; i++ {
		e := dir[i*128:]
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], noStream)
		le.PutUint32(e[0x4C:], noStream)
	}
	for i, n := range nodes {
		e := dir[i*128:]
		u := utf16.Encode([]rune(n.name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42], e[0x43] = n.typ, 1
		le.PutUint32(e[0x44:], noStream)
		le.PutUint32(e[0x48:], n.right)
		le.PutUint32(e[0x4C:], n.child)
		le.PutUint32(e[0x74:], sectEndOfChain)
	}
	for k := 0; k < dirSectors; k++ {
		out.Write(dir[k*512 : (k+1)*512])
		f := make([]byte, 512)
		copy(f, filler)
		out.Write(f)
	}
	if out.Len() != 512*(1+total) {
		t.Fatalf("buildCFB: %d bytes", out.Len())
	}
	return out.Bytes()
}

// Word and Excel files: the type comes from the main stream, macros from
// the VBA storages wherever the directory puts them, never from bytes
// elsewhere in the file.
func TestOLEByDirectory(t *testing.T) {
	word := cfbEntry{path: "WordDocument"}
	book := cfbEntry{path: "Workbook"}
	decoy := []byte("_VBA_PROJECT VBA Macros Attribute VB_Name")
	// Enough entries before the VBA ones to put them in the third
	// directory sector.
	padding := []cfbEntry{{path: "1Table"}, {path: "\x05SummaryInformation"}, {path: "\x05DocumentSummaryInformation"}, {path: "CompObj"}, {path: "ObjectPool", storage: true}, {path: "Data"}, {path: "1Table2"}}
	macroXLS := append([]cfbEntry{book}, padding...)
	macroXLS = append(macroXLS, cfbEntry{"_VBA_PROJECT_CUR", true}, cfbEntry{"_VBA_PROJECT_CUR/VBA", true}, cfbEntry{"_VBA_PROJECT_CUR/VBA/dir", false})
	macroDOC := []cfbEntry{word, {"Macros", true}, {"Macros/VBA", true}, {"Macros/VBA/_VBA_PROJECT", false}}
	looped := buildCFB(t, nil, word, cfbEntry{path: "x"})
	binary.LittleEndian.PutUint32(looped[512+512+2*128+0x48:], 1) // x's right sibling is WordDocument again
	cases := []struct {
		name    string
		content []byte
		typ     string
		reason  string
	}{
		{"旧.doc", buildCFB(t, decoy, append([]cfbEntry{word}, padding...)...), "application/msword", ""},
		{"旧.xls", buildCFB(t, decoy, book), "application/vnd.ms-excel", ""},
		{"宏.xls", buildCFB(t, nil, macroXLS...), "", "macro"},
		{"宏.doc", buildCFB(t, nil, macroDOC...), "", "macro"},
		{"表.doc", buildCFB(t, nil, book), "", "type"},
		{"无主流.doc", buildCFB(t, decoy, cfbEntry{path: "Contents"}), "", "type"},
		{"循环.doc", looped, "", "type"},
		{"坏.doc", append(append([]byte{}, magicOLE...), make([]byte, 600)...), "", "type"},
	}
	eachStore(t, Options{}, func(t *testing.T, s *Store) {
		for _, c := range cases {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(c.content))
			checkPut(t, c.name, m, err, c.typ, c.reason)
		}
		var ref *Refusal
		_, err := s.Put(t.Context(), "plan/1.1", "ndrc", "宏.xls", bytes.NewReader(buildCFB(t, nil, macroXLS...)))
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

// cfbHeader is the header of a version 3 compound file (512-byte sectors)
// whose one FAT sector is sector 0 and whose directory starts at sector 1,
// with no mini FAT and no DIFAT sectors.
func cfbHeader() []byte {
	le := binary.LittleEndian
	hdr := make([]byte, 512)
	copy(hdr, magicOLE)
	le.PutUint16(hdr[0x18:], 0x3E)
	le.PutUint16(hdr[0x1A:], 3)
	le.PutUint16(hdr[0x1C:], 0xFFFE)
	le.PutUint16(hdr[0x1E:], 9)
	le.PutUint16(hdr[0x20:], 6)
	le.PutUint32(hdr[0x2C:], 1)
	le.PutUint32(hdr[0x30:], 1)
	le.PutUint32(hdr[0x38:], 4096)
	le.PutUint32(hdr[0x3C:], sectEndOfChain)
	le.PutUint32(hdr[0x44:], sectEndOfChain)
	for i := 0; i < 109; i++ {
		le.PutUint32(hdr[0x4C+4*i:], sectFree)
	}
	le.PutUint32(hdr[0x4C:], 0)
	return hdr
}
