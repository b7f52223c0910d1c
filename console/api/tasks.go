package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"lianxi/actions"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/taskclient"
)

// SourceHeader names, on a task's answers, where its status was read:
// "workflow", or "ledger" once Temporal no longer holds its history.
const SourceHeader = "X-Lianxi-Source"

func (h *Handler) getTask(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	st, src, err := h.Tasks.Read(r.Context(), TaskID(r))
	if err != nil {
		return err
	}
	if err := h.MayRead(r.Context(), p, st); err != nil {
		return err
	}
	w.Header().Set(SourceHeader, string(src))
	WriteJSON(w, http.StatusOK, st)
	return nil
}

// taskRecords answers with the task's ledger records, texts whole: the
// status keeps excerpts, the ledger the decisions as made.
func (h *Handler) taskRecords(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	st, err := h.Tasks.Status(r.Context(), TaskID(r))
	if err != nil {
		return err
	}
	if err := h.MayRead(r.Context(), p, st); err != nil {
		return err
	}
	recs := []ledger.Record{}
	if err := h.Ledger.ScanWorkflow(r.Context(), st.ID, func(rec ledger.Record) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, recs)
	return nil
}

// MaxListLimit is the most tasks one page of GET /api/tasks holds.
const MaxListLimit = 1000

// listTasks answers the tasks the filters match, in the dashboard's order.
// With limit (and offset) it answers one page, read by the board in SQL
// whatever the plan's size, says the total in X-Total-Count and links the
// next page; without, every task.
func (h *Handler) listTasks(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	q := r.URL.Query()
	f := taskclient.Filter{Plan: q.Get("plan"), Status: q.Get("status"), Ministry: q.Get("ministry"), Pending: q.Get("pending") == "1"}
	if p.Role == identity.RoleMinistry {
		if f.Ministry != "" && f.Ministry != p.Ministry {
			return ErrForbidden
		}
		f.Ministry = p.Ministry
	}
	limit, offset, paged, err := pageBounds(q)
	if err != nil {
		return err
	}
	if !paged {
		list, err := h.Tasks.List(r.Context(), f)
		if err != nil {
			return err
		}
		taskclient.SortForDashboard(list)
		if list == nil {
			list = []taskclient.Summary{}
		}
		WriteJSON(w, http.StatusOK, list)
		return nil
	}
	page, err := h.Tasks.Page(r.Context(), taskclient.PageFilter{Filter: f, Urgent: true, Offset: offset, Limit: limit})
	if err != nil {
		return err
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(page.Total))
	if offset+limit < page.Total {
		next := *r.URL
		nq := next.Query()
		nq.Set("offset", strconv.Itoa(offset+limit))
		next.RawQuery = nq.Encode()
		w.Header().Set("Link", "<"+next.RequestURI()+`>; rel="next"`)
	}
	WriteJSON(w, http.StatusOK, page.Tasks)
	return nil
}

// pageBounds reads limit and offset; paged is false when neither is given.
func pageBounds(q url.Values) (limit, offset int, paged bool, err error) {
	if q.Get("limit") == "" && q.Get("offset") == "" {
		return 0, 0, false, nil
	}
	limit, offset = 100, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxListLimit {
			return 0, 0, false, BadRequest("limit", "limit must be a whole number from 1 to %d, not %q", MaxListLimit, v)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, false, BadRequest("offset", "offset must be a whole number, 0 or more, not %q", v)
		}
	}
	return limit, offset, true, nil
}

// action serves one human action: the body is parsed by the action's
// definition, the acting ministry is the token's, and the workflow decides.
func (h *Handler) action(a *actions.Action) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		v, requestID, err := a.ParseJSON(body)
		if err != nil {
			return err
		}
		rec, err := h.Act(r.Context(), p, a, TaskID(r), v, requestID)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, rec)
		return nil
	}
}

// Act sends an action to its task as p: the update carries p's signed
// principal, and its ID is the request ID scoped to p and the action.
func (h *Handler) Act(ctx context.Context, p identity.Principal, a *actions.Action, id string, v actions.Values, requestID string) (domain.Receipt, error) {
	if err := h.resolveAttachments(ctx, id, a, v); err != nil {
		return domain.Receipt{}, err
	}
	ctx = door.WithPrincipal(ctx, door.Principal{Name: p.Name, Role: p.Role, Ministry: p.Ministry})
	rec, err := h.Tasks.Update(ctx, id, a.Name, actions.UpdateID(p.Name, a.Name, requestID), a.Request(v, p.Ministry))
	if err == nil {
		h.markAttached(ctx, id, a, v)
	}
	return rec, err
}

// MayRead answers nil when p may read the task, ErrForbidden when not:
// the office and auditors any task, a ministry a task it is on or ever was
// on. The status's rounds
// are bounded, so a ministry removed before them is found on the ledger,
// which names every body a task ever had.
func (h *Handler) MayRead(ctx context.Context, p identity.Principal, st domain.TaskStatus) error {
	if p.Role != identity.RoleMinistry || domain.StatusShows(st, p.Ministry) {
		return nil
	}
	found := false
	err := h.Ledger.ScanWorkflow(ctx, st.ID, func(rec ledger.Record) error {
		if !found && domain.RecordNames(rec.Kind, rec.Ministry, rec.Payload, p.Ministry) {
			found = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return ErrForbidden
	}
	return nil
}
