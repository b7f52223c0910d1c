package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"lianxi/console/identity"
	"lianxi/cycles"
)

// cycleRoutes are the office's reporting cycles of a plan and the bulletins
// their rounds issued. They answer 503 when the console has no cycles
// (a console without a Temporal client).
func (h *Handler) cycleRoutes(api func(pattern string, h handlerFunc, roles ...string)) {
	api("POST /api/plans/{plan}/cycles", h.createCycle, identity.RoleOffice)
	api("GET /api/plans/{plan}/cycles", h.listCycles, identity.RoleOffice)
	api("PATCH /api/plans/{plan}/cycles/{cycle}", h.changeCycle, identity.RoleOffice)
	api("DELETE /api/plans/{plan}/cycles/{cycle}", h.deleteCycle, identity.RoleOffice)
	api("GET /api/plans/{plan}/bulletins", h.bulletins, identity.RoleOffice, identity.RoleAuditor)
	api("GET /api/plans/{plan}/bulletins/{seq}/export.xlsx", h.BulletinExport, identity.RoleOffice, identity.RoleAuditor)
	api("GET /api/plans/{plan}/bulletins/{seq}/export.docx", h.BulletinDocx, identity.RoleOffice, identity.RoleAuditor)
}

// ErrNoCycles answers a cycle route on a console without a Temporal client.
var ErrNoCycles = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "this console runs no reporting cycles (it has no Temporal client)"}

// CycleError maps a cycle's errors: a missing cycle is 404, an existing one
// 409, the rest of what the office wrote wrong 400.
func CycleError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cycles.ErrNoCycle):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.Is(err, cycles.ErrCycleExists), errors.Is(err, cycles.ErrRoundRunning):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, cycles.ErrInvalidCycle):
		return BadRequest("", "%s", err.Error())
	}
	return err
}

func (h *Handler) createCycle(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if h.Cycles == nil {
		return ErrNoCycles
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var q cycles.Request
	if err := json.Unmarshal(body, &q); err != nil {
		return BadRequest("", "the body is not a cycle: %v", err)
	}
	c, err := q.Cycle(r.PathValue("plan"))
	if err != nil {
		return BadRequest("", "%s", err.Error())
	}
	if err := h.Cycles.Create(r.Context(), c, p.Name); err != nil {
		return CycleError(err)
	}
	WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (h *Handler) listCycles(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	if h.Cycles == nil {
		return ErrNoCycles
	}
	cs, err := h.Cycles.List(r.Context(), r.PathValue("plan"))
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []cycles.Cycle{}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"cycles": cs})
	return nil
}

// cycleChange is the body of PATCH: pause, resume or trigger, with a
// note; change, with the cycle's new settings; or backfill, with the
// range of dates (from, to) whose missed rounds to run.
type cycleChange struct {
	Action string          `json:"action"`
	Note   string          `json:"note,omitempty"`
	Cycle  *cycles.Request `json:"cycle,omitempty"`
	From   string          `json:"from,omitempty"`
	To     string          `json:"to,omitempty"`
}

func (h *Handler) changeCycle(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if h.Cycles == nil {
		return ErrNoCycles
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var ch cycleChange
	if err := json.Unmarshal(body, &ch); err != nil {
		return BadRequest("", "the body is not a change: %v", err)
	}
	plan, id := r.PathValue("plan"), r.PathValue("cycle")
	switch ch.Action {
	case "pause":
		err = h.Cycles.Pause(r.Context(), plan, id, p.Name, ch.Note)
	case "resume":
		err = h.Cycles.Resume(r.Context(), plan, id, p.Name, ch.Note)
	case "trigger":
		err = h.Cycles.Trigger(r.Context(), plan, id, p.Name)
	case "backfill":
		from, to, rerr := cycles.ParseRange(ch.From, ch.To)
		if rerr != nil {
			return BadRequest("from", "%s", rerr.Error())
		}
		done, berr := h.Cycles.Backfill(r.Context(), plan, id, from, to, p.Name)
		if berr != nil {
			return CycleError(berr)
		}
		WriteJSON(w, http.StatusOK, map[string]any{"cycle": id, "done": ch.Action, "backfill": done})
		return nil
	case "change":
		if ch.Cycle == nil {
			return BadRequest("cycle", "a change needs the cycle's new settings in \"cycle\"")
		}
		ch.Cycle.ID = id
		c, cerr := ch.Cycle.Cycle(plan)
		if cerr != nil {
			return BadRequest("cycle", "%s", cerr.Error())
		}
		err = h.Cycles.Change(r.Context(), c, p.Name)
	default:
		return BadRequest("action", "action must be pause, resume, trigger, backfill or change, not %q", ch.Action)
	}
	if err != nil {
		return CycleError(err)
	}
	WriteJSON(w, http.StatusOK, map[string]string{"cycle": id, "done": ch.Action})
	return nil
}

func (h *Handler) deleteCycle(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if h.Cycles == nil {
		return ErrNoCycles
	}
	id := r.PathValue("cycle")
	if err := h.Cycles.Delete(r.Context(), r.PathValue("plan"), id, p.Name); err != nil {
		return CycleError(err)
	}
	WriteJSON(w, http.StatusOK, map[string]string{"cycle": id, "done": "delete"})
	return nil
}

func (h *Handler) bulletins(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	if h.Ledger == nil {
		return ErrNoCycles
	}
	bs, err := cycles.Bulletins(r.Context(), h.Ledger, r.PathValue("plan"))
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, map[string]any{"bulletins": bs})
	return nil
}
