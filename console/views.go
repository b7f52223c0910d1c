package console

import (
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"lianxi/actions"
	"lianxi/console/api"
	"lianxi/console/reports"
	"lianxi/cycles"
	"lianxi/ledger"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
)

type option struct{ Value, Label string }

type total struct {
	Label string
	Count int
}

type dashboardData struct {
	// Tasks is the page shown of the tasks the filters select.
	Tasks    []taskclient.Summary
	Pager    pager
	Totals   []total
	Sections []string
	Statuses []option
	// Ministries offers the filter's ministries by Chinese name.
	Ministries []option
	// Plans lists every launched plan, for the plan filter.
	Plans                           []string
	Plan, Section, Status, Ministry string
	// Query finds tasks whose title or number contains it.
	Query string
}

// dashboard lists the tasks a page at a time, with totals by status, the
// plans and the sections counted by the board: its cost does not grow with
// the number of tasks.
func (s *Server) dashboard(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		q := r.URL.Query()
		d := dashboardData{Plan: q.Get("plan"), Section: q.Get("section"), Status: q.Get("status"), Ministry: q.Get("ministry"), Query: strings.TrimSpace(q.Get("q"))}
		menus, err := s.d.Tasks.Menus(r.Context(), d.Ministry, d.Plan)
		if err != nil {
			return err
		}
		d.Plans, d.Sections = menus.Plans, menus.Sections
		slices.SortFunc(d.Sections, compareTaskNo)
		for _, st := range reports.ListedStatuses(menus.Totals) {
			d.Totals = append(d.Totals, total{statusLabels[st], menus.Totals[st]})
			d.Statuses = append(d.Statuses, option{st, statusLabels[st]})
		}
		for _, m := range s.d.Registry.All() {
			d.Ministries = append(d.Ministries, option{m.ID, m.Short})
		}
		f := taskclient.PageFilter{Filter: taskclient.Filter{Plan: d.Plan, Status: d.Status, Ministry: d.Ministry}, Section: d.Section, Text: d.Query}
		if d.Tasks, d.Pager, err = s.pageOfTasks(r.Context(), "/office", "tasks", q, f); err != nil {
			return err
		}
		s.render(w, t, s.view(sess, "任务总览", r, d))
		return nil
	}
}

type inboxData struct {
	// Tasks is the page shown of the tasks pending for the ministry.
	Tasks         []taskclient.Summary
	Pager         pager
	Notifications any
	// Owed are the progress reports the ministry owes in open reporting
	// rounds (本期待报送).
	Owed []cycles.Owed
}

func (s *Server) inbox(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		f := taskclient.PageFilter{Filter: taskclient.Filter{Ministry: sess.principal.Ministry, Pending: true}, Urgent: true}
		list, p, err := s.pageOfTasks(r.Context(), "/inbox", "pending", r.URL.Query(), f)
		if err != nil {
			return err
		}
		notes, err := s.d.Outbox.Inbox(r.Context(), sess.principal.Ministry, 50)
		if err != nil {
			return err
		}
		var owed []cycles.Owed
		if s.d.Ledger != nil {
			if owed, err = cycles.OwedBy(r.Context(), s.d.Ledger, sess.principal.Ministry); err != nil {
				return err
			}
		}
		s.render(w, t, s.view(sess, "我的待办", r, inboxData{Tasks: list, Pager: p, Notifications: notes, Owed: owed}))
		return nil
	}
}

// formAction sends a console form as its action and returns to the task
// page with the outcome, or the reason the workflow gave.
func (s *Server) formAction(a *actions.Action) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		back := "/tasks/" + r.PathValue("plan") + "/" + r.PathValue("no")
		// A multiple choice (the amend picker) sends one value per
		// ministry chosen; they are read as one list.
		v, requestID, err := a.ParseForm(func(name string) string { return strings.Join(r.PostForm[name], ",") })
		if err == nil {
			err = s.api.StoreFormFiles(r, sess.principal, a, v)
		}
		if err == nil {
			_, err = s.api.Act(r.Context(), sess.principal, a, api.TaskID(r), v, requestID)
		}
		if key, n, ok := rejectionNotice(a, err); ok {
			s.redirectWith(w, r, sess, back, "error", key, n)
			return nil
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, back+"?msg=submitted", http.StatusSeeOther)
		return nil
	}
}

type uploadData struct {
	PlanID   string
	Preview  *plan.Plan
	PlanJSON string
}

func (s *Server) uploadPreview(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		d := uploadData{PlanID: r.PostFormValue("plan_id")}
		file, _, err := r.FormFile("file")
		if err != nil {
			http.Redirect(w, r, "/upload?error=nofile", http.StatusSeeOther)
			return nil
		}
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, plan.MaxDocumentSize+1))
		if err != nil {
			return err
		}
		p, err := s.api.LoadPlan(data, d.PlanID, false)
		if err != nil {
			v := s.view(sess, "导入规划", r, d)
			v.Error, v.Detail = errorTexts["plan"], planZh(err.Error())
			s.render(w, t, v)
			return nil
		}
		b, _ := json.Marshal(p)
		d.Preview, d.PlanJSON = p, string(b)
		s.render(w, t, s.view(sess, "导入规划", r, d))
		return nil
	}
}

func (s *Server) uploadLaunch(w http.ResponseWriter, r *http.Request, sess session) error {
	p, err := s.api.LoadPlan([]byte(r.PostFormValue("plan_json")), "", false)
	if err == nil {
		err = correctDamagedTitles(p, r.PostFormValue)
	}
	if err != nil {
		s.redirectWith(w, r, sess, "/upload", "error", "plan", notice{Error: errorTexts["plan"], Detail: planZh(err.Error())})
		return nil
	}
	res, err := s.api.Launch(r.Context(), p, false)
	if invalid, ok := starter.IsInvalidPlan(err); ok {
		s.redirectWith(w, r, sess, "/upload", "error", "plan", notice{Error: errorTexts["plan"], Detail: planZh(invalid.Error())})
		return nil
	}
	if err != nil {
		return err
	}
	msg := "规划“" + s.titles.title(r.Context(), res.PlanID) + "”：新启动 " + strconv.Itoa(res.Started) + " 项，已在办 " + strconv.Itoa(res.AlreadyRunning) + " 项，已结束 " + strconv.Itoa(res.AlreadyClosed) + " 项"
	s.redirectWith(w, r, sess, "/office", "msg", "launched", notice{Flash: msg})
	return nil
}

// correctDamagedTitles applies the titles the office typed in the preview
// for damaged headings (section_title_N); the plan records each
// correction, and a damaged heading left empty stops the launch.
func correctDamagedTitles(p *plan.Plan, form func(string) string) error {
	for _, sec := range p.Uncorrected() {
		if title := strings.TrimSpace(form("section_title_" + strconv.Itoa(sec.No))); title != "" {
			if err := p.CorrectSectionTitle(sec.No, title); err != nil {
				return err
			}
		}
	}
	return p.ReadyToLaunch()
}

type auditData struct {
	Verify ledger.VerifyResult
	Tasks  []taskclient.Summary
	Pager  pager
}

func (s *Server) auditPage(t *template.Template) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, sess session) error {
		res, err := ledger.Verify(r.Context(), s.d.Ledger)
		if err != nil {
			return err
		}
		// Every task's history can be exported, 50 tasks a page, by plan
		// and task number.
		list, p, err := s.pageOfTasks(r.Context(), "/audit", "exports", r.URL.Query(), taskclient.PageFilter{})
		if err != nil {
			return err
		}
		s.render(w, t, s.view(sess, "审计", r, auditData{Verify: res, Tasks: list, Pager: p}))
		return nil
	}
}
