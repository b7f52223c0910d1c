package console

import (
	"net/url"
	"strconv"
)

// Page sizes of the task page's long lists: with the longest texts the API
// accepts, a page of each stays well under a mebibyte.
const (
	// reportsPerPage progress reports of up to 20,000 characters each.
	reportsPerPage = 10
	// roundsPerPage finished rounds, each with every answer and report.
	roundsPerPage = 3
	// timelinePerPage rows of the timeline.
	timelinePerPage = 50
)

// pager is one page of a list shown newest first, with links to the rest.
type pager struct {
	// Total counts the whole list; Page is the page shown (from 1) of Pages.
	Total, Page, Pages int
	// Unit names what is counted (份, 轮, 条).
	Unit string
	// Newer and Older link to the neighbouring pages, when there are.
	Newer, Older string
	Links        []pageLink
}

// pageLink is one page's number and address.
type pageLink struct {
	N       int
	URL     string
	Current bool
}

// paginate picks the page that the query's param asks for, out of total
// items in the order they happened, shown newest first, size to a page.
// It returns the pager and the bounds [lo, hi) of the page's items in that
// order. Links keep the query's other parameters (another list's page)
// and drop one-time messages; anchor takes the reader back to the list.
func paginate(path string, q url.Values, param, anchor, unit string, total, size int) (p pager, lo, hi int) {
	p = pager{Total: total, Unit: unit, Pages: max(1, (total+size-1)/size), Page: 1}
	if n, err := strconv.Atoi(q.Get(param)); err == nil {
		p.Page = min(max(n, 1), p.Pages)
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "msg" && k != "error" {
				v[k] = vs
			}
		}
		v.Set(param, strconv.Itoa(n))
		return path + "?" + v.Encode() + "#" + anchor
	}
	if p.Pages > 1 {
		for n := 1; n <= p.Pages; n++ {
			p.Links = append(p.Links, pageLink{N: n, URL: link(n), Current: n == p.Page})
		}
		if p.Page > 1 {
			p.Newer = link(p.Page - 1)
		}
		if p.Page < p.Pages {
			p.Older = link(p.Page + 1)
		}
	}
	hi = max(0, total-(p.Page-1)*size)
	lo = max(0, hi-size)
	return p, lo, hi
}

// newestFirst copies xs[lo:hi] in reverse order.
func newestFirst[T any](xs []T, lo, hi int) []T {
	out := make([]T, 0, hi-lo)
	for i := hi - 1; i >= lo; i-- {
		out = append(out, xs[i])
	}
	return out
}
