package reports

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/cycles"
	"lianxi/domain"
)

// sheet is one sheet of a workbook: its name and rows, header first.
type sheet struct {
	name string
	rows [][]any
}

// BulletinWorkbook lays out an issued bulletin as a workbook: its figures
// as issued, one sheet per list, with the ledger record and hash on the
// first sheet; title is the plan's. The caller writes it out and closes it.
func BulletinWorkbook(is cycles.Issued, title string, name Names) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := fillBulletin(f, is, title, name); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func fillBulletin(f *excelize.File, is cycles.Issued, title string, name Names) error {
	b := is.Bulletin
	const first = "概况"
	if err := f.SetSheetName("Sheet1", first); err != nil {
		return fmt.Errorf("export bulletin: %w", err)
	}
	when := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }
	summary := [][]any{{"项目", "内容"}, {"规划", title}, {"报送期", b.RoundKey},
		{"起", when(b.From)}, {"止", when(b.To)}, {"审计账本记录", is.Seq}, {"SHA-256", is.SHA256}}
	for _, st := range ListedStatuses(b.ByStatus) {
		summary = append(summary, []any{"任务数：" + domain.StatusNames[st], b.ByStatus[st]})
	}
	summary = append(summary, []any{"本期办结", len(b.NewlyClosed)}, []any{"超期", len(b.Overdue)}, []any{"30 日内到期", len(b.DueSoon)},
		[]any{"延期申请", len(b.Extensions)}, []any{"进展报送", len(b.Reports)}, []any{"未报送单位", len(b.Silent)})
	tasks := func(ls []cycles.TaskLine) [][]any {
		rows := [][]any{{"编号", "任务", "牵头单位", "状态", "会签期限"}}
		for _, l := range ls {
			rows = append(rows, []any{l.TaskNo, l.Title, name(l.Lead), domain.StatusNames[l.Status], l.Due.Local().Format(time.DateOnly)})
		}
		return rows
	}
	ext := [][]any{{"编号", "申请单位", "申请延至", "理由", "申请时间"}}
	for _, e := range b.Extensions {
		ext = append(ext, []any{e.TaskNo, name(e.Ministry), e.Until, e.Reason, when(e.At)})
	}
	reps := [][]any{{"编号", "报送单位", "填报人", "报送时间", "摘要", "账本记录"}}
	for _, e := range b.Reports {
		reps = append(reps, []any{e.TaskNo, name(e.Ministry), e.Author, when(e.At), e.Text, e.Seq})
	}
	missing := [][]any{{"编号", "应报单位"}}
	for _, a := range b.Missing {
		missing = append(missing, []any{a.TaskNo, name(a.Ministry)})
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
	return nil
}
