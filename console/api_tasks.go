package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/api/serviceerror"

	"lianxi/audit"
	"lianxi/ledger"
	"lianxi/plan"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/workflows"
)

func (s *Server) apiGetTask(w http.ResponseWriter, r *http.Request, p Principal) error {
	st, err := s.d.Tasks.Status(r.Context(), taskID(r))
	if err != nil {
		return err
	}
	if !canRead(p, st) {
		return errForbidden
	}
	writeJSON(w, http.StatusOK, st)
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

// update sends arg as the named update on the path's task and answers
// with the receipt.
func (s *Server) update(w http.ResponseWriter, r *http.Request, name, requestID string, arg any) error {
	rec, err := s.d.Tasks.Update(r.Context(), taskID(r), name, requestID, arg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

type signOffBody struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Report    string `json:"report"`
	Signer    string `json:"signer"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiSignOff(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b signOffBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateSignOff, b.RequestID, workflows.SignOffRequest{
		Ministry: p.Ministry, Signer: b.Signer, Decision: b.Decision, Comment: b.Comment, Report: b.Report})
}

type progressBody struct {
	Text      string `json:"text"`
	Author    string `json:"author"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiProgress(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b progressBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateReportProgress, b.RequestID, workflows.ProgressRequest{Ministry: p.Ministry, Author: b.Author, Text: b.Text})
}

type extensionRequestBody struct {
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`
	RequestID string    `json:"request_id"`
}

func (s *Server) apiExtensionRequest(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b extensionRequestBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateRequestExtension, b.RequestID, workflows.ExtensionRequest{Ministry: p.Ministry, Until: b.Until, Reason: b.Reason})
}

type reviewBody struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Reviewer  string `json:"reviewer"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b reviewBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateReview, b.RequestID, workflows.ReviewRequest{Reviewer: b.Reviewer, Decision: b.Decision, Comment: b.Comment})
}

type extensionDecisionBody struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Decider   string `json:"decider"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiExtensionDecision(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b extensionDecisionBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateDecideExtension, b.RequestID, workflows.ExtensionDecision{Decider: b.Decider, Decision: b.Decision, Comment: b.Comment})
}

type amendBody struct {
	Add        []string  `json:"add"`
	Remove     []string  `json:"remove"`
	Lead       string    `json:"lead"`
	SignOffDue time.Time `json:"sign_off_due"`
	ReviewDue  time.Time `json:"review_due"`
	Reason     string    `json:"reason"`
	RequestID  string    `json:"request_id"`
}

func (s *Server) apiAmend(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b amendBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	for _, id := range append(append([]string{}, b.Add...), b.Lead) {
		if _, ok := s.d.Registry.ByID(id); id != "" && !ok {
			return badRequest("add", "ministry %q is not in the registry", id)
		}
	}
	return s.update(w, r, workflows.UpdateAmend, b.RequestID, workflows.AmendRequest{
		Add: b.Add, Remove: b.Remove, Lead: b.Lead, SignOffDue: b.SignOffDue, ReviewDue: b.ReviewDue, Reason: b.Reason})
}

type cancelBody struct {
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b cancelBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateCancel, b.RequestID, workflows.CancelRequest{Reason: b.Reason})
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

func (s *Server) launch(r *http.Request, p *plan.Plan) (LaunchResult, error) {
	rep, err := starter.Launch(r.Context(), s.d.Tasks.C, starter.Specs(p, s.d.Defaults), starter.Options{})
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
	if q.Get("dry_run") == "1" {
		writeJSON(w, http.StatusOK, PlanPreview{Plan: p, DryRun: true})
		return nil
	}
	res, err := s.launch(r, p)
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
	who := p.Ministry
	switch p.Role {
	case RoleOffice:
		who = "office"
	case RoleAuditor:
		return errForbidden
	}
	msgs, err := s.d.Outbox.Inbox(r.Context(), who, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, msgs)
	return nil
}
