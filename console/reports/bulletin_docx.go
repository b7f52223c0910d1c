package reports

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"lianxi/cycles"
	"lianxi/docx"
	"lianxi/domain"
)

// DOCX is the media type of a Word document.
const DOCX = docx.MIME

// BulletinDocx is BulletinDocument, written out.
func BulletinDocx(is cycles.Issued, title string, name Names) ([]byte, error) {
	raw, err := BulletinDocument(is, title, name).Bytes()
	if err != nil {
		return nil, fmt.Errorf("bulletin %d as docx: %w", is.Seq, err)
	}
	return raw, nil
}

// BulletinDocument lays out an issued bulletin as a Word document, in the
// order and with the headings of the printable page; title is the plan's.
// Every figure is read from the bulletin as issued; nothing is counted
// again.
func BulletinDocument(is cycles.Issued, title string, name Names) *docx.Document {
	b := is.Bulletin
	when := func(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }
	var d docx.Document
	d.Title(title + "\n" + b.RoundKey + " 期督查通报")
	d.Paragraph("报送期：" + when(b.From) + " 至 " + when(b.To) + "；印发于 " + when(is.At) + "。")
	d.Note("本通报存于审计账本第 " + strconv.FormatInt(is.Seq, 10) + " 条，SHA-256 校验值 " + is.SHA256 + "，印发后数字不再变动。")

	d.Heading(1, "一、任务总体情况")
	statuses := ListedStatuses(b.ByStatus)
	head, counts := []string{}, []string{}
	for _, st := range statuses {
		head = append(head, domain.StatusNames[st])
		counts = append(counts, strconv.Itoa(b.ByStatus[st]))
	}
	d.Table([][]string{head, counts})
	if len(b.BySection) > 0 {
		rows := [][]string{{"部分", "未办结任务数"}}
		for _, sec := range sortedKeys(b.BySection) {
			rows = append(rows, []string{sec, strconv.Itoa(b.BySection[sec])})
		}
		d.Table(rows)
	}
	tasks := func(heading string, ls []cycles.TaskLine) {
		d.Heading(1, fmt.Sprintf("%s（%d 项）", heading, len(ls)))
		if len(ls) == 0 {
			d.Paragraph("无。")
			return
		}
		rows := [][]string{{"任务", "名称", "牵头单位", "状态", "会签期限"}}
		for _, l := range ls {
			rows = append(rows, []string{l.TaskNo, l.Title, name(l.Lead), domain.StatusNames[l.Status], l.Due.Local().Format(time.DateOnly)})
		}
		d.Table(rows)
	}
	tasks("二、本期办结任务", b.NewlyClosed)
	tasks("三、超期任务", b.Overdue)
	tasks("四、30 日内到期任务", b.DueSoon)

	d.Heading(1, fmt.Sprintf("五、延期申请（%d 件）", len(b.Extensions)))
	if len(b.Extensions) == 0 {
		d.Paragraph("无。")
	} else {
		rows := [][]string{{"任务", "申请单位", "申请延至", "理由", "申请时间"}}
		for _, e := range b.Extensions {
			rows = append(rows, []string{e.TaskNo, name(e.Ministry), e.Until, e.Reason, when(e.At)})
		}
		d.Table(rows)
	}

	d.Heading(1, fmt.Sprintf("六、进展报送摘要（%d 份）", len(b.Reports)))
	if len(b.Reports) == 0 {
		d.Paragraph("本期无进展报送。")
	} else {
		rows := [][]string{{"任务", "报送单位", "报送时间", "摘要", "账本记录"}}
		for _, e := range b.Reports {
			rows = append(rows, []string{e.TaskNo, name(e.Ministry), when(e.At), e.Text, "第 " + strconv.FormatInt(e.Seq, 10) + " 条"})
		}
		d.Table(rows)
	}

	d.Heading(1, fmt.Sprintf("七、未按期报送的单位（%d 个）", len(b.Silent)))
	if len(b.Silent) == 0 {
		d.Paragraph("各单位均已按期报送。")
	} else {
		names := ""
		for i, m := range b.Silent {
			if i > 0 {
				names += "、"
			}
			names += name(m)
		}
		d.Paragraph(names)
		rows := [][]string{{"任务", "应报单位"}}
		for _, a := range b.Missing {
			rows = append(rows, []string{a.TaskNo, name(a.Ministry)})
		}
		d.Table(rows)
	}
	return &d
}

// sortedKeys are m's keys in order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
