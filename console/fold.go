package console

import "strings"

// Long texts (a progress report, a joint report, a comment) longer than
// foldLen characters are folded to their first foldHead characters, with
// the whole text one click away.
const (
	foldLen  = 300
	foldHead = 120
)

// foldPendingOver is how many names a pending list shows before it folds.
const foldPendingOver = 5

// pendingList is a list of pending ministries as a cell shows it.
type pendingList struct {
	// All joins every name; Short the first few, shown while folded.
	All, Short string
	Count      int
	Folded     bool
}

// foldNames shows every name, folded behind the first three and a count
// when there are more than foldPendingOver.
func foldNames(names []string) pendingList {
	p := pendingList{All: strings.Join(names, "、"), Count: len(names)}
	if len(names) > foldPendingOver {
		p.Folded, p.Short = true, strings.Join(names[:3], "、")
	}
	return p
}
