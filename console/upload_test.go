package console

import (
	"bytes"
	"html"
	"lianxi/testkit"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// upload posts a document to the upload preview as the page's form does.
func (b *browser) upload(csrf, planID, doc string) string {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	mw.WriteField("plan_id", planID)
	fw, _ := mw.CreateFormFile("file", "plan.txt")
	fw.Write([]byte(doc))
	mw.Close()
	resp, err := b.c.Post(b.s.url+"/upload", mw.FormDataContentType(), &body)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("upload preview: %d %s", resp.StatusCode, out.String())
	}
	return out.String()
}

var planJSONField = regexp.MustCompile(`name="plan_json" value="([^"]*)"`)

// A damaged heading shows in the upload preview with an input for its
// title; the launch waits for the title and records the correction.
func TestUploadPreviewCorrectsDamagedHeadings(t *testing.T) {
	s := newStack(t)
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	token := office.csrf("/upload")
	// A heading mis-decoded one byte off, as in the shipped document.
	doc := "?。ǘ娀瘎?chuàng)新驅動。\n1.联合推进。（发展改革委、财政部等负责）\n"
	page := office.upload(token, "damaged", doc)
	for _, want := range []string{`name="section_title_1"`, "标题受损", `placeholder="化新驱动"`, "仅识别出“化新驱动”：启动前请更正标题"} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %q:\n%s", want, page)
		}
	}
	m := planJSONField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no plan_json in the preview")
	}
	planJSON := html.UnescapeString(m[1])

	code, loc, _ := office.do("POST", "/upload/launch", url.Values{"csrf": {token}, "plan_json": {planJSON}})
	if code != http.StatusSeeOther || loc != "/upload?error=plan" {
		t.Errorf("launch without the title: %d to %q, want a redirect with the key only", code, loc)
	}
	if _, _, page := office.do("GET", loc, nil); !strings.Contains(page, "受损标题尚未更正") {
		t.Errorf("launch without the title: the page does not name the damaged heading")
	}
	code, loc, _ = office.do("POST", "/upload/launch", url.Values{"csrf": {token}, "plan_json": {planJSON}, "section_title_1": {"强化创新驱动"}})
	if code != http.StatusSeeOther || loc != "/office?msg=launched" {
		t.Errorf("launch with the title: %d to %q", code, loc)
	}
	if _, _, page := office.do("GET", loc, nil); !strings.Contains(page, "新启动 1 项") {
		t.Errorf("launch with the title: the dashboard does not show the launch's counts")
	}
}

// The API refuses to launch a document whose damaged headings are not
// corrected, and takes the corrections as section_title=N=TITLE.
func TestAPILaunchNeedsDamagedTitlesCorrected(t *testing.T) {
	s := newStack(t)
	doc := testkit.SharedFile(t, "../../shared/plans/internet-plus-2015-support-measures.txt")
	a := s.call("office", "POST", "/api/plans?plan_id=ip", doc)
	if a.status != 400 || a.err.Field != "section_title" || !strings.Contains(a.err.Message, "section 2") {
		t.Fatalf("uncorrected launch: %d %s", a.status, a.body)
	}
	q := "/api/plans?plan_id=ip&section_title=" + url.QueryEscape("2=强化创新驱动") + "&section_title=" + url.QueryEscape("3=营造宽松环境") +
		"&section_title=" + url.QueryEscape("5=加强智力建设")
	if a := s.call("office", "POST", q, doc); a.status != 200 || !strings.Contains(a.body, `"started":25`) {
		t.Errorf("corrected launch: %d %s", a.status, a.body)
	}
}

// A document the importer refuses is explained in Chinese on the preview.
func TestUploadPreviewErrorInChinese(t *testing.T) {
	s := newStack(t)
	office := newBrowser(t, s)
	office.login(s.tokens.Office)
	page := office.upload(office.csrf("/upload"), "none", "一段没有分工的文字。\n")
	if !strings.Contains(page, errorTexts["plan"]) || !strings.Contains(page, "未找到任务") || strings.Contains(page, "parse plan") {
		t.Errorf("the refusal is not explained in Chinese:\n%s", page)
	}
}
