package plan

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed registry.tsv
var registryTSV string

// Kinds of bodies in the registry.
const (
	KindMinistry    = "ministry"    // State Council constituent departments and SASAC
	KindAgency      = "agency"      // directly affiliated agencies and national bureaus
	KindOffice      = "office"      // State Council offices and leading-group offices
	KindInstitution = "institution" // directly affiliated institutions (academies, regulators)
	KindBank        = "bank"        // policy banks
	KindFederation  = "federation"  // national federations and people's organisations
	KindParty       = "party"       // central Party bodies plans name as responsible
	KindProvince    = "province"    // the 31 provincial-level governments
	// KindSecondName is a second name a body carries (一个机构两块牌子:
	// 国家版权局 is a name of the publicity department): named in plans on
	// its own, never counted again when "各部门" expands.
	KindSecondName = "second-name"
	// KindCommitteeOffice is the office of a State Council committee or
	// leading group (空管委办公室, 国务院安委会办公室).
	KindCommitteeOffice = "committee-office"
	KindOrganizing      = "organizing-committee" // organizing committees of national events
	KindMilitary        = "military"             // Central Military Commission departments
	KindEnterprise      = "enterprise"           // state enterprises plans name (中国铁路总公司)
	KindJudicial        = "judicial"             // the Supreme People's Court and Procuratorate
)

// kinds is every kind the registry may use.
var kinds = []string{KindMinistry, KindAgency, KindOffice, KindInstitution, KindBank, KindFederation, KindParty,
	KindProvince, KindSecondName, KindCommitteeOffice, KindOrganizing, KindMilitary, KindEnterprise, KindJudicial}

// Ministry is one body in the registry.
type Ministry struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Short   string `json:"name_zh"`
	Full    string `json:"full_name_zh"`
	English string `json:"name_en"`
	// Traditional is the short name in traditional characters, derived with
	// OpenCC so it always agrees with the converter the importer uses.
	Traditional string   `json:"traditional"`
	Since       int      `json:"since"`
	Until       int      `json:"until,omitempty"`
	Successor   string   `json:"successor,omitempty"`
	Aliases     []string `json:"aliases,omitempty"`
}

// Central reports whether the body is a central department, the set that
// "各部门" expands to.
func (m Ministry) Central() bool {
	switch m.Kind {
	case KindMinistry, KindAgency, KindOffice, KindInstitution:
		return true
	}
	return false
}

// ExistedIn reports whether the body existed in year (0: today).
func (m Ministry) ExistedIn(year int) bool {
	if year == 0 {
		return m.Until == 0
	}
	return m.Since <= year && (m.Until == 0 || m.Until > year)
}

// Registry indexes the bodies by ID and by every name they go by.
type Registry struct {
	list   []Ministry
	byID   map[string]int
	byName map[string]int
}

var (
	defaultOnce sync.Once
	defaultReg  *Registry
	defaultErr  error
)

// DefaultRegistry is the registry embedded in the binary.
func DefaultRegistry() (*Registry, error) {
	defaultOnce.Do(func() { defaultReg, defaultErr = ParseRegistry(registryTSV) })
	return defaultReg, defaultErr
}

// ParseRegistry reads the tab-separated registry format (see registry.tsv).
func ParseRegistry(tsv string) (*Registry, error) {
	conv, err := converter()
	if err != nil {
		return nil, err
	}
	r := &Registry{byID: map[string]int{}, byName: map[string]int{}}
	for n, line := range strings.Split(tsv, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 9 {
			return nil, fmt.Errorf("registry line %d: %d fields, want 9", n+1, len(f))
		}
		m := Ministry{ID: f[0], Kind: f[1], Short: f[2], Full: f[3], English: f[4], Successor: f[7]}
		if !slices.Contains(kinds, m.Kind) {
			return nil, fmt.Errorf("registry line %d: unknown kind %q", n+1, m.Kind)
		}
		if m.Since, err = strconv.Atoi(f[5]); err != nil {
			return nil, fmt.Errorf("registry line %d: since %q: %w", n+1, f[5], err)
		}
		if f[6] != "" {
			if m.Until, err = strconv.Atoi(f[6]); err != nil {
				return nil, fmt.Errorf("registry line %d: until %q: %w", n+1, f[6], err)
			}
		}
		if f[8] != "" {
			m.Aliases = strings.Split(f[8], "|")
		}
		if m.Traditional, err = conv.s2t(m.Short); err != nil {
			return nil, err
		}
		if _, dup := r.byID[m.ID]; dup {
			return nil, fmt.Errorf("registry line %d: duplicate id %s", n+1, m.ID)
		}
		i := len(r.list)
		r.list = append(r.list, m)
		r.byID[m.ID] = i
		for _, name := range append([]string{m.Short, m.Full}, m.Aliases...) {
			if j, dup := r.byName[name]; dup && j != i {
				return nil, fmt.Errorf("registry line %d: name %s belongs to %s and %s", n+1, name, r.list[j].ID, m.ID)
			}
			r.byName[name] = i
		}
	}
	for _, m := range r.list {
		if _, ok := r.byID[m.Successor]; m.Successor != "" && !ok {
			return nil, fmt.Errorf("registry: %s names unknown successor %s", m.ID, m.Successor)
		}
	}
	return r, nil
}

// All returns every body, in registry order.
func (r *Registry) All() []Ministry { return slices.Clone(r.list) }

// ByID finds a body by its ID.
func (r *Registry) ByID(id string) (Ministry, bool) {
	i, ok := r.byID[id]
	if !ok {
		return Ministry{}, false
	}
	return r.list[i], true
}

// Lookup finds a body by any of its names (simplified characters).
func (r *Registry) Lookup(name string) (Ministry, bool) {
	i, ok := r.byName[name]
	if !ok {
		return Ministry{}, false
	}
	return r.list[i], true
}

// Nearest returns up to n registry names closest to name by edit distance.
func (r *Registry) Nearest(name string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for k := range r.byName {
		cs = append(cs, cand{k, editDistance(name, k)})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	out := []string{}
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// Select returns the bodies that existed in year and pass keep.
func (r *Registry) Select(year int, keep func(Ministry) bool) []Ministry {
	var out []Ministry
	for _, m := range r.list {
		if m.ExistedIn(year) && keep(m) {
			out = append(out, m)
		}
	}
	return out
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
