package console

import (
	"encoding/json"
	"errors"
	"net/http"

	"lianxi/cycles"
)

// cycleRoutes are the office's reporting cycles of a plan and the bulletins
// their rounds issued. They answer 503 when the console has no cycles
// (a console without a Temporal client).
func (s *Server) cycleRoutes(api func(pattern string, h apiHandler, roles ...string)) {
	api("POST /api/plans/{plan}/cycles", s.apiCreateCycle, RoleOffice)
	api("GET /api/plans/{plan}/cycles", s.apiListCycles, RoleOffice)
	api("PATCH /api/plans/{plan}/cycles/{cycle}", s.apiChangeCycle, RoleOffice)
	api("DELETE /api/plans/{plan}/cycles/{cycle}", s.apiDeleteCycle, RoleOffice)
	api("GET /api/plans/{plan}/bulletins", s.apiBulletins, RoleOffice, RoleAuditor)
	api("GET /api/plans/{plan}/bulletins/{seq}/export.xlsx", s.apiBulletinExport, RoleOffice, RoleAuditor)
	api("GET /api/plans/{plan}/bulletins/{seq}/export.docx", s.apiBulletinDocx, RoleOffice, RoleAuditor)
}

var errNoCycles = &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "this console runs no reporting cycles (it has no Temporal client)"}

// cycleErr maps a cycle's errors: a missing cycle is 404, an existing one
// 409, the rest of what the office wrote wrong 400.
func cycleErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cycles.ErrNoCycle):
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.Is(err, cycles.ErrCycleExists), errors.Is(err, cycles.ErrRoundRunning):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, cycles.ErrInvalidCycle):
		return badRequest("", "%s", err.Error())
	}
	return err
}

func (s *Server) apiCreateCycle(w http.ResponseWriter, r *http.Request, p Principal) error {
	if s.d.Cycles == nil {
		return errNoCycles
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var q cycles.Request
	if err := json.Unmarshal(body, &q); err != nil {
		return badRequest("", "the body is not a cycle: %v", err)
	}
	c, err := q.Cycle(r.PathValue("plan"))
	if err != nil {
		return badRequest("", "%s", err.Error())
	}
	if err := s.d.Cycles.Create(r.Context(), c, p.Name); err != nil {
		return cycleErr(err)
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) apiListCycles(w http.ResponseWriter, r *http.Request, _ Principal) error {
	if s.d.Cycles == nil {
		return errNoCycles
	}
	cs, err := s.d.Cycles.List(r.Context(), r.PathValue("plan"))
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []cycles.Cycle{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"cycles": cs})
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

func (s *Server) apiChangeCycle(w http.ResponseWriter, r *http.Request, p Principal) error {
	if s.d.Cycles == nil {
		return errNoCycles
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var ch cycleChange
	if err := json.Unmarshal(body, &ch); err != nil {
		return badRequest("", "the body is not a change: %v", err)
	}
	plan, id := r.PathValue("plan"), r.PathValue("cycle")
	switch ch.Action {
	case "pause":
		err = s.d.Cycles.Pause(r.Context(), plan, id, p.Name, ch.Note)
	case "resume":
		err = s.d.Cycles.Resume(r.Context(), plan, id, p.Name, ch.Note)
	case "trigger":
		err = s.d.Cycles.Trigger(r.Context(), plan, id, p.Name)
	case "backfill":
		from, to, rerr := cycles.ParseRange(ch.From, ch.To)
		if rerr != nil {
			return badRequest("from", "%s", rerr.Error())
		}
		done, berr := s.d.Cycles.Backfill(r.Context(), plan, id, from, to, p.Name)
		if berr != nil {
			return cycleErr(berr)
		}
		writeJSON(w, http.StatusOK, map[string]any{"cycle": id, "done": ch.Action, "backfill": done})
		return nil
	case "change":
		if ch.Cycle == nil {
			return badRequest("cycle", "a change needs the cycle's new settings in \"cycle\"")
		}
		ch.Cycle.ID = id
		c, cerr := ch.Cycle.Cycle(plan)
		if cerr != nil {
			return badRequest("cycle", "%s", cerr.Error())
		}
		err = s.d.Cycles.Change(r.Context(), c, p.Name)
	default:
		return badRequest("action", "action must be pause, resume, trigger, backfill or change, not %q", ch.Action)
	}
	if err != nil {
		return cycleErr(err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"cycle": id, "done": ch.Action})
	return nil
}

func (s *Server) apiDeleteCycle(w http.ResponseWriter, r *http.Request, p Principal) error {
	if s.d.Cycles == nil {
		return errNoCycles
	}
	id := r.PathValue("cycle")
	if err := s.d.Cycles.Delete(r.Context(), r.PathValue("plan"), id, p.Name); err != nil {
		return cycleErr(err)
	}
	writeJSON(w, http.StatusOK, map[string]string{"cycle": id, "done": "delete"})
	return nil
}

func (s *Server) apiBulletins(w http.ResponseWriter, r *http.Request, _ Principal) error {
	if s.d.Ledger == nil {
		return errNoCycles
	}
	bs, err := cycles.Bulletins(r.Context(), s.d.Ledger, r.PathValue("plan"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"bulletins": bs})
	return nil
}
