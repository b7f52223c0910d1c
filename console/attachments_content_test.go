package console

import (
	"archive/zip"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// officeZip builds a Word document whose [Content_Types].xml adds
// extraTypes, with the extra parts.
func officeZip(t *testing.T, extraTypes string, extra map[string][]byte) []byte {
	t.Helper()
	parts := map[string][]byte{
		"[Content_Types].xml": []byte(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` + extraTypes + `</Types>`),
		"_rels/.rels": []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`),
		"word/document.xml": []byte("<document/>"),
	}
	for k, v := range extra {
		parts[k] = v
	}
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for name, data := range parts {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Through the API: macros and bombs are refused with the reason, the
// name given is the name kept, an accepted decision marks its files, and
// a closed task takes no more uploads.
func TestAttachmentContentAndHygiene(t *testing.T) {
	s := newStack(t)
	renamed := officeZip(t, `<Override PartName="/word/vbaData1.bin" ContentType="application/vnd.ms-word.vbaData+xml"/>`, map[string][]byte{"word/vbaData1.bin": []byte("<x/>")})
	bomb := officeZip(t, "", map[string][]byte{"word/fill.xml": make([]byte, 8<<20)})
	for _, c := range []struct {
		name    string
		content []byte
		status  int
		code    string
		words   []string
	}{
		{"改名的宏.docx", renamed, http.StatusUnsupportedMediaType, "attachment_macro", []string{"宏", "macros", "vbaData1.bin"}},
		{"炸弹.docx", bomb, http.StatusRequestEntityTooLarge, "attachment_archive", []string{"100:1", "压缩炸弹", "zip bomb"}},
	} {
		a := s.upload("ndrc", c.name, c.content)
		if a.status != c.status || a.err.Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, a.status, a.body, c.status, c.code)
		}
		for _, w := range c.words {
			if !strings.Contains(a.err.Message, w) {
				t.Errorf("%s: message %q lacks %q", c.name, a.err.Message, w)
			}
		}
	}
	doc := officeZip(t, "", nil)
	if a := s.upload("ndrc", "初稿.docx", doc); a.status != http.StatusCreated || !strings.Contains(a.body, "初稿.docx") {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	if a := s.upload("ndrc", "终稿.docx", doc); a.status != http.StatusCreated || !strings.Contains(a.body, `"name":"终稿.docx"`) {
		t.Errorf("the same content under a new name: %d %s, want the new name", a.status, a.body)
	}
	for _, m := range []string{"miit", "mof"} {
		if a := s.call(m, "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]string{"decision": "approve"})); a.status != 200 {
			t.Fatalf("%s signs: %d %s", m, a.status, a.body)
		}
	}
	a := s.call("ndrc", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]any{"decision": "approve", "report": "联合报告", "attachments": []string{hashOf(doc)}}))
	if a.status != 200 {
		t.Fatalf("joint report: %d %s", a.status, a.body)
	}
	if m, err := s.console.d.Attachments.Get(t.Context(), "web/1.1", hashOf(doc)); err != nil || !m.Attached || m.Name != "终稿.docx" {
		t.Errorf("after the joint report: %+v %v, want attached as 终稿.docx", m, err)
	}
	if a := s.call("office", "POST", "/api/plans/web/tasks/1.1/review", js(map[string]string{"decision": "approve"})); a.status != 200 {
		t.Fatalf("review: %d %s", a.status, a.body)
	}
	if a := s.upload("ndrc", "迟到.pdf", []byte("%PDF-1.7\n%%EOF\n")); a.status != http.StatusConflict || !strings.Contains(a.err.Message, "不再接收附件") {
		t.Errorf("upload to a closed task: %d %s, want 409", a.status, a.body)
	}
}
