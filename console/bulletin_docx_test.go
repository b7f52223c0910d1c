package console

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/attachments"
	"lianxi/console/reports"
	"lianxi/cycles"
	"lianxi/docx"
	"lianxi/ledger"
	"lianxi/testkit"
)

// runRound creates a cycle on the web plan asking every participant,
// triggers a round with a short window, has ndrc report text while it is
// open, and returns the bulletin the round issued.
func runRound(t *testing.T, s *stack, text string) cycles.Issued {
	t.Helper()
	body := js(cycles.Request{ID: "monthly", Day: 25, Window: "5s", Reporters: cycles.ReportersAll})
	if a := s.call("office", "POST", "/api/plans/web/cycles", body); a.status != http.StatusCreated {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	if a := s.call("office", "PATCH", "/api/plans/web/cycles/monthly", []byte(`{"action":"trigger"}`)); a.status != http.StatusOK {
		t.Fatalf("trigger: %d %s", a.status, a.body)
	}
	testkit.Eventually(t, "the round opened", func() (bool, string) {
		n := 0
		err := s.ledger.ScanKind(t.Context(), "web", cycles.KindRoundOpened, func(ledger.Record) error { n++; return nil })
		return err == nil && n == 1, "no round-opened record"
	})
	if a := s.call("ndrc", "POST", "/api/plans/web/tasks/1.1/progress", js(map[string]string{"text": text, "request_id": "round-docx"})); a.status != http.StatusOK {
		t.Fatalf("report: %d %s", a.status, a.body)
	}
	var list struct {
		Bulletins []cycles.Issued `json:"bulletins"`
	}
	testkit.EventuallyWithin(t, 20*time.Second, "the bulletin issued", func() (bool, string) {
		a := s.call("auditor", "GET", "/api/plans/web/bulletins", nil)
		if a.status != 200 || json.Unmarshal([]byte(a.body), &list) != nil {
			return false, a.body
		}
		return len(list.Bulletins) == 1, a.body
	})
	return list.Bulletins[0]
}

// wordDoc is what a test reads back from a .docx: every paragraph's text
// outside tables, and each table's cells.
type wordDoc struct {
	paras  []string
	tables [][][]string
}

// readDocx opens a .docx with archive/zip and encoding/xml alone: every
// part must be well-formed XML, and the document's text and tables are
// returned.
func readDocx(t *testing.T, raw []byte) wordDoc {
	t.Helper()
	z, err := zip.NewReader(strings.NewReader(string(raw)), int64(len(raw)))
	if err != nil {
		t.Fatalf("the docx is not a zip: %v", err)
	}
	var doc wordDoc
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(rc)
		inTable := 0
		var text strings.Builder
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
			if f.Name != "word/document.xml" {
				continue
			}
			switch e := tok.(type) {
			case xml.StartElement:
				switch e.Name.Local {
				case "tbl":
					inTable++
					doc.tables = append(doc.tables, nil)
				case "tr":
					last := len(doc.tables) - 1
					doc.tables[last] = append(doc.tables[last], nil)
				case "tc":
					text.Reset()
				case "p":
					if inTable == 0 {
						text.Reset()
					}
				case "br":
					text.WriteString("\n")
				}
			case xml.CharData:
				text.Write(e)
			case xml.EndElement:
				switch e.Name.Local {
				case "tbl":
					inTable--
				case "tc":
					tb := doc.tables[len(doc.tables)-1]
					tb[len(tb)-1] = append(tb[len(tb)-1], text.String())
				case "p":
					if inTable == 0 {
						doc.paras = append(doc.paras, text.String())
					}
				}
			}
		}
		rc.Close()
	}
	for _, want := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
		if !slices.Contains(names, want) {
			t.Errorf("the docx has no %s (parts %v)", want, names)
		}
	}
	return doc
}

// TestBulletinDocx runs a real round (ndrc reports, mof does not) and
// downloads its bulletin as a Word document, from the API and from the
// page's link: the document is well-formed, holds the bulletin's tables
// with the figures as issued, and lianxi's own attachment checker takes it
// as a clean .docx.
func TestBulletinDocx(t *testing.T) {
	s := newStack(t)
	const text = "本期进展：完成 <试点> & 评估"
	is := runRound(t, s, text)
	b := is.Bulletin
	if len(b.Reports) != 1 || len(b.Missing) == 0 {
		t.Fatalf("the round issued reports %v, missing %v: want ndrc's report and someone missing", b.Reports, b.Missing)
	}

	path := fmt.Sprintf("/api/plans/web/bulletins/%d/export.docx", is.Seq)
	raw, header := download(t, s, path)
	if header.Get("Content-Type") != docx.MIME || !strings.Contains(header.Get("Content-Disposition"), ".docx") {
		t.Fatalf("GET %s: %v", path, header)
	}
	doc := readDocx(t, raw)
	all := strings.Join(doc.paras, "\n")
	for _, want := range []string{b.RoundKey + " 期督查通报", is.SHA256, "第 " + strconv.FormatInt(is.Seq, 10) + " 条",
		"六、进展报送摘要（1 份）", fmt.Sprintf("七、未按期报送的单位（%d 个）", len(b.Silent))} {
		if !strings.Contains(all, want) {
			t.Errorf("the document's text lacks %q:\n%s", want, all)
		}
	}
	// The first table counts tasks by status as issued.
	if len(doc.tables) == 0 || len(doc.tables[0]) != 2 {
		t.Fatalf("the document's tables: %v", doc.tables)
	}
	counts := doc.tables[0]
	for i, st := range reports.ListedStatuses(b.ByStatus) {
		if counts[0][i] != statusLabels[st] || counts[1][i] != strconv.Itoa(b.ByStatus[st]) {
			t.Errorf("status column %d: %s = %s, the bulletin says %s = %d", i, counts[0][i], counts[1][i], statusLabels[st], b.ByStatus[st])
		}
	}
	// The reports table quotes the report as issued, with its record.
	reports := findTable(doc, "摘要")
	if reports == nil || len(reports) != 2 || reports[1][0] != "1.1" || reports[1][1] != s.console.ministryName("ndrc") ||
		reports[1][3] != text || reports[1][4] != fmt.Sprintf("第 %d 条", b.Reports[0].Seq) {
		t.Errorf("the reports table: %v", reports)
	}
	missing := findTable(doc, "应报单位")
	if missing == nil || len(missing) != len(b.Missing)+1 {
		t.Errorf("the missing table %v, the bulletin misses %v", missing, b.Missing)
	}
	for i, m := range b.Missing {
		if missing != nil && i+1 < len(missing) && (missing[i+1][0] != m.TaskNo || missing[i+1][1] != s.console.ministryName(m.Ministry)) {
			t.Errorf("missing row %d: %v, the bulletin says %v", i+1, missing[i+1], m)
		}
	}
	if strings.Contains(all, ">ndrc<") || strings.Contains(fmt.Sprint(doc.tables), " ndrc ") {
		t.Errorf("the document shows a raw ministry ID")
	}

	// lianxi's attachment checker takes it as a clean Word document.
	store, err := attachments.Open(t.TempDir(), attachments.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := store.Put(context.Background(), "web/1.1", "office", "督查通报.docx", bytes.NewReader(raw))
	if err != nil || m.Type != docx.MIME {
		t.Errorf("the attachment checker: %+v %v, want a clean docx", m, err)
	}

	// The printable page links the download, which a signed-in auditor gets.
	br := newBrowser(t, s)
	br.login(s.tokens.Auditor)
	link := fmt.Sprintf("/plans/web/bulletins/%d/export.docx", is.Seq)
	if code, _, page := br.do("GET", "/plans/web/bulletins", nil); code != http.StatusOK || !strings.Contains(page, `href="`+link+`"`) {
		t.Errorf("the bulletin page links no Word download: %d\n%s", code, page)
	}
	if code, _, body := br.do("GET", link, nil); code != http.StatusOK || body != string(raw) {
		t.Errorf("the page's Word download: %d, %d bytes; the API's: %d bytes", code, len(body), len(raw))
	}
	if a := s.call("office", "GET", "/api/plans/web/bulletins/99999/export.docx", nil); a.status != http.StatusNotFound {
		t.Errorf("a bulletin that is not there: %d, want 404", a.status)
	}
}

// download GETs path as the office and returns the body and headers.
func download(t *testing.T, s *stack, path string) ([]byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token("office"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, raw)
	}
	return raw, resp.Header
}

// findTable is the first table whose header row has a cell named col.
func findTable(doc wordDoc, col string) [][]string {
	for _, tb := range doc.tables {
		if len(tb) > 0 && slices.Contains(tb[0], col) {
			return tb
		}
	}
	return nil
}
