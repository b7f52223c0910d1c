package attachments

import (
	"io"
	"strings"
)

// vbaNames are the storages and streams that hold a VBA project: Word
// keeps it under Macros/VBA, Excel under _VBA_PROJECT_CUR/VBA, and the
// project itself is the _VBA_PROJECT stream.
var vbaNames = []string{"_VBA_PROJECT", "_VBA_PROJECT_CUR", "VBA", "Macros"}

// oleInfo is what the check needs from a compound file: the VBA entry it
// holds, if any, and which Office application's main stream it has.
type oleInfo struct {
	VBA string
	// Word is set by a WordDocument stream, Excel by Workbook or Book.
	Word, Excel bool
	// XLM names an Excel 4.0 macro sheet of the workbook, if it has one.
	XLM string
}

// inspectOLE reads the directory of the compound file in r, and a
// workbook's sheet list.
func inspectOLE(r io.ReaderAt, size int64) (oleInfo, error) {
	c, entries, err := openCFB(r, size)
	if err != nil {
		return oleInfo{}, err
	}
	var info oleInfo
	for _, e := range entries {
		if e.Path == "" && e.Type == oleStream && (e.Name == "Workbook" || e.Name == "Book") && info.XLM == "" {
			b, err := c.stream(e)
			if err != nil {
				return oleInfo{}, err
			}
			info.XLM = macroSheet(b)
		}
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
