package attachments

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// A compound file (the container of .doc and .xls, also called OLE2 or
// CFB) is a small file system: a header, a FAT chaining fixed-size
// sectors, and a directory of storages (folders) and streams (files) kept
// as a red-black tree. Macros live in named storages and streams of that
// directory, so the check reads the directory the way Office does — by
// following sector chains from the header — rather than looking for bytes.

// Special sector numbers of the FAT.
const (
	sectFree       = 0xFFFFFFFF
	sectEndOfChain = 0xFFFFFFFE
	sectFAT        = 0xFFFFFFFD
	sectDIFAT      = 0xFFFFFFFC
	maxRegSect     = 0xFFFFFFFA
	noStream       = 0xFFFFFFFF
)

// Directory entry object types.
const (
	oleStorage = 1
	oleStream  = 2
	oleRoot    = 5
)

// errNotCFB is content that starts like a compound file but does not read
// as one.
var errNotCFB = errors.New("not a readable compound file")

// oleEntry is one storage or stream of a compound file's directory.
type oleEntry struct {
	Name string
	Type byte
	// Path is the entry's storages from the root, joined by "/".
	Path string
}

// vbaNames are the storages and streams that hold a VBA project: Word
// keeps it under Macros/VBA, Excel under _VBA_PROJECT_CUR/VBA, and the
// project itself is the _VBA_PROJECT stream.
var vbaNames = []string{"_VBA_PROJECT", "_VBA_PROJECT_CUR", "VBA", "Macros"}

// oleDirectory reads the directory of the compound file in r (size bytes)
// and lists every entry reachable from the root.
func oleDirectory(r io.ReaderAt, size int64) ([]oleEntry, error) {
	hdr := make([]byte, 512)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, errNotCFB
	}
	if string(hdr[:8]) != string(magicOLE) {
		return nil, errNotCFB
	}
	shift := binary.LittleEndian.Uint16(hdr[0x1E:])
	if shift != 9 && shift != 12 {
		return nil, fmt.Errorf("%w: sector shift %d", errNotCFB, shift)
	}
	c := &cfb{r: r, sectorSize: int64(1) << shift}
	if size <= c.sectorSize {
		return nil, fmt.Errorf("%w: no sectors", errNotCFB)
	}
	// The header fills what would be sector -1.
	c.sectors = uint32((size - 1) / c.sectorSize)
	if err := c.readFAT(hdr); err != nil {
		return nil, err
	}
	dir, err := c.chain(binary.LittleEndian.Uint32(hdr[0x30:]))
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return c.walk(dir)
}

// cfb is a compound file being read.
type cfb struct {
	r          io.ReaderAt
	sectorSize int64
	sectors    uint32
	fat        []uint32
}

// sector reads sector n.
func (c *cfb) sector(n uint32) ([]byte, error) {
	if n >= c.sectors {
		return nil, fmt.Errorf("%w: sector %d past the end", errNotCFB, n)
	}
	b := make([]byte, c.sectorSize)
	if _, err := c.r.ReadAt(b, (int64(n)+1)*c.sectorSize); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w: sector %d: %v", errNotCFB, n, err)
	}
	return b, nil
}

// readFAT collects the FAT sectors named by the header's 109 DIFAT slots
// and the DIFAT sector chain after them, and reads the FAT.
func (c *cfb) readFAT(hdr []byte) error {
	nFAT := binary.LittleEndian.Uint32(hdr[0x2C:])
	if nFAT > c.sectors {
		return fmt.Errorf("%w: %d FAT sectors in a file of %d", errNotCFB, nFAT, c.sectors)
	}
	var fatSectors []uint32
	for i := 0; i < 109 && uint32(len(fatSectors)) < nFAT; i++ {
		fatSectors = append(fatSectors, binary.LittleEndian.Uint32(hdr[0x4C+4*i:]))
	}
	next := binary.LittleEndian.Uint32(hdr[0x44:])
	perDIFAT := int(c.sectorSize/4) - 1
	for seen := uint32(0); uint32(len(fatSectors)) < nFAT; seen++ {
		if next > maxRegSect || seen > c.sectors {
			return fmt.Errorf("%w: DIFAT chain ends early", errNotCFB)
		}
		b, err := c.sector(next)
		if err != nil {
			return err
		}
		for i := 0; i < perDIFAT && uint32(len(fatSectors)) < nFAT; i++ {
			fatSectors = append(fatSectors, binary.LittleEndian.Uint32(b[4*i:]))
		}
		next = binary.LittleEndian.Uint32(b[4*perDIFAT:])
	}
	for _, s := range fatSectors {
		b, err := c.sector(s)
		if err != nil {
			return err
		}
		for i := 0; i < len(b); i += 4 {
			c.fat = append(c.fat, binary.LittleEndian.Uint32(b[i:]))
		}
	}
	return nil
}

// chain reads the sectors chained from start, refusing loops and chains
// that leave the file.
func (c *cfb) chain(start uint32) ([]byte, error) {
	var out []byte
	for n, steps := start, uint32(0); n != sectEndOfChain; steps++ {
		if n > maxRegSect || int(n) >= len(c.fat) || steps > c.sectors {
			return nil, fmt.Errorf("%w: broken sector chain at %d", errNotCFB, n)
		}
		b, err := c.sector(n)
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
		n = c.fat[n]
	}
	return out, nil
}

// walk lists the entries reachable from the root entry (entry 0): each
// storage's children are a tree through the left and right siblings.
func (c *cfb) walk(dir []byte) ([]oleEntry, error) {
	count := uint32(len(dir) / 128)
	if count == 0 || dir[0x42] != oleRoot {
		return nil, fmt.Errorf("%w: no root entry", errNotCFB)
	}
	entry := func(i uint32) []byte { return dir[i*128 : (i+1)*128] }
	visited := make([]bool, count)
	var out []oleEntry
	type item struct {
		id   uint32
		path string
	}
	stack := []item{{binary.LittleEndian.Uint32(entry(0)[0x4C:]), ""}}
	visited[0] = true
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.id == noStream {
			continue
		}
		if it.id >= count || visited[it.id] {
			return nil, fmt.Errorf("%w: directory entry %d out of place", errNotCFB, it.id)
		}
		visited[it.id] = true
		e := entry(it.id)
		name := entryName(e)
		out = append(out, oleEntry{Name: name, Type: e[0x42], Path: it.path})
		stack = append(stack, item{binary.LittleEndian.Uint32(e[0x44:]), it.path}, item{binary.LittleEndian.Uint32(e[0x48:]), it.path})
		if e[0x42] == oleStorage {
			stack = append(stack, item{binary.LittleEndian.Uint32(e[0x4C:]), strings.TrimPrefix(it.path+"/"+name, "/")})
		}
	}
	return out, nil
}

// entryName decodes a directory entry's UTF-16 name.
func entryName(e []byte) string {
	n := int(binary.LittleEndian.Uint16(e[0x40:]))
	if n > 64 {
		n = 64
	}
	var u []uint16
	for i := 0; i+1 < n; i += 2 {
		if v := binary.LittleEndian.Uint16(e[i:]); v != 0 {
			u = append(u, v)
		}
	}
	return string(utf16.Decode(u))
}

// oleInfo is what the check needs from a compound file: the VBA entry it
// holds, if any, and which Office application's main stream it has.
type oleInfo struct {
	VBA string
	// Word is set by a WordDocument stream, Excel by Workbook or Book.
	Word, Excel bool
}

// inspectOLE reads the directory of the compound file in r.
func inspectOLE(r io.ReaderAt, size int64) (oleInfo, error) {
	entries, err := oleDirectory(r, size)
	if err != nil {
		return oleInfo{}, err
	}
	var info oleInfo
	for _, e := range entries {
		for _, v := range vbaNames {
			if strings.EqualFold(e.Name, v) && info.VBA == "" {
				info.VBA = strings.TrimPrefix(e.Path+"/"+e.Name, "/")
			}
		}
		if e.Path == "" && e.Type == oleStream {
			switch e.Name {
			case "WordDocument":
				info.Word = true
			case "Workbook", "Book":
				info.Excel = true
			}
		}
	}
	return info, nil
}
