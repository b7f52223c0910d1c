package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/domain"
	"lianxi/taskclient"
)

// ledgerHeader is the first sheet's header: the columns of the office's
// paper 台账.
var ledgerHeader = []any{"编号", "任务", "部分", "牵头单位", "责任单位", "状态", "轮次", "待办单位", "期限", "预警", "办结日期"}

// ministryHeader is the header of each ministry's sheet.
var ministryHeader = []any{"编号", "任务", "角色", "本单位意见", "状态", "期限", "预警"}

// XLSX is the media type of a workbook.
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// LedgerWorkbook lays out a plan's 台账: a row per task on the first sheet
// and a sheet per ministry. list and statuses are the plan's tasks in the
// order to list them, a task's summary and its status at the same index.
// The caller writes the workbook out and closes it.
func LedgerWorkbook(list []taskclient.Summary, statuses []domain.TaskStatus, name Names) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := fillLedger(f, list, statuses, name); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func fillLedger(f *excelize.File, list []taskclient.Summary, statuses []domain.TaskStatus, name Names) error {
	const main = "台账"
	if err := f.SetSheetName("Sheet1", main); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	rows := [][]any{ledgerHeader}
	perMinistry := map[string][][]any{}
	var order []string
	for i, st := range statuses {
		sec, _, _ := strings.Cut(st.TaskNo, ".")
		var co []string
		for _, p := range st.Participants {
			if p.Role != domain.RoleLead {
				co = append(co, name(p.ID))
			}
		}
		closed := ""
		if st.Status == domain.StatusClosed && st.Outcome != nil {
			closed = st.Outcome.EndedAt.Local().Format(time.DateOnly)
		}
		_, light := Light(st.Status, st.Warning)
		due := list[i].Due.Local().Format(time.DateOnly)
		pending := make([]string, 0, len(st.Pending))
		for _, id := range st.Pending {
			pending = append(pending, name(id))
		}
		rows = append(rows, []any{st.TaskNo, st.Title, sec, name(st.Lead), strings.Join(co, "、"),
			domain.StatusNames[st.Status], st.Round, strings.Join(pending, "、"), due, light, closed})
		for _, p := range st.Participants {
			if _, ok := perMinistry[p.ID]; !ok {
				order = append(order, p.ID)
			}
			role, answer := "会签", "待签"
			if p.Role == domain.RoleLead {
				role = "牵头"
			}
			if p.Answer != nil {
				answer = map[bool]string{true: "同意", false: "异议"}[p.Answer.Decision == "approve"]
			}
			perMinistry[p.ID] = append(perMinistry[p.ID], []any{st.TaskNo, st.Title, role, answer, domain.StatusNames[st.Status], due, light})
		}
	}
	if err := writeSheet(f, main, rows); err != nil {
		return err
	}
	used := map[string]bool{main: true}
	for _, id := range order {
		name := sheetName(name(id), used)
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("export sheet %s: %w", name, err)
		}
		if err := writeSheet(f, name, append([][]any{ministryHeader}, perMinistry[id]...)); err != nil {
			return err
		}
	}
	return nil
}

// writeSheet puts rows from A1 down and freezes the header row.
func writeSheet(f *excelize.File, sheet string, rows [][]any) error {
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return fmt.Errorf("export %s row %d: %w", sheet, i+1, err)
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// sheetName makes a unique sheet name of at most 31 characters without the
// characters Excel refuses.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 28 {
		name = string(r[:28])
	}
	base := name
	for i := 2; used[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	used[name] = true
	return name
}
