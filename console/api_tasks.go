package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"go.temporal.io/api/serviceerror"

	"lianxi/actions"
	"lianxi/audit"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
)

// SourceHeader names, on a task's answers, where its status was read:
// "workflow", or "ledger" once Temporal no longer holds its history.
const SourceHeader = "X-Lianxi-Source"

func (s *Server) apiGetTask(w http.ResponseWriter, r *http.Request, p Principal) error {
	st, src, err := s.d.Tasks.Read(r.Context(), taskID(r))
	if err != nil {
		return err
	}
	if err := s.mayRead(r.Context(), p, st); err != nil {
		return err
	}
	w.Header().Set(SourceHeader, string(src))
	writeJSON(w, http.StatusOK, st)
	return nil
}

// apiTaskRecords answers with the task's ledger records, texts whole: the
// status keeps excerpts, the ledger the decisions as made.
func (s *Server) apiTaskRecords(w http.ResponseWriter, r *http.Request, p Principal) error {
	st, err := s.d.Tasks.Status(r.Context(), taskID(r))
	if err != nil {
		return err
	}
	if err := s.mayRead(r.Context(), p, st); err != nil {
		return err
	}
	recs := []ledger.Record{}
	if err := s.d.Ledger.ScanWorkflow(r.Context(), st.ID, func(rec ledger.Record) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recs)
	return nil
}

func (s *Server) apiListTasks(w http.ResponseWriter, r *http.Request, p Principal) error {
	q := r.URL.Query()
	f := taskclient.Filter{Plan: q.Get("plan"), Status: q.Get("status"), Ministry: q.Get("ministry"), Pending: q.Get("pending") == "1"}
	if p.Role == RoleMinistry {
		if f.Ministry != "" && f.Ministry != p.Ministry {
			return errForbidden
		}
		f.Ministry = p.Ministry
	}
	list, err := s.d.Tasks.List(r.Context(), f)
	if err != nil {
		return err
	}
	taskclient.SortForDashboard(list)
	if list == nil {
		list = []taskclient.Summary{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// apiAction serves one human action: the body is parsed by the action's
// definition, the acting ministry is the token's, and the workflow decides.
func (s *Server) apiAction(a *actions.Action) apiHandler {
	return func(w http.ResponseWriter, r *http.Request, p Principal) error {
		body, err := readBody(r)
		if err != nil {
			return err
		}
		v, requestID, err := a.ParseJSON(body)
		if err != nil {
			return err
		}
		rec, err := s.act(r.Context(), p, a, taskID(r), v, requestID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rec)
		return nil
	}
}

// act sends an action to its task as p: the update carries p's signed
// principal, and its ID is the request ID scoped to p and the action.
func (s *Server) act(ctx context.Context, p Principal, a *actions.Action, id string, v actions.Values, requestID string) (domain.Receipt, error) {
	if err := s.resolveAttachments(ctx, id, a, v); err != nil {
		return domain.Receipt{}, err
	}
	ctx = door.WithPrincipal(ctx, door.Principal{Name: p.Name, Role: p.Role, Ministry: p.Ministry})
	rec, err := s.d.Tasks.Update(ctx, id, a.Name, actions.UpdateID(p.Name, a.Name, requestID), a.Request(v, p.Ministry))
	if err == nil {
		s.markAttached(ctx, id, a, v)
	}
	return rec, err
}

// PlanPreview is the dry-run answer to a plan upload.
type PlanPreview struct {
	*plan.Plan
	DryRun bool `json:"dry_run"`
}

// LaunchResult is the answer to a plan launch.
type LaunchResult struct {
	PlanID string `json:"plan_id"`
	starter.Report
}

// loadPlan reads an uploaded document or structured plan.
func (s *Server) loadPlan(data []byte, planID string, allowUnknown bool) (*plan.Plan, error) {
	if len(data) == 0 {
		return nil, badRequest("file", "the plan is empty")
	}
	p, err := plan.Load(data, plan.Options{PlanID: planID, AllowUnknown: allowUnknown, Registry: s.d.Registry})
	if err != nil {
		return nil, badRequest("file", "%v", err)
	}
	if p.PlanID == "" {
		return nil, badRequest("plan_id", "plan_id is required for a document (?plan_id=…)")
	}
	return p, nil
}

func (s *Server) launch(r *http.Request, p *plan.Plan, allowUnknown bool) (LaunchResult, error) {
	opts := starter.Options{Ended: s.d.Ledger.Ended, Titles: s.d.Ledger}
	if s.d.Board != nil {
		opts.Board = s.d.Board
	}
	if !allowUnknown {
		opts.Known = starter.KnownIn(s.d.Registry)
	}
	rep, err := starter.Launch(r.Context(), s.d.Tasks.C, starter.Specs(p, s.d.Defaults), opts)
	return LaunchResult{PlanID: p.PlanID, Report: rep}, err
}

func (s *Server) apiUploadPlan(w http.ResponseWriter, r *http.Request, _ Principal) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, plan.MaxDocumentSize+1))
	if err != nil {
		return badRequest("file", "cannot read the upload: %v", err)
	}
	q := r.URL.Query()
	p, err := s.loadPlan(data, q.Get("plan_id"), q.Get("allow_unknown") == "1")
	if err != nil {
		return err
	}
	// Damaged headings are corrected with ?section_title=N=TITLE (repeated),
	// as the CLI's --section-title; a launch refuses any left uncorrected.
	for _, c := range q["section_title"] {
		no, title, err := plan.ParseSectionTitle(c)
		if err == nil {
			err = p.CorrectSectionTitle(no, title)
		}
		if err != nil {
			return badRequest("section_title", "%v", err)
		}
	}
	// Unknown bodies are settled with ?body=NAME=BODY (repeated), as the
	// CLI's --body: a registry name or ID, or new to accept it as written.
	for _, c := range q["body"] {
		name, body, err := plan.ParseBody(c)
		if err == nil {
			err = p.CorrectBody(name, body, s.d.Registry)
		}
		if err != nil {
			return badRequest("body", "%v", err)
		}
	}
	if q.Get("dry_run") == "1" {
		writeJSON(w, http.StatusOK, PlanPreview{Plan: p, DryRun: true})
		return nil
	}
	if err := p.ReadyToLaunch(); err != nil {
		return badRequest("section_title", "%v (API: ?section_title=N=TITLE, ?body=NAME=BODY)", err)
	}
	res, err := s.launch(r, p, q.Get("allow_unknown") == "1")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request, _ Principal) error {
	res, err := ledger.Verify(r.Context(), s.d.Ledger)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// apiHistory answers with the task's history in the Temporal CLI's JSON
// format (the latest run).
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, _ Principal) error {
	h, err := audit.Fetch(r.Context(), s.d.Tasks.C, audit.Run{WorkflowID: taskID(r)})
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		if _, src, err := s.d.Tasks.Read(r.Context(), taskID(r)); err == nil && src == taskclient.SourceLedger {
			return &apiError{Status: http.StatusNotFound, Code: "history_gone", Message: fmt.Sprintf(
				"Temporal no longer keeps the workflow history of %s (retention removed it); its decisions are on the ledger: GET %s/records", taskID(r), r.URL.Path[:len(r.URL.Path)-len("/history")])}
		}
		return fmt.Errorf("%w: %s", taskclient.ErrNotFound, taskID(r))
	case err != nil:
		return err
	}
	b, err := audit.Marshal(h)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, audit.FileName(audit.Run{WorkflowID: taskID(r), RunID: "latest"})))
	_, err = w.Write(b)
	return err
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request, p Principal) error {
	who := recipientOf(p)
	if who == "" {
		return errForbidden
	}
	msgs, err := s.d.Outbox.Inbox(r.Context(), who, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, msgs)
	return nil
}
