package console

import (
	"context"
	"net/url"
	"strconv"

	"lianxi/taskclient"
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
	// tasksPerPage rows of the dashboard's and an inbox's task lists,
	// however many tasks there are.
	tasksPerPage = 50
	// linksAround is how many page links a long task list shows on each
	// side of the current page, besides its first and last.
	linksAround = 3
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
	// Gap says pages were left out before this one.
	Gap bool
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

// pageOfTasks reads the page of tasks that q's "page" asks for (from 1; a
// page past the last shows the last), in the board's order, a page at a
// time whatever the number of tasks. The pager's links keep q's filters,
// and show the first, the last and the pages near the current one.
func (s *Server) pageOfTasks(ctx context.Context, path, anchor string, q url.Values, f taskclient.PageFilter) ([]taskclient.Summary, pager, error) {
	want := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		want = min(n, 1<<20)
	}
	f.Offset, f.Limit = (want-1)*tasksPerPage, tasksPerPage
	res, err := s.d.Tasks.Page(ctx, f)
	if err != nil {
		return nil, pager{}, err
	}
	p, _, _ := paginate(path, q, "page", anchor, "项", res.Total, tasksPerPage)
	if p.Page != want {
		f.Offset = (p.Page - 1) * tasksPerPage
		if res, err = s.d.Tasks.Page(ctx, f); err != nil {
			return nil, pager{}, err
		}
	}
	var links []pageLink
	for _, l := range p.Links {
		if l.N == 1 || l.N == p.Pages || (l.N >= p.Page-linksAround && l.N <= p.Page+linksAround) {
			l.Gap = len(links) > 0 && links[len(links)-1].N != l.N-1
			links = append(links, l)
		}
	}
	p.Links = links
	return res.Tasks, p, nil
}
