package taskclient

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"lianxi/board"
)

// PageFilter selects one page of tasks: Filter's fields, a section, a text
// search and the page's bounds.
type PageFilter struct {
	Filter
	// Section is a task number's part before its first dot.
	Section string
	// Text finds tasks whose title contains it or whose number starts
	// with it.
	Text string
	// Urgent orders as SortForDashboard does (an inbox's order);
	// otherwise tasks come by plan, then task number.
	Urgent bool
	// Offset tasks are skipped and at most Limit returned.
	Offset, Limit int
}

// TaskPage is one page of tasks and how many the filter matches in all.
type TaskPage struct {
	Tasks []Summary
	Total int
}

// boardPager is a board that reads a page at a time (board.Store does).
type boardPager interface {
	Page(ctx context.Context, q board.Query) (board.Page, error)
	Menus(ctx context.Context, participant, plan string) (board.Menus, error)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Page returns one page of the tasks f matches, and their number: read by
// the board, whatever its size, when the client has one that pages.
func (c *Client) Page(ctx context.Context, f PageFilter) (TaskPage, error) {
	now := c.now()
	pg, ok := c.Board.(boardPager)
	if !ok {
		return c.pageInMemory(ctx, f)
	}
	q := board.Query{Plan: f.Plan, Section: f.Section, Status: f.Status, Text: f.Text, Urgent: f.Urgent, Now: now,
		Offset: f.Offset, Limit: f.Limit}
	if f.Pending {
		q.Pending = f.Ministry
	} else {
		q.Participant = f.Ministry
	}
	p, err := pg.Page(ctx, q)
	if err != nil {
		return TaskPage{}, fmt.Errorf("list tasks: %w", err)
	}
	out := TaskPage{Tasks: make([]Summary, 0, len(p.Rows)), Total: p.Total}
	for _, r := range p.Rows {
		out.Tasks = append(out.Tasks, FromBoard(r, now))
	}
	return out, nil
}

// Menus returns the plans of ministry's tasks (every task's when empty),
// and the sections and totals by status of those in plan (every plan's
// when empty).
func (c *Client) Menus(ctx context.Context, ministry, plan string) (board.Menus, error) {
	if pg, ok := c.Board.(boardPager); ok {
		m, err := pg.Menus(ctx, ministry, plan)
		if err != nil {
			return m, fmt.Errorf("list tasks: %w", err)
		}
		return m, nil
	}
	all, err := c.List(ctx, Filter{Ministry: ministry})
	if err != nil {
		return board.Menus{}, err
	}
	m := board.Menus{Plans: []string{}, Sections: []string{}, Totals: map[string]int{}}
	for _, t := range all {
		if !slices.Contains(m.Plans, t.Plan) {
			m.Plans = append(m.Plans, t.Plan)
		}
		if plan != "" && t.Plan != plan {
			continue
		}
		m.Totals[t.Status]++
		if sec, _, _ := strings.Cut(t.No, "."); !slices.Contains(m.Sections, sec) {
			m.Sections = append(m.Sections, sec)
		}
	}
	slices.Sort(m.Plans)
	slices.SortFunc(m.Sections, func(a, b string) int { return strings.Compare(board.SortKey(a), board.SortKey(b)) })
	return m, nil
}

// pageInMemory pages what List returns (visibility, or a board that does
// not page): every task is read, as the page needs all to count them.
func (c *Client) pageInMemory(ctx context.Context, f PageFilter) (TaskPage, error) {
	all, err := c.List(ctx, f.Filter)
	if err != nil {
		return TaskPage{}, err
	}
	var list []Summary
	for _, t := range all {
		sec, _, _ := strings.Cut(t.No, ".")
		if (f.Section == "" || sec == f.Section) &&
			(f.Text == "" || strings.Contains(t.Title, f.Text) || strings.HasPrefix(t.No, f.Text)) {
			list = append(list, t)
		}
	}
	if f.Urgent {
		SortForDashboard(list)
	} else {
		slices.SortStableFunc(list, func(a, b Summary) int {
			return cmp.Or(strings.Compare(a.Plan, b.Plan), strings.Compare(board.SortKey(a.No), board.SortKey(b.No)), strings.Compare(a.ID, b.ID))
		})
	}
	lo := min(max(f.Offset, 0), len(list))
	hi := min(lo+max(f.Limit, 0), len(list))
	return TaskPage{Tasks: slices.Clone(list[lo:hi]), Total: len(list)}, nil
}
