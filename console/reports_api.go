package console

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"lianxi/console/reports"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/taskclient"
)

// The report routes: each fetches what the report needs, lets package
// reports count and lay it out, and sends it.

// planTasks lists a plan's tasks by number, each with its status as the
// workflow answers it.
func (s *Server) planTasks(ctx context.Context, planID string) ([]taskclient.Summary, []domain.TaskStatus, error) {
	list, err := s.d.Tasks.List(ctx, taskclient.Filter{Plan: planID})
	if err != nil {
		return nil, nil, err
	}
	sortByPlanAndNo(list)
	statuses := make([]domain.TaskStatus, 0, len(list))
	for _, sum := range list {
		st, err := s.d.Tasks.Status(ctx, sum.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("status of %s: %w", sum.ID, err)
		}
		statuses = append(statuses, st)
	}
	return list, statuses, nil
}

// planStats reads every task of the plan (its list from the board, its
// participants from the workflow) and counts.
func (s *Server) planStats(ctx context.Context, planID string) (reports.Stats, error) {
	_, statuses, err := s.planTasks(ctx, planID)
	if err != nil {
		return reports.Stats{}, err
	}
	return reports.Count(planID, statuses, s.ministryName), nil
}

// apiStats answers GET /api/stats?plan=ID.
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request, _ Principal) error {
	planID := r.URL.Query().Get("plan")
	if planID == "" {
		return badRequest("plan", "plan is required: GET /api/stats?plan=ID")
	}
	st, err := s.planStats(r.Context(), planID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// apiExport answers GET /api/plans/{plan}/export.xlsx: the plan's 台账 as
// a workbook, a row per task on the first sheet and a sheet per ministry.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request, _ Principal) error {
	planID := r.PathValue("plan")
	list, statuses, err := s.planTasks(r.Context(), planID)
	if err != nil {
		return err
	}
	if len(statuses) == 0 {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no task of plan " + planID}
	}
	f, err := reports.LedgerWorkbook(list, statuses, s.ministryName)
	if err != nil {
		return err
	}
	// The file is named for people, by the plan's title.
	s.sendWorkbook(w, f, s.titles.title(r.Context(), planID)+"台账.xlsx", "plan", planID)
	return nil
}

// issuedBulletin finds the plan's bulletin at the ledger record {seq}.
func (s *Server) issuedBulletin(r *http.Request) (cycles.Issued, error) {
	planID := r.PathValue("plan")
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		return cycles.Issued{}, badRequest("seq", "seq is a ledger record number, not %q", r.PathValue("seq"))
	}
	all, err := cycles.Bulletins(r.Context(), s.d.Ledger, planID)
	if err != nil {
		return cycles.Issued{}, err
	}
	for _, b := range all {
		if b.Seq == seq {
			return b, nil
		}
	}
	return cycles.Issued{}, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("plan %s has no bulletin at record %d", planID, seq)}
}

// apiBulletinExport writes an issued bulletin as a workbook.
func (s *Server) apiBulletinExport(w http.ResponseWriter, r *http.Request, _ Principal) error {
	is, err := s.issuedBulletin(r)
	if err != nil {
		return err
	}
	title := s.titles.title(r.Context(), is.Bulletin.PlanID)
	f, err := reports.BulletinWorkbook(is, title, s.ministryName)
	if err != nil {
		return err
	}
	s.sendWorkbook(w, f, title+"督查通报"+is.Bulletin.RoundKey+".xlsx", "plan", is.Bulletin.PlanID, "seq", is.Seq)
	return nil
}

// apiBulletinDocx writes an issued bulletin as a Word document (.docx).
func (s *Server) apiBulletinDocx(w http.ResponseWriter, r *http.Request, _ Principal) error {
	is, err := s.issuedBulletin(r)
	if err != nil {
		return err
	}
	title := s.titles.title(r.Context(), is.Bulletin.PlanID)
	raw, err := reports.BulletinDocx(is, title, s.ministryName)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	w.Header().Set("Content-Type", reports.DOCX)
	name := title + "督查通报" + is.Bulletin.RoundKey + ".docx"
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if _, err := w.Write(raw); err != nil {
		s.d.Logger.Sugar().Warnw("bulletin docx written in part", "plan", is.Bulletin.PlanID, "seq", is.Seq, "error", err)
	}
	return nil
}

// sendWorkbook sends f as the attachment name and closes it; a write cut
// short is logged with what (key-value pairs), the headers being sent.
func (s *Server) sendWorkbook(w http.ResponseWriter, f *excelize.File, name string, what ...any) {
	defer f.Close()
	w.Header().Set("Content-Type", reports.XLSX)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if _, err := f.WriteTo(w); err != nil {
		s.d.Logger.Sugar().Warnw("workbook written in part", append(what, "file", name, "error", err)...)
	}
}
