package attachments

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits bound what an archive (docx, xlsx, OFD: all zip files) may unpack
// to before anything trusts it. A zip bomb is a small file that unpacks to
// a huge one; the headers that declare sizes are written by the sender, so
// the bounds apply to the declared sizes first and then to the bytes
// actually read, which are read with a limit.
type Limits struct {
	// MaxEntries bounds the number of parts, nested archives included.
	MaxEntries int
	// MaxUnpacked bounds the total unpacked size in bytes, nested
	// archives included.
	MaxUnpacked int64
	// MaxRatio bounds the unpacked size over the file's size, once more
	// than ratioFloor bytes are unpacked.
	MaxRatio int64
}

// DefaultLimits are the archive bounds when none are configured: 10,000
// parts, 256 MiB unpacked, and a compression ratio of 100:1. An ordinary
// document's XML compresses about 10:1, a spreadsheet's up to 30:1.
var DefaultLimits = Limits{MaxEntries: 10000, MaxUnpacked: 256 << 20, MaxRatio: 100}

// ratioFloor is the unpacked size below which the ratio is not checked: a
// tiny file may well unpack to many times its size.
const ratioFloor = 1 << 20

// maxNested bounds one part that is itself a container (an embedded
// compound file or archive), which is read whole to be inspected.
const maxNested = 64 << 20

// maxNesting bounds archives within archives.
const maxNesting = 3

// budget is what remains of the limits while an archive is unpacked.
type budget struct {
	Limits
	fileSize int64
	entries  int
	unpacked int64
}

func (b *budget) refuse(zh, en string, args ...any) *Refusal {
	return &Refusal{Reason: "archive", Message: fmt.Sprintf(zh, args...) + " (" + fmt.Sprintf(en, args...) + ")"}
}

// addEntries counts n more parts against MaxEntries.
func (b *budget) addEntries(n int) error {
	b.entries += n
	if b.entries > b.MaxEntries {
		return b.refuse("压缩文件的条目超过 %d 个的上限，疑为压缩炸弹，已拒收", "the archive holds more than the limit of %d entries; refused as a possible zip bomb", b.MaxEntries)
	}
	return nil
}

func (b *budget) tooBig() *Refusal {
	mib := b.MaxUnpacked >> 20
	return b.refuse("压缩文件解压后超过 %d MiB 的上限，疑为压缩炸弹，已拒收", "the archive unpacks to more than the %d MiB limit; refused as a possible zip bomb", mib)
}

// declared checks the sizes the headers declare before any part is read.
func (b *budget) declared(files []*zip.File) error {
	var sum uint64
	for _, f := range files {
		sum += f.UncompressedSize64
		if sum > uint64(b.MaxUnpacked-b.unpacked) {
			return b.tooBig()
		}
	}
	return nil
}

// counter counts the bytes read through it against the budget and stops
// the read when a bound is passed.
type counter struct {
	b   *budget
	r   io.Reader
	err error
}

func (c *counter) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.b.unpacked += int64(n)
	switch {
	case c.b.unpacked > c.b.MaxUnpacked:
		c.err = c.b.tooBig()
	case c.b.unpacked > ratioFloor && c.b.unpacked > c.b.MaxRatio*c.b.fileSize:
		c.err = c.b.refuse("压缩比超过 %d:1 的上限，疑为压缩炸弹，已拒收", "the compression ratio is above the %d:1 limit; refused as a possible zip bomb", c.b.MaxRatio)
	}
	if c.err != nil {
		return n, c.err
	}
	return n, err
}

// zipInfo is what the check learned from an archive.
type zipInfo struct {
	// Main is the content type of the package's main part (an OOXML
	// document or workbook), "" when there is none.
	Main string
	// OFD is set by an OFD.xml entry.
	OFD bool
}

// errUnreadable is an archive that does not read as one.
var errUnreadable = errors.New("unreadable archive")

// inspectZip unpacks the archive in r within b, refusing macros (see
// checkPackage) and bombs, and tells what it holds.
func inspectZip(r io.ReaderAt, size int64, b *budget, depth int) (zipInfo, error) {
	if depth > maxNesting {
		return zipInfo{}, b.refuse("压缩文件嵌套超过 %d 层，已拒收", "archives are nested more than %d deep", maxNesting)
	}
	z, err := zip.NewReader(r, size)
	if err != nil {
		return zipInfo{}, errUnreadable
	}
	if err := b.addEntries(len(z.File)); err != nil {
		return zipInfo{}, err
	}
	if err := b.declared(z.File); err != nil {
		return zipInfo{}, err
	}
	pkg := &opcPackage{parts: map[string]bool{}, rels: map[string][]byte{}}
	var info zipInfo
	// Two entries of one name leave open which one a reader takes: OPC
	// forbids them, and the check would see only one.
	seen := map[string]bool{}
	for _, f := range z.File {
		n := partName(f.Name)
		if seen[n] {
			return zipInfo{}, b.refuse("压缩文件中有两个名为 %s 的条目，已拒收", "the archive holds two entries named %s", f.Name)
		}
		seen[n] = true
	}
	// The content types come first: they say which parts are
	// relationships, wherever those are.
	for _, f := range z.File {
		if strings.EqualFold(f.Name, "[Content_Types].xml") {
			raw, err := readPart(f, b, true)
			if err != nil {
				return zipInfo{}, err
			}
			if pkg.types, err = parseContentTypes(raw); err != nil {
				return zipInfo{}, errUnreadable
			}
		}
	}
	for _, f := range z.File {
		if strings.EqualFold(f.Name, "[Content_Types].xml") || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if f.Name == "OFD.xml" {
			info.OFD = true
		}
		pkg.parts[partName(f.Name)] = true
		isRels := pkg.types != nil && pkg.isRels(f.Name)
		raw, err := readPart(f, b, isRels)
		if err != nil {
			return zipInfo{}, err
		}
		switch {
		case isRels:
			pkg.rels[partName(f.Name)] = raw
		case bytes.HasPrefix(raw, magicOLE):
			ole, err := inspectOLE(bytes.NewReader(raw), int64(len(raw)))
			if err == nil && ole.VBA != "" {
				return zipInfo{}, macroRefusal(fmt.Sprintf("%s (%s)", f.Name, ole.VBA))
			}
			if err == nil && ole.XLM != "" {
				return zipInfo{}, macroRefusal(fmt.Sprintf("%s (%s)", f.Name, ole.XLM))
			}
		case bytes.HasPrefix(raw, magicZIP):
			if _, err := inspectZip(bytes.NewReader(raw), int64(len(raw)), b, depth+1); err != nil && !errors.Is(err, errUnreadable) {
				return zipInfo{}, err
			}
		}
	}
	if pkg.types != nil {
		if info.Main, err = pkg.check(); err != nil {
			return zipInfo{}, err
		}
	}
	return info, nil
}

// readPart unpacks one part within the budget. It keeps the whole part
// when keep is set or when the part is itself a container (a compound
// file or an archive), and otherwise only its first bytes.
func readPart(f *zip.File, b *budget, keep bool) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, errUnreadable
	}
	defer rc.Close()
	c := &counter{b: b, r: rc}
	head := make([]byte, 8)
	n, err := io.ReadFull(c, head)
	head = head[:n]
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return head, nil
	}
	if err != nil {
		return nil, partError(b, f.Name, err)
	}
	if keep || bytes.Equal(head, magicOLE) || bytes.HasPrefix(head, magicZIP) {
		rest, err := io.ReadAll(io.LimitReader(c, maxNested))
		if err != nil {
			return nil, partError(b, f.Name, err)
		}
		if len(rest) == maxNested {
			return nil, b.refuse("压缩文件中的 %s 超过 %d MiB，无法检查，已拒收", "the part %s is larger than %d MiB and cannot be checked", f.Name, maxNested>>20)
		}
		return append(head, rest...), nil
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		return nil, partError(b, f.Name, err)
	}
	return head, nil
}

// partError keeps the budget's refusals, refuses a part whose size or
// checksum is not the declared one (the reader stops at the declared
// size), and calls anything else an unreadable archive.
func partError(b *budget, name string, err error) error {
	var ref *Refusal
	switch {
	case errors.As(err, &ref):
		return ref
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrChecksum):
		return b.refuse("压缩文件中的 %s 已损坏或实际大小与声明不符，已拒收", "the entry %s is damaged or does not unpack to its declared size", name)
	}
	return errUnreadable
}
