package api

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"lianxi/console/identity"
	"lianxi/console/reports"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/taskclient"
)

// The report routes: each fetches what the report needs, lets package
// reports count and lay it out, and sends it.

// planTasks lists a plan's tasks by number, each with its status as the
// workflow answers it.
func (h *Handler) planTasks(ctx context.Context, planID string) ([]taskclient.Summary, []domain.TaskStatus, error) {
	list, err := h.Tasks.List(ctx, taskclient.Filter{Plan: planID})
	if err != nil {
		return nil, nil, err
	}
	reports.SortByPlanAndNo(list)
	statuses := make([]domain.TaskStatus, 0, len(list))
	for _, sum := range list {
		st, err := h.Tasks.Status(ctx, sum.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("status of %s: %w", sum.ID, err)
		}
		statuses = append(statuses, st)
	}
	return list, statuses, nil
}

// PlanStats reads every task of the plan (its list from the board, its
// participants from the workflow) and counts.
func (h *Handler) PlanStats(ctx context.Context, planID string) (reports.Stats, error) {
	_, statuses, err := h.planTasks(ctx, planID)
	if err != nil {
		return reports.Stats{}, err
	}
	return reports.Count(planID, statuses, h.ministryName), nil
}

// stats answers GET /api/stats?plan=ID.
func (h *Handler) stats(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	planID := r.URL.Query().Get("plan")
	if planID == "" {
		return BadRequest("plan", "plan is required: GET /api/stats?plan=ID")
	}
	st, err := h.PlanStats(r.Context(), planID)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, st)
	return nil
}

// Export answers GET /api/plans/{plan}/export.xlsx: the plan's 台账 as
// a workbook, a row per task on the first sheet and a sheet per ministry.
func (h *Handler) Export(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	planID := r.PathValue("plan")
	list, statuses, err := h.planTasks(r.Context(), planID)
	if err != nil {
		return err
	}
	if len(statuses) == 0 {
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no task of plan " + planID}
	}
	f, err := reports.LedgerWorkbook(list, statuses, h.ministryName)
	if err != nil {
		return err
	}
	// The file is named for people, by the plan's title.
	h.sendWorkbook(w, f, h.Title(r.Context(), planID)+"台账.xlsx", "plan", planID)
	return nil
}

// issuedBulletin finds the plan's bulletin at the ledger record {seq}.
func (h *Handler) issuedBulletin(r *http.Request) (cycles.Issued, error) {
	planID := r.PathValue("plan")
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		return cycles.Issued{}, BadRequest("seq", "seq is a ledger record number, not %q", r.PathValue("seq"))
	}
	all, err := cycles.Bulletins(r.Context(), h.Ledger, planID)
	if err != nil {
		return cycles.Issued{}, err
	}
	for _, b := range all {
		if b.Seq == seq {
			return b, nil
		}
	}
	return cycles.Issued{}, &Error{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("plan %s has no bulletin at record %d", planID, seq)}
}

// BulletinExport writes an issued bulletin as a workbook.
func (h *Handler) BulletinExport(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	is, err := h.issuedBulletin(r)
	if err != nil {
		return err
	}
	title := h.Title(r.Context(), is.Bulletin.PlanID)
	f, err := reports.BulletinWorkbook(is, title, h.ministryName)
	if err != nil {
		return err
	}
	h.sendWorkbook(w, f, title+"督查通报"+is.Bulletin.RoundKey+".xlsx", "plan", is.Bulletin.PlanID, "seq", is.Seq)
	return nil
}

// BulletinDocx writes an issued bulletin as a Word document (.docx).
func (h *Handler) BulletinDocx(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	is, err := h.issuedBulletin(r)
	if err != nil {
		return err
	}
	title := h.Title(r.Context(), is.Bulletin.PlanID)
	raw, err := reports.BulletinDocx(is, title, h.ministryName)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	w.Header().Set("Content-Type", reports.DOCX)
	name := title + "督查通报" + is.Bulletin.RoundKey + ".docx"
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if _, err := w.Write(raw); err != nil {
		h.Logger.Sugar().Warnw("bulletin docx written in part", "plan", is.Bulletin.PlanID, "seq", is.Seq, "error", err)
	}
	return nil
}

// sendWorkbook sends f as the attachment name and closes it; a write cut
// short is logged with what (key-value pairs), the headers being sent.
func (h *Handler) sendWorkbook(w http.ResponseWriter, f *excelize.File, name string, what ...any) {
	defer f.Close()
	w.Header().Set("Content-Type", reports.XLSX)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if _, err := f.WriteTo(w); err != nil {
		h.Logger.Sugar().Warnw("workbook written in part", append(what, "file", name, "error", err)...)
	}
}
