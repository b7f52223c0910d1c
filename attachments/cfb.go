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
	// Start and Size place a stream's data (for the root entry, the mini
	// stream's).
	Start uint32
	Size  uint64
}

// openCFB reads the compound file's header, FAT and directory.
func openCFB(r io.ReaderAt, size int64) (*cfb, []oleEntry, error) {
	c, err := readCFB(r, size)
	if err != nil {
		return nil, nil, err
	}
	dir, err := c.chain(binary.LittleEndian.Uint32(c.hdr[0x30:]))
	if err != nil {
		return nil, nil, fmt.Errorf("directory: %w", err)
	}
	rootDir := dir
	entries, err := c.walk(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(rootDir) >= 128 {
		c.root = oleEntry{Start: binary.LittleEndian.Uint32(rootDir[0x74:]), Size: uint64(binary.LittleEndian.Uint32(rootDir[0x78:]))}
	}
	return c, entries, nil
}

func readCFB(r io.ReaderAt, size int64) (*cfb, error) {
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
	c := &cfb{r: r, sectorSize: int64(1) << shift, hdr: hdr}
	if size <= c.sectorSize {
		return nil, fmt.Errorf("%w: no sectors", errNotCFB)
	}
	// The header fills what would be sector -1.
	c.sectors = uint32((size - 1) / c.sectorSize)
	if err := c.readFAT(hdr); err != nil {
		return nil, err
	}
	return c, nil
}

// stream reads a stream's data: from the sectors chained from its start,
// or, below the header's cutoff (4096 bytes), from the mini stream's
// 64-byte sectors, chained by the mini FAT.
func (c *cfb) stream(e oleEntry) ([]byte, error) {
	if e.Size == 0 {
		return nil, nil
	}
	cutoff := uint64(binary.LittleEndian.Uint32(c.hdr[0x38:]))
	if e.Size >= cutoff {
		b, err := c.chain(e.Start)
		if err != nil {
			return nil, err
		}
		if uint64(len(b)) < e.Size {
			return nil, fmt.Errorf("%w: stream %s shorter than its size", errNotCFB, e.Name)
		}
		return b[:e.Size], nil
	}
	mini, err := c.chain(c.root.Start)
	if err != nil {
		return nil, fmt.Errorf("mini stream: %w", err)
	}
	raw, err := c.chain(binary.LittleEndian.Uint32(c.hdr[0x3C:]))
	if err != nil {
		return nil, fmt.Errorf("mini FAT: %w", err)
	}
	miniFAT := make([]uint32, len(raw)/4)
	for i := range miniFAT {
		miniFAT[i] = binary.LittleEndian.Uint32(raw[4*i:])
	}
	const miniSize = 64
	var out []byte
	for n, steps := e.Start, 0; n != sectEndOfChain && uint64(len(out)) < e.Size; steps++ {
		if n > maxRegSect || int(n) >= len(miniFAT) || steps > len(miniFAT) || int64(n+1)*miniSize > int64(len(mini)) {
			return nil, fmt.Errorf("%w: broken mini sector chain at %d", errNotCFB, n)
		}
		out = append(out, mini[n*miniSize:(n+1)*miniSize]...)
		n = miniFAT[n]
	}
	if uint64(len(out)) < e.Size {
		return nil, fmt.Errorf("%w: stream %s shorter than its size", errNotCFB, e.Name)
	}
	return out[:e.Size], nil
}

// cfb is a compound file being read.
type cfb struct {
	r          io.ReaderAt
	hdr        []byte
	sectorSize int64
	sectors    uint32
	fat        []uint32
	// root places the mini stream.
	root oleEntry
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
		out = append(out, oleEntry{Name: name, Type: e[0x42], Path: it.path,
			Start: binary.LittleEndian.Uint32(e[0x74:]), Size: uint64(binary.LittleEndian.Uint32(e[0x78:]))})
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
