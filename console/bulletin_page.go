package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"lianxi/console/api"
	"lianxi/console/reports"
	"lianxi/cycles"
	"lianxi/taskclient"
)

// bulletinData is the bulletins page: the plan's issued bulletins, and the
// one chosen shown whole for printing.
type bulletinData struct {
	Plan   string
	Issued []cycles.Issued
	// Shown is the bulletin chosen (?seq=), the latest by default.
	Shown *cycles.Issued
	// Statuses lists the statuses the chosen bulletin counts, in the
	// lifecycle's order.
	Statuses []string
	// Cycles are the plan's reporting cycles, for the office to steer.
	Cycles []cycles.Cycle
}

// bulletinPage shows a plan's supervision bulletins (督查通报) as issued:
// every figure read from the bulletin record, none recomputed.
func (s *Server) bulletinPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		d := bulletinData{Plan: r.PathValue("plan")}
		var err error
		if d.Issued, err = cycles.Bulletins(r.Context(), s.d.Ledger, d.Plan); err != nil {
			return err
		}
		if len(d.Issued) > 0 {
			d.Shown = &d.Issued[len(d.Issued)-1]
		}
		if q := r.URL.Query().Get("seq"); q != "" {
			seq, err := strconv.ParseInt(q, 10, 64)
			if err != nil {
				return taskclient.ErrNotFound
			}
			d.Shown = nil
			for i := range d.Issued {
				if d.Issued[i].Seq == seq {
					d.Shown = &d.Issued[i]
				}
			}
			if d.Shown == nil {
				return taskclient.ErrNotFound
			}
		}
		if d.Shown != nil {
			d.Statuses = reports.ListedStatuses(d.Shown.Bulletin.ByStatus)
		}
		if s.d.Cycles != nil && sess.principal.Role == RoleOffice {
			if d.Cycles, err = s.d.Cycles.List(r.Context(), d.Plan); err != nil {
				return err
			}
		}
		s.render(w, t, s.view(sess, "督查通报", r, d))
		return nil
	}
}

// cycleForm pauses, resumes or triggers a cycle from the bulletins page.
func (s *Server) cycleForm(w http.ResponseWriter, r *http.Request, sess session) error {
	if s.d.Cycles == nil {
		return api.ErrNoCycles
	}
	plan, id, p := r.PathValue("plan"), r.PathValue("cycle"), sess.principal
	var err error
	switch r.PostFormValue("action") {
	case "pause":
		err = s.d.Cycles.Pause(r.Context(), plan, id, p.Name, r.PostFormValue("note"))
	case "resume":
		err = s.d.Cycles.Resume(r.Context(), plan, id, p.Name, r.PostFormValue("note"))
	case "trigger":
		err = s.d.Cycles.Trigger(r.Context(), plan, id, p.Name)
	default:
		return api.BadRequest("action", "action must be pause, resume or trigger")
	}
	if err != nil {
		return api.CycleError(err)
	}
	http.Redirect(w, r, "/plans/"+url.PathEscape(plan)+"/bulletins", http.StatusSeeOther)
	return nil
}
