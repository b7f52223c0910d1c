package console

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"

	"github.com/google/uuid"

	"lianxi/actions"
	"lianxi/attachments"
	"lianxi/console/api"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/taskclient"
)

type taskData struct {
	Status domain.TaskStatus
	// Timeline is one page of the task's records, newest first.
	Timeline      []ledger.Record
	TimelinePager pager
	// Progress is one page of the progress reports, newest first, whole,
	// from the ledger (the status keeps only the latest, as excerpts).
	Progress      []ledger.Record
	ProgressPager pager
	// Rounds is one page of the returned rounds, newest first, read from
	// the ledger with their signers and whole texts.
	Rounds      []pastRound
	RoundsPager pager
	// Extensions lists every extension request and its decision, whole,
	// from the ledger.
	Extensions []domain.ExtensionRecord
	// Texts holds each decision's texts as recorded, by decision ID.
	Texts map[string]map[string]string
	// Persons holds the person who signed each decision, whole, by
	// decision ID: the status keeps an excerpt of the current round's
	// signers and none of earlier rounds'.
	Persons map[string]string
	// Forms are the actions this principal may take on the task now, each
	// rendered from its definition.
	Forms []actionForm
	// Accept lists the file types attachments may have.
	Accept string
	// FromLedger is set when Temporal no longer holds the task's history:
	// the page is read from the board and the ledger.
	FromLedger bool
}

// actionForm is one action's form on the task page.
type actionForm struct {
	Action    *actions.Action
	Fields    []actions.Field
	RequestID string
	// Multipart is set when the form sends files.
	Multipart bool
	// Options are the ministries each ministry field offers, by field name.
	Options map[string][]option
}

func (s *Server) taskPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		st, src, err := s.d.Tasks.Read(r.Context(), api.TaskID(r))
		if err != nil {
			return err
		}
		p := sess.principal
		if err := s.api.MayRead(r.Context(), p, st); err != nil {
			return err
		}
		d := taskData{Status: st, Forms: formsFor(p, st), Texts: map[string]map[string]string{}, Persons: map[string]string{},
			FromLedger: src == taskclient.SourceLedger}
		for i := range d.Forms {
			s.pickers(&d.Forms[i], st)
		}
		for _, ext := range attachments.Accepted() {
			d.Accept += "," + ext
		}
		if d.Accept != "" {
			d.Accept = d.Accept[1:]
		}
		var records, progress []ledger.Record
		if err := s.d.Ledger.ScanWorkflow(r.Context(), st.ID, func(rec ledger.Record) error {
			records = append(records, rec)
			d.Texts[rec.DecisionID] = rec.Payload
			d.Persons[rec.DecisionID] = rec.Person
			switch rec.Kind {
			case domain.KindProgress:
				progress = append(progress, rec)
			case domain.KindExtensionRequest, domain.KindExtensionDecision:
				d.Extensions = domain.ApplyExtensionRecord(d.Extensions, rec.Kind, rec.Ministry, rec.Person, rec.Payload, rec.At, rec.Seq)
			}
			return nil
		}); err != nil {
			return err
		}
		d.pages(r, records, progress)
		s.render(w, t, s.view(sess, st.TaskNo+" "+st.Title, r, d))
		return nil
	}
}

// pages picks the page of each long list the request asks for: progress
// reports (?reports=), returned rounds (?rounds=) and the timeline
// (?timeline=), each newest first with links to the rest, so the page
// stays bounded however long the task runs.
func (d *taskData) pages(r *http.Request, records, progress []ledger.Record) {
	path, q := r.URL.Path, r.URL.Query()
	var lo, hi int
	d.ProgressPager, lo, hi = paginate(path, q, "reports", "progress-list", "份", len(progress), reportsPerPage)
	d.Progress = newestFirst(progress, lo, hi)
	order := make([]string, 0, len(d.Status.Participants))
	for _, pt := range d.Status.Participants {
		order = append(order, pt.ID)
	}
	rounds := pastRounds(records, order)
	d.RoundsPager, lo, hi = paginate(path, q, "rounds", "rounds", "轮", len(rounds), roundsPerPage)
	d.Rounds = newestFirst(rounds, lo, hi)
	d.TimelinePager, lo, hi = paginate(path, q, "timeline", "timeline-list", "条", len(records), timelinePerPage)
	d.Timeline = newestFirst(records, lo, hi)
}

// pickers fills the form's ministry choices, each by its Chinese name:
// the registry's ministries (for adding, those not on the task) or the
// task's own.
func (s *Server) pickers(f *actionForm, st domain.TaskStatus) {
	onTask := map[string]bool{}
	for _, pt := range st.Participants {
		onTask[pt.ID] = true
	}
	for _, fl := range f.Fields {
		if fl.Among == "" {
			continue
		}
		if f.Options == nil {
			f.Options = map[string][]option{}
		}
		var opts []option
		if fl.Among == actions.AmongParticipants {
			for _, pt := range st.Participants {
				opts = append(opts, option{pt.ID, s.ministryName(pt.ID)})
			}
		} else {
			for _, m := range s.d.Registry.All() {
				if fl.Among == actions.AmongAll || !onTask[m.ID] {
					opts = append(opts, option{m.ID, m.Short})
				}
			}
		}
		f.Options[fl.Name] = opts
	}
}

// formsFor offers p the actions its role may take that make sense in the
// task's current state; each form gets a fresh request ID, so submitting it
// twice (a double click, a resend) is answered once.
func formsFor(p Principal, st domain.TaskStatus) []actionForm {
	isLead := false
	for _, pt := range st.Participants {
		isLead = isLead || (pt.ID == p.Ministry && pt.Role == domain.RoleLead)
	}
	var out []actionForm
	for _, a := range actions.All() {
		if !slices.Contains(rolesFor(a.Who), p.Role) || !a.Offer(st, p.Ministry) {
			continue
		}
		f := actionForm{Action: a, RequestID: uuid.NewString()}
		for _, fl := range a.Fields {
			if !fl.LeadOnly || isLead {
				f.Fields = append(f.Fields, fl)
				f.Multipart = f.Multipart || fl.Kind == actions.Attachments
			}
		}
		out = append(out, f)
	}
	return out
}

// attachmentLink is one file on the task page.
type attachmentLink struct {
	URL, Name, Size, Type string
}

// attachmentLinks lists the files a decision's ledger payload names, with
// their download links on the console.
func attachmentLinks(planID, taskNo string, payload map[string]string) []attachmentLink {
	var out []attachmentLink
	for _, a := range domain.ParseAttachments(payload) {
		out = append(out, attachmentLink{URL: "/tasks/" + url.PathEscape(planID) + "/" + url.PathEscape(taskNo) + "/attachments/" + a.SHA256,
			Name: a.Name, Size: sizeLabel(a.Size), Type: a.Type})
	}
	return out
}

// sizeLabel writes a file size for people: 512 B, 3.2 KB, 1.5 MB.
func sizeLabel(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
