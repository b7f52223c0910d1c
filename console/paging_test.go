package console

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Pages count from the newest items; a page out of range shows the nearest
// one; links keep the other lists' pages and drop one-time messages.
func TestPaginate(t *testing.T) {
	cases := []struct {
		query          string
		total          int
		page, pages    int
		lo, hi         int
		newer, older   string
		links, current int
	}{
		{"", 0, 1, 1, 0, 0, "", "", 0, 0},
		{"", 7, 1, 1, 0, 7, "", "", 0, 0},
		{"", 25, 1, 3, 15, 25, "", "/t?r=2#l", 3, 1},
		{"r=2", 25, 2, 3, 5, 15, "/t?r=1#l", "/t?r=3#l", 3, 2},
		{"r=3", 25, 3, 3, 0, 5, "/t?r=2#l", "", 3, 3},
		{"r=9", 25, 3, 3, 0, 5, "/t?r=2#l", "", 3, 3},
		{"r=-1", 25, 1, 3, 15, 25, "", "/t?r=2#l", 3, 1},
		{"r=x", 20, 1, 2, 10, 20, "", "/t?r=2#l", 2, 1},
		{"msg=submitted&other=4&r=2", 20, 2, 2, 0, 10, "/t?other=4&r=1#l", "", 2, 2},
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		p, lo, hi := paginate("/t", q, "r", "l", "份", c.total, 10)
		current := 0
		for _, l := range p.Links {
			if l.Current {
				current = l.N
			}
		}
		got := []any{p.Page, p.Pages, lo, hi, p.Newer, p.Older, len(p.Links), current}
		want := []any{c.page, c.pages, c.lo, c.hi, c.newer, c.older, c.links, c.current}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q of %d: mismatch (-want +got):\n%s", c.query, c.total, diff)
		}
	}
	if got := newestFirst([]int{1, 2, 3, 4, 5}, 1, 4); !cmp.Equal(got, []int{4, 3, 2}) {
		t.Errorf("newestFirst = %v, want [4 3 2]", got)
	}
}
