package plan

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A document pasted as one paragraph gives the same tasks as with its
// line breaks: every document of the corpus, its breaks removed.
func TestCorpusWithoutLineBreaks(t *testing.T) {
	for _, d := range corpusDocs {
		t.Run(d.name, func(t *testing.T) {
			doc := sharedFile(t, filepath.Join(corpusDir, d.name+".txt"))
			flat := bytes.ReplaceAll(bytes.ReplaceAll(doc, []byte("\r"), nil), []byte("\n"), nil)
			want, got := taskList(t, doc), taskList(t, flat)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tasks differ without line breaks (-with +without):\n%s", diff)
			}
		})
	}
}

// taskList is what a task list says of a parsed document: number, path,
// parent, bodies, collective bodies and deadline of every task.
func taskList(t *testing.T, doc []byte) []string {
	t.Helper()
	p, err := Parse(doc, Options{PlanID: "t"})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var out []string
	for _, task := range p.Tasks {
		out = append(out, fmt.Sprintf("%s %s ^%s %v %v %s %v open=%v", task.No, task.Path, task.Parent, task.IDs(), task.Collective, task.Due, task.Ongoing, task.OpenList))
	}
	return out
}
