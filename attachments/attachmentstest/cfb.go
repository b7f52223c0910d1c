package attachmentstest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// Compound file constants, as in [MS-CFB].
const (
	sectFree       = 0xFFFFFFFF
	sectEndOfChain = 0xFFFFFFFE
	sectFAT        = 0xFFFFFFFD
	noStream       = 0xFFFFFFFF
	typeStorage    = 1
	typeStream     = 2
	typeRoot       = 5
)

// magicCFB opens every compound file.
var magicCFB = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// CFBEntry is one storage or stream of a compound file CFB builds: its
// path from the root ("Macros/VBA/dir") and whether it is a storage.
type CFBEntry struct {
	Path    string
	Storage bool
}

// CFB writes a version 3 compound file (512-byte sectors) holding the
// given entries, each storage before what it holds. The directory's
// sectors are not contiguous — each is followed by a filler sector holding
// filler — so that a reader must follow the FAT's chain to find them all.
// Streams are empty. The layout is fixed: sector 0 is the FAT, directory
// sector k is sector 1+2k, so entry i's directory record starts at byte
// 512 + 512*(1+2*(i/4)) + 128*(i%4), the root being entry 0. It panics
// when an entry comes before its storage, a mistake in the calling test.
func CFB(filler []byte, entries ...CFBEntry) []byte {
	type node struct {
		name    string
		typ     byte
		child   uint32
		right   uint32
		lastKid int
	}
	nodes := []node{{name: "Root Entry", typ: typeRoot, child: noStream, right: noStream, lastKid: -1}}
	index := map[string]int{"": 0}
	for _, e := range entries {
		parent, name := "", e.Path
		if i := strings.LastIndex(e.Path, "/"); i >= 0 {
			parent, name = e.Path[:i], e.Path[i+1:]
		}
		p, ok := index[parent]
		if !ok {
			panic(fmt.Sprintf("attachmentstest.CFB: %s comes before its storage", e.Path))
		}
		typ := byte(typeStream)
		if e.Storage {
			typ = typeStorage
		}
		id := len(nodes)
		nodes = append(nodes, node{name: name, typ: typ, child: noStream, right: noStream, lastKid: -1})
		index[e.Path] = id
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
	out.Write(CFBHeader())
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
	return out.Bytes()
}

// CFBHeader is the header of a version 3 compound file (512-byte sectors)
// whose one FAT sector is sector 0 and whose directory starts at sector 1,
// with no mini FAT and no DIFAT sectors.
func CFBHeader() []byte {
	le := binary.LittleEndian
	hdr := make([]byte, 512)
	copy(hdr, magicCFB)
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
