package api

import (
	"context"
	"io"
	"lianxi/console/identity"
	"lianxi/plan"
	"lianxi/starter"
	"net/http"
)

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

// LoadPlan reads an uploaded document or structured plan.
func (h *Handler) LoadPlan(data []byte, planID string, allowUnknown bool) (*plan.Plan, error) {
	if len(data) == 0 {
		return nil, BadRequest("file", "the plan is empty")
	}
	p, err := plan.Load(data, plan.Options{PlanID: planID, AllowUnknown: allowUnknown, Registry: h.Registry})
	if err != nil {
		return nil, BadRequest("file", "%v", err)
	}
	if p.PlanID == "" {
		return nil, BadRequest("plan_id", "plan_id is required for a document (?plan_id=…)")
	}
	return p, nil
}

// Launch starts the plan's tasks, leaving those already running or ended
// as they are (the report counts each); allowUnknown accepts bodies the
// registry does not know.
func (h *Handler) Launch(ctx context.Context, p *plan.Plan, allowUnknown bool) (LaunchResult, error) {
	opts := starter.Options{Ended: h.Ledger.Ended, Titles: h.Ledger}
	if h.Board != nil {
		opts.Board = h.Board
	}
	if !allowUnknown {
		opts.Known = starter.KnownIn(h.Registry)
	}
	rep, err := starter.Launch(ctx, h.Tasks.C, starter.Specs(p, h.Defaults), opts)
	return LaunchResult{PlanID: p.PlanID, Report: rep}, err
}

func (h *Handler) uploadPlan(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, plan.MaxDocumentSize+1))
	if err != nil {
		return BadRequest("file", "cannot read the upload: %v", err)
	}
	q := r.URL.Query()
	p, err := h.LoadPlan(data, q.Get("plan_id"), q.Get("allow_unknown") == "1")
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
			return BadRequest("section_title", "%v", err)
		}
	}
	// Unknown bodies are settled with ?body=NAME=BODY (repeated), as the
	// CLI's --body: a registry name or ID, or new to accept it as written.
	for _, c := range q["body"] {
		name, body, err := plan.ParseBody(c)
		if err == nil {
			err = p.CorrectBody(name, body, h.Registry)
		}
		if err != nil {
			return BadRequest("body", "%v", err)
		}
	}
	if q.Get("dry_run") == "1" {
		WriteJSON(w, http.StatusOK, PlanPreview{Plan: p, DryRun: true})
		return nil
	}
	if err := p.ReadyToLaunch(); err != nil {
		return BadRequest("section_title", "%v (API: ?section_title=N=TITLE, ?body=NAME=BODY)", err)
	}
	res, err := h.Launch(r.Context(), p, q.Get("allow_unknown") == "1")
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}
