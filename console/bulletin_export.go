package console

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/cycles"
)

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

// sheet is one sheet of a workbook: its name and rows, header first.
type sheet struct {
	name string
	rows [][]any
}

// apiBulletinExport writes a bulletin as a workbook: its figures as issued,
// one sheet per list, with the ledger record and hash on the first sheet.
func (s *Server) apiBulletinExport(w http.ResponseWriter, r *http.Request, _ Principal) error {
	is, err := s.issuedBulletin(r)
	if err != nil {
		return err
	}
	b := is.Bulletin
	f := excelize.NewFile()
	defer f.Close()
	const first = "概况"
	if err := f.SetSheetName("Sheet1", first); err != nil {
		return fmt.Errorf("export bulletin: %w", err)
	}
	when := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }
	summary := [][]any{{"项目", "内容"}, {"规划", s.titles.title(r.Context(), b.PlanID)}, {"报送期", b.RoundKey},
		{"起", when(b.From)}, {"止", when(b.To)}, {"审计账本记录", is.Seq}, {"SHA-256", is.SHA256}}
	for _, st := range listedStatuses(b.ByStatus) {
		summary = append(summary, []any{"任务数：" + statusLabels[st], b.ByStatus[st]})
	}
	summary = append(summary, []any{"本期办结", len(b.NewlyClosed)}, []any{"超期", len(b.Overdue)}, []any{"30 日内到期", len(b.DueSoon)},
		[]any{"延期申请", len(b.Extensions)}, []any{"进展报送", len(b.Reports)}, []any{"未报送单位", len(b.Silent)})
	tasks := func(ls []cycles.TaskLine) [][]any {
		rows := [][]any{{"编号", "任务", "牵头单位", "状态", "会签期限"}}
		for _, l := range ls {
			rows = append(rows, []any{l.TaskNo, l.Title, s.ministryName(l.Lead), statusLabels[l.Status], l.Due.Local().Format(time.DateOnly)})
		}
		return rows
	}
	ext := [][]any{{"编号", "申请单位", "申请延至", "理由", "申请时间"}}
	for _, e := range b.Extensions {
		ext = append(ext, []any{e.TaskNo, s.ministryName(e.Ministry), e.Until, e.Reason, when(e.At)})
	}
	reps := [][]any{{"编号", "报送单位", "填报人", "报送时间", "摘要", "账本记录"}}
	for _, e := range b.Reports {
		reps = append(reps, []any{e.TaskNo, s.ministryName(e.Ministry), e.Author, when(e.At), e.Text, e.Seq})
	}
	missing := [][]any{{"编号", "应报单位"}}
	for _, a := range b.Missing {
		missing = append(missing, []any{a.TaskNo, s.ministryName(a.Ministry)})
	}
	sheets := []sheet{{first, summary}, {"本期办结", tasks(b.NewlyClosed)}, {"超期", tasks(b.Overdue)},
		{"30日内到期", tasks(b.DueSoon)}, {"延期申请", ext}, {"进展摘要", reps}, {"未报送", missing}}
	for i, sh := range sheets {
		if i > 0 {
			if _, err := f.NewSheet(sh.name); err != nil {
				return fmt.Errorf("export bulletin sheet %s: %w", sh.name, err)
			}
		}
		if err := writeSheet(f, sh.name, sh.rows); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	name := s.titles.title(r.Context(), b.PlanID) + "督查通报" + b.RoundKey + ".xlsx"
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	if _, err := f.WriteTo(w); err != nil {
		s.d.Logger.Sugar().Warnw("bulletin export written in part", "plan", b.PlanID, "seq", is.Seq, "error", err)
	}
	return nil
}
