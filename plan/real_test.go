package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// realDocument is what a reader checks by eye against one real document.
type realDocument struct {
	file                      string
	tasks, sections, context  int
	leadRule                  string
	runOn                     bool
	merged                    int // tasks whose paragraph holds several clauses
	shapes                    map[string]realShape
	originalNos               map[string]string
	openGroups                map[string]string
	broadcastWithLead, noLead []string
}

type realShape struct {
	IDs  string
	Open bool
}

var realDocuments = []realDocument{
	{
		file: "2019-guofa-3.txt", tasks: 21, sections: 5, context: 4, leadRule: "排在第一位的部门为牵头部门", runOn: true,
		shapes: map[string]realShape{
			"1.1": {"sat mof gacc", false}, "1.5": {"gacc", false}, "2.1": {"gacc mofcom", true},
			"3.4": {"gacc mct sach", false}, "5.2": {"mofcom gacc", true}, "5.5": {"gacc mofcom", true},
		},
		originalNos: map[string]string{"1.1": "1", "2.1": "6", "3.1": "10", "5.5": "21"},
	},
	{
		file: "2018-guofa-42.txt", tasks: 18, sections: 7, context: 3, leadRule: "列第一位者为牵头单位", runOn: true,
		shapes: map[string]realShape{
			"2.1": {"miit ndrc most moara", true}, "2.3": {"miit ndrc moara mofcom sasac idca", true},
			"4.1": {"moara most miit mof mot mofcom pbc cbirc caac", true}, "8.1": {"moara miit", false},
		},
		// 一、总体要求 holds no task: 二 stays section 2.
		originalNos: map[string]string{"2.1": "（三）", "8.3": "（二十）"},
		noLead:      []string{"8.2"},
	},
	{
		file: "2018-guofa-39.txt", tasks: 15, sections: 5, leadRule: "列第一位者为牵头单位", runOn: true,
		shapes: map[string]realShape{
			"1.1": {"mohrss mof", false}, "2.3": {"mohrss", true}, "3.2": {"mohrss mof moe", true},
			"4.2": {"mohrss nhsa", false}, "4.3": {"mof mohrss mca", true},
		},
		broadcastWithLead: []string{"2.2", "4.1"},
		noLead:            []string{"5.1", "5.2", "5.3", "5.4"},
	},
	{
		file: "2018-guofa-38.txt", tasks: 53, sections: 4, context: 1, runOn: true,
		shapes: map[string]realShape{
			"1.1": {"mohrss mohurd mofcom", false}, "1.16": {"ndrc lsb", false},
			"2.2": {"mofcom cbirc nra crc", false}, "2.17": {"spb crc", false}, "3.10": {"pbc", true},
		},
	},
	{
		// Items （十）, （十三） and （十八） give a task per sentence and clause.
		file: "2018-guobanfa-121.txt", tasks: 21, sections: 4, context: 4, runOn: true,
		shapes: map[string]realShape{
			"2.2": {"sport bocog2022", false}, "3.2.1": {"samr", false}, "3.2.2": {"sport moe", false},
			"3.2.3": {"sport cac most miit", false}, "3.5.3": {"cbirc pbc sport", false}, "4.3": {"nrta ncac moj sport", false},
			"5.1.1": {"mps miit mot mwr mnr atc-office", false}, "5.1.2": {"sport ndrc mps samr", false},
		},
	},
	{
		file: "2018-guobanfa-129.txt", tasks: 17, sections: 5, context: 1, runOn: true,
		shapes: map[string]realShape{
			"2.2": {"cpad ndrc mohrss mofcom", true}, "3.3": {"mofcom ndrc mot spb acfsmc", true},
		},
		openGroups:        map[string]string{"2.2": "各有关省级人民政府", "6.4": "各有关省级人民政府"},
		broadcastWithLead: []string{"2.1", "2.3", "6.1", "6.3"},
	},
	{
		file: "2018-guobanfa-117.txt", tasks: 30, sections: 1,
		shapes: map[string]realShape{
			"1.1": {"samr", false}, "1.16": {"ndrc", true}, "1.18": {"ndrc mof", true},
			"1.22": {"mof cpad", false}, "1.30": {"gov-office", false},
		},
		originalNos: map[string]string{"1.16": "十六", "1.30": "三十"},
	},
}

func TestRealDocuments(t *testing.T) {
	for _, d := range realDocuments {
		t.Run(d.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "real", d.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(b, Options{PlanID: strings.TrimSuffix(d.file, ".txt")})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			checkGolden(t, filepath.Join("testdata", "real", strings.TrimSuffix(d.file, ".txt")+".golden.json"), p.WithoutText())
			if len(p.Tasks) != d.tasks || len(p.Sections) != d.sections || len(p.Context) != d.context || p.LeadRule != d.leadRule {
				t.Errorf("%d tasks, %d sections, %d context, lead rule %q; want %d, %d, %d, %q",
					len(p.Tasks), len(p.Sections), len(p.Context), p.LeadRule, d.tasks, d.sections, d.context, d.leadRule)
			}
			if got := countWarnings(p, "numbers its items on"); got != boolInt(d.runOn) {
				t.Errorf("%d run-on numbering warnings, want %d", got, boolInt(d.runOn))
			}
			if got := countWarnings(p, "responsibility clauses: all their bodies are kept"); got != d.merged {
				t.Errorf("%d merged-clause warnings, want %d", got, d.merged)
			}
			if got := countWarnings(p, "numbering repeats"); got != 0 {
				t.Errorf("numbering reported as repeating: %q", p.Warnings)
			}
			byNo := map[string]Task{}
			for _, task := range p.Tasks {
				byNo[task.No] = task
				if task.Broadcast {
					continue
				}
				if task.Lead == nil || task.Participants[0].Role != RoleLead {
					t.Errorf("task %s has no lead", task.No)
				}
			}
			for no, want := range d.shapes {
				got := realShape{strings.Join(byNo[no].IDs(), " "), byNo[no].OpenList}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("task %s (-want +got):\n%s", no, diff)
				}
			}
			for no, want := range d.originalNos {
				if got := byNo[no].OriginalNo; got != want {
					t.Errorf("task %s original_no %q, want %q", no, got, want)
				}
			}
			for no, want := range d.openGroups {
				if got := strings.Join(byNo[no].OpenGroups, " "); got != want || !byNo[no].OpenList {
					t.Errorf("task %s open groups %q (open %v), want %q", no, got, byNo[no].OpenList, want)
				}
			}
			for _, no := range d.broadcastWithLead {
				if task := byNo[no]; !task.Broadcast || task.Lead == nil {
					t.Errorf("task %s: broadcast %v lead %v; want a broadcast that keeps its named lead", no, task.Broadcast, task.Lead)
				}
			}
			for _, no := range d.noLead {
				if task := byNo[no]; !task.Broadcast || task.Lead != nil {
					t.Errorf("task %s: broadcast %v lead %v; want a broadcast without lead", no, task.Broadcast, task.Lead)
				}
			}
		})
	}
}

func checkGolden(t *testing.T, path string, p *Plan) {
	t.Helper()
	got, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plan -update to create it)", err)
	}
	if diff := cmp.Diff(strings.TrimSpace(string(want)), strings.TrimSpace(string(got))); diff != "" {
		t.Errorf("parse result differs from %s (-want +got):\n%s", path, diff)
	}
}

func countWarnings(p *Plan, s string) int {
	n := 0
	for _, w := range p.Warnings {
		if strings.Contains(w, s) {
			n++
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
