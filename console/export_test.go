package console

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"lianxi/domain"
	"lianxi/testkit"
)

// The 台账 export is a workbook: a header and a row per task on the first
// sheet, and a sheet per ministry; ministries may not export.
func TestExport(t *testing.T) {
	s := newStack(t)
	a := s.call("office", "GET", "/api/plans/web/export.xlsx", nil)
	if a.status != http.StatusOK {
		t.Fatalf("export: %d %.300s", a.status, a.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(a.body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	want := []string{"台账", s.console.ministryName("ndrc"), s.console.ministryName("miit"), s.console.ministryName("mof")}
	if diff := cmp.Diff(want, sheets); diff != "" {
		t.Errorf("sheets mismatch (-want +got):\n%s", diff)
	}
	rows, err := f.GetRows("台账")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "编号" || rows[1][0] != "1.1" || rows[1][3] != s.console.ministryName("ndrc") || rows[1][5] != statusLabels[domain.StatusSigning] {
		t.Errorf("first sheet rows: %q", rows)
	}
	req, _ := http.NewRequest("GET", s.url+"/api/plans/web/export.xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens.Office)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err != nil || params["filename"] != testPlanTitle+"台账.xlsx" {
		t.Errorf("the workbook is named %q (%v), want the plan's title", params["filename"], err)
	}
	if a := s.call("miit", "GET", "/api/plans/web/export.xlsx", nil); a.status != http.StatusForbidden {
		t.Errorf("a ministry's export: %d, want 403", a.status)
	}
	if a := s.call("auditor", "GET", "/api/plans/web/export.xlsx", nil); a.status != http.StatusOK {
		t.Errorf("the auditor's export: %d, want 200", a.status)
	}

	// The plan document of the issue: 25 tasks, 25 rows under the header.
	doc := testkit.SharedFile(t, "../../shared/plans/internet-plus-2015-support-measures.txt")
	q := "/api/plans?plan_id=internet-plus-2015&section_title=" + url.QueryEscape("2=强化创新驱动") + "&section_title=" + url.QueryEscape("3=营造宽松环境") +
		"&section_title=" + url.QueryEscape("5=加强智力建设")
	if a := s.call("office", "POST", q, doc); a.status != 200 {
		t.Fatalf("launch: %d %.300s", a.status, a.body)
	}
	testkit.Eventually(t, "the export to hold 25 task rows", func() (bool, string) {
		a := s.call("auditor", "GET", "/api/plans/internet-plus-2015/export.xlsx", nil)
		f, err := excelize.OpenReader(bytes.NewReader([]byte(a.body)))
		if err != nil {
			return false, err.Error()
		}
		defer f.Close()
		rows, _ := f.GetRows("台账")
		return len(rows) == 26, strconv.Itoa(len(rows)) + " rows"
	})
}
