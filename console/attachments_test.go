package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"lianxi/console/api"
	"lianxi/domain"
	"lianxi/ledger"
)

// testAttachmentMax is the stack's attachment limit: small, so the
// oversize case stays cheap.
const testAttachmentMax = 1 << 20

// upload posts one file to the task's attachments route as role.
func (s *stack) upload(role, name string, content []byte) answer {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", s.url+"/api/plans/web/tasks/1.1/attachments", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+s.token(role))
	return s.do(req)
}

func (s *stack) do(req *http.Request) answer {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(b)}
	var e struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil {
		a.err = e.Error
	}
	return a
}

// download fetches an attachment as role, with the answer's headers.
func (s *stack) download(role, sha string) (answer, http.Header) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.url+"/api/plans/web/tasks/1.1/attachments/"+sha, nil)
	req.Header.Set("Authorization", "Bearer "+s.token(role))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b)}, resp.Header
}

// recordsOf lists the task's ledger records of a kind.
func (s *stack) recordsOf(kind string) []ledger.Record {
	var out []ledger.Record
	s.ledger.ScanWorkflow(context.Background(), "web/1.1", func(r ledger.Record) error {
		if r.Kind == kind {
			out = append(out, r)
		}
		return nil
	})
	return out
}

func hashOf(b []byte) string { sum := sha256.Sum256(b); return hex.EncodeToString(sum[:]) }

// An attachment goes up for the task, rides on the lead's joint report to
// the ledger, and comes back byte for byte to those who may read the task;
// refused files answer a clear 4xx and leave nothing behind.
func TestAttachmentRoundTrip(t *testing.T) {
	s := newStack(t)
	pdf := []byte("%PDF-1.7\n% 联合报告附件\n1 0 obj <<>> endobj\n%%EOF\n")

	// Refusals first: each says what was wrong, in Chinese and English.
	big := bytes.Repeat([]byte("长"), testAttachmentMax/3+1)
	for _, c := range []struct {
		name    string
		content []byte
		status  int
		code    string
		words   []string
	}{
		{"大文件.txt", big, http.StatusRequestEntityTooLarge, "attachment_too_large", []string{"大小上限", "limit"}},
		{"tool.exe", []byte("MZ\x90\x00\x03\x00\x00\x00binary"), http.StatusUnsupportedMediaType, "attachment_type", []string{"附件类型不受支持", "not accepted"}},
		{"伪装.pdf", []byte("PK\x03\x04 not a pdf"), http.StatusUnsupportedMediaType, "attachment_type", []string{"附件类型不受支持"}},
		{"报告.txt", pdf, http.StatusUnsupportedMediaType, "attachment_type", []string{"扩展名与内容不符", ".pdf"}},
		{"空.txt", nil, http.StatusBadRequest, "attachment_empty", []string{"空文件"}},
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
		if a, _ := s.download("office", hashOf(c.content)); a.status != http.StatusNotFound {
			t.Errorf("%s was refused but is served: %d", c.name, a.status)
		}
	}
	// Only the task's ministries upload.
	for _, role := range []string{"mofcom", "office", "auditor"} {
		if a := s.upload(role, "a.pdf", pdf); a.status != http.StatusForbidden {
			t.Errorf("upload as %s: %d %s", role, a.status, a.body)
		}
	}

	a := s.upload("ndrc", "联合报告附件.pdf", pdf)
	var up api.AttachmentView
	if err := json.Unmarshal([]byte(a.body), &up); a.status != http.StatusCreated || err != nil {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	if up.SHA256 != hashOf(pdf) || up.Size != int64(len(pdf)) || up.Type != "application/pdf" || up.Name != "联合报告附件.pdf" {
		t.Errorf("upload answered %+v", up)
	}

	count := s.ledgerCount()
	for _, m := range []string{"miit", "mof"} {
		if a := s.call(m, "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]string{"decision": "approve"})); a.status != 200 {
			t.Fatalf("%s signs: %d %s", m, a.status, a.body)
		}
	}
	// A hash that was not uploaded for the task is refused by name, and
	// nothing is recorded.
	unknown := strings.Repeat("0", 64)
	a = s.call("ndrc", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]any{"decision": "approve", "report": "联合报告", "attachments": []string{up.SHA256, unknown}}))
	if a.status != http.StatusBadRequest || a.err.Field != "attachments" || !strings.Contains(a.err.Message, unknown) {
		t.Errorf("unknown hash: %d %s", a.status, a.body)
	}
	if n := s.ledgerCount(); n != count+2 {
		t.Errorf("a refused joint report wrote %d records", n-count-2)
	}
	a = s.call("ndrc", "POST", "/api/plans/web/tasks/1.1/sign-off", js(map[string]any{"decision": "approve", "report": "联合报告", "attachments": []string{up.SHA256}}))
	if a.status != 200 {
		t.Fatalf("the joint report with its attachment: %d %s", a.status, a.body)
	}

	// The ledger entry of the joint report carries the file's hash, name
	// and size.
	var joint *ledger.Record
	for _, r := range s.recordsOf(domain.KindSignOff) {
		if r.Ministry == "ndrc" {
			joint = &r
		}
	}
	if joint == nil {
		t.Fatal("no joint report on the ledger")
	}
	got := domain.ParseAttachments(joint.Payload)
	want := []domain.Attachment{{SHA256: hashOf(pdf), Name: "联合报告附件.pdf", Size: int64(len(pdf)), Type: "application/pdf"}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("ledger payload attachments %+v, want %+v (payload %v)", got, want, joint.Payload)
	}

	// Readers of the task download it; others do not.
	for _, role := range []string{"miit", "office", "auditor"} {
		a, h := s.download(role, up.SHA256)
		if a.status != 200 || a.body != string(pdf) {
			t.Errorf("download as %s: %d, %d bytes", role, a.status, len(a.body))
			continue
		}
		_, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" || err != nil || params["filename"] != "联合报告附件.pdf" {
			t.Errorf("download headers as %s: %v (%v)", role, h, err)
		}
	}
	if a, _ := s.download("mofcom", up.SHA256); a.status != http.StatusForbidden {
		t.Errorf("download by a ministry not on the task: %d", a.status)
	}
	if a, _ := s.download("miit", unknown); a.status != http.StatusNotFound {
		t.Errorf("unknown hash: %d", a.status)
	}
	if a, _ := s.download("miit", "..%2F..%2Fledger.db"); a.status != http.StatusNotFound {
		t.Errorf("a path for a hash: %d %s", a.status, a.body)
	}
}

// The progress form takes files: they are stored, named on the ledger
// with the report, and listed on the task page with a download link; a
// refused file shows the fixed message and its reason, and nothing is sent.
func TestAttachmentForm(t *testing.T) {
	s := newStack(t)
	b := newBrowser(t, s)
	b.login(s.tokens.Ministries["miit"])
	task := "/tasks/web/1.1"
	_, _, page := b.do("GET", task, nil)
	if !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `type="file" name="attachments"`) {
		t.Fatalf("the progress form takes no files:\n%s", page)
	}
	post := func(name string, content []byte) (int, string) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", b.csrf(task))
		mw.WriteField("text", "本月进展")
		fw, _ := mw.CreateFormFile("attachments", name)
		fw.Write(content)
		mw.Close()
		resp, err := b.c.Post(s.url+task+"/progress", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	count := s.ledgerCount()
	code, loc := post("tool.exe", []byte("MZ\x90\x00binary"))
	if code != http.StatusSeeOther || loc != task+"?error=attachment" {
		t.Fatalf("a program attached: %d to %q", code, loc)
	}
	_, _, page = b.do("GET", loc, nil)
	if !strings.Contains(page, errorTexts["attachment"]) || !strings.Contains(page, "附件类型不受支持") {
		t.Errorf("the refusal is not shown:\n%s", page)
	}
	if n := s.ledgerCount(); n != count {
		t.Errorf("a refused attachment let the report through: %d records", n-count)
	}
	// A form body beyond any decision's attachments is cut off unread.
	if code, _ := post("巨大.txt", bytes.Repeat([]byte("a"), int(domain.MaxAttachments+2)*testAttachmentMax)); code != http.StatusBadRequest {
		t.Errorf("an oversized form: %d, want 400", code)
	}

	text := []byte("进展附件：第一阶段完成情况\n")
	code, loc = post("进展说明.txt", text)
	if code != http.StatusSeeOther || loc != task+"?msg=submitted" {
		t.Fatalf("progress with a file: %d to %q", code, loc)
	}
	reports := s.recordsOf(domain.KindProgress)
	if len(reports) != 1 {
		t.Fatalf("%d progress reports", len(reports))
	}
	if got := domain.ParseAttachments(reports[0].Payload); len(got) != 1 || got[0].SHA256 != hashOf(text) || got[0].Name != "进展说明.txt" {
		t.Errorf("ledger attachments %+v", got)
	}
	_, _, page = b.do("GET", task, nil)
	link := task + "/attachments/" + hashOf(text)
	if !strings.Contains(page, `href="`+link+`"`) || !strings.Contains(page, "进展说明.txt") {
		t.Errorf("the task page does not list the attachment:\n%s", page)
	}
	code, _, body := b.do("GET", link, nil)
	if code != 200 || body != string(text) || b.last.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("download from the page: %d %q %v", code, body, b.last.Header)
	}
	// A ministry not on the task gets no file from the console either.
	other := newBrowser(t, s)
	other.login(s.tokens.Ministries["mofcom"])
	if code, _, _ := other.do("GET", link, nil); code != http.StatusForbidden {
		t.Errorf("mofcom downloads from the console: %d", code)
	}
}
