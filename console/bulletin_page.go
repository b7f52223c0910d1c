package console

import (
	"html/template"
	"net/http"
	"strconv"

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
			d.Statuses = listedStatuses(d.Shown.Bulletin.ByStatus)
		}
		s.render(w, t, s.view(sess, "督查通报", r, d))
		return nil
	}
}
