package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// corpusDir holds real State Council documents with what a reader found
// in each (see its README): the regression corpus of the importer.
const corpusDir = "../../shared/plans/real"

// corpusDocs are the corpus's documents and the form of their expected
// results.
var corpusDocs = []struct {
	name  string
	truth bool // a .truth.tsv (else an .expected.json)
}{
	{"gf-2018-38", false}, {"gf-2018-42", false}, {"gf-2019-3", false}, {"gbf-2018-117", false},
	{"gbf-2020-24", true}, {"gbf-2020-43", true}, {"gbf-2021-45", true}, {"gbf-2022-30", true}, {"gf-2022-9", true},
}

// corpusTask is what the expected files say of one task: its number,
// lead and the other named bodies as registry IDs (a name the registry
// cannot resolve stays as "?name"), and its collective bodies as written.
type corpusTask struct {
	No         string
	Lead       string
	Others     []string
	Collective []string
}

func TestCorpus(t *testing.T) {
	reg, err := DefaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range corpusDocs {
		t.Run(d.name, func(t *testing.T) {
			doc := sharedFile(t, filepath.Join(corpusDir, d.name+".txt"))
			p, err := Parse(doc, Options{PlanID: d.name})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var want []corpusTask
			if d.truth {
				want = readTruth(t, reg, sharedFile(t, filepath.Join(corpusDir, d.name+".truth.tsv")))
			} else {
				want = readExpected(t, reg, sharedFile(t, filepath.Join(corpusDir, d.name+".expected.json")))
			}
			for _, w := range want {
				for _, id := range append([]string{w.Lead}, w.Others...) {
					if strings.HasPrefix(id, "?") {
						t.Errorf("task %s: the registry does not know %s", w.No, id[1:])
					}
				}
			}
			if pr := p.Problems(); len(pr) > 0 {
				t.Errorf("%d problems left on a document the registry fully knows: %v", len(pr), pr)
			}
			got := make([]corpusTask, 0, len(p.Tasks))
			for _, task := range p.Tasks {
				got = append(got, taskFacts(task, d.truth))
			}
			if !d.truth {
				// The expected files do not list collective bodies.
				for i := range got {
					got[i].Collective = nil
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%d tasks, want %d; mismatch (-want +got):\n%s", len(got), len(want), diff)
			}
			t.Logf("%s: %d tasks (want %d), %d problems", d.name, len(p.Tasks), len(want), len(p.Problems()))
		})
	}
}

// taskFacts reads a parsed task as the expected files write it: by the
// document's path (truth files) or the task number, the named bodies only.
func taskFacts(task Task, byPath bool) corpusTask {
	c := corpusTask{No: task.No, Collective: task.Collective}
	if byPath {
		c.No = task.Path
	}
	named := task.Participants
	if task.Broadcast {
		named = named[:task.Named]
	}
	for i, pt := range named {
		id := pt.ID
		if pt.Unknown {
			id = "?" + pt.NameZh
		}
		if i == 0 && task.Lead != nil {
			c.Lead = id
			continue
		}
		c.Others = append(c.Others, id)
	}
	if task.Broadcast && task.Lead == nil && len(c.Others) == 0 && len(task.OpenGroups) == 0 && !byPath {
		c.Lead = "BROADCAST"
	}
	return c
}

// readTruth reads a .truth.tsv: no, lead, others (comma-separated), and
// collective bodies, names as written.
func readTruth(t *testing.T, reg *Registry, b []byte) []corpusTask {
	t.Helper()
	var out []corpusTask
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if sc.Text() == "" || strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		for len(f) < 4 {
			f = append(f, "")
		}
		c := corpusTask{No: f[0], Lead: resolveName(reg, f[1])}
		for _, n := range splitNames(f[2]) {
			c.Others = append(c.Others, resolveName(reg, n))
		}
		c.Collective = splitNames(f[3])
		out = append(out, c)
	}
	return out
}

// readExpected reads an .expected.json: no, lead and participants (the
// lead first) as the registry's short names.
func readExpected(t *testing.T, reg *Registry, b []byte) []corpusTask {
	t.Helper()
	var rows []struct {
		No           string   `json:"no"`
		Lead         string   `json:"lead"`
		Participants []string `json:"participants"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("expected file: %v", err)
	}
	out := make([]corpusTask, 0, len(rows))
	for _, r := range rows {
		c := corpusTask{No: r.No}
		if strings.HasPrefix(r.Lead, "BROADCAST") {
			c.Lead = "BROADCAST"
		} else {
			c.Lead = resolveName(reg, r.Lead)
		}
		for _, n := range r.Participants {
			if id := resolveName(reg, n); id != c.Lead {
				c.Others = append(c.Others, id)
			}
		}
		out = append(out, c)
	}
	return out
}

func splitNames(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// resolveName is a name's registry ID, through the registry's names and
// its reading of near names; "?name" when it has none.
func resolveName(reg *Registry, name string) string {
	if name == "" {
		return ""
	}
	if m, ok := reg.Lookup(name); ok {
		return m.ID
	}
	if m, ok := reg.Resolve(name); ok {
		return m.ID
	}
	return fmt.Sprintf("?%s", name)
}
