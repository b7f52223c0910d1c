package console

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"lianxi/attachments/attachmentstest"
	"lianxi/testkit"
)

// A ministry signing off in a real browser attaches, in turn, a .docx
// whose VBA part is renamed, an .xls with a VBA project and a docx zip
// bomb: each time the task page says in Chinese why the file was refused,
// and the ministry's sign-off is not taken. A clean PDF then goes through.
// Screenshots of each refusal are kept (in LIANXI_ARTIFACTS/browser when
// set, else in the test's own folder).
func TestBrowserHostileAttachments(t *testing.T) {
	bin := chromium(t)
	s := newStack(t)
	artifacts := t.TempDir()
	if dir := os.Getenv("LIANXI_ARTIFACTS"); dir != "" {
		artifacts = filepath.Join(dir, "browser")
		if err := os.MkdirAll(artifacts, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx := startChromium(t, bin)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(artifacts, name+".png"), buf, 0o644)
		})
	}
	files := t.TempDir()
	file := func(name string, content []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	answered := func() bool {
		for _, p := range s.status().Participants {
			if p.ID == "miit" {
				return p.Answer != nil
			}
		}
		t.Fatal("miit is not a participant of web/1.1")
		return false
	}
	const ministry = "miit"
	task := s.url + "/tasks/web/1.1"
	// signOff fills the sign-off form with path attached and submits it.
	signOff := func(path string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(task),
			chromedp.WaitVisible("#sign-off-form", chromedp.ByID),
			chromedp.SendKeys("#sign-off-signer", s.console.ministryName(ministry)+"签署人", chromedp.ByID),
			chromedp.SetUploadFiles("#sign-off-attachments", []string{path}, chromedp.ByID),
			chromedp.Click("#sign-off", chromedp.ByID),
		}
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(s.url+"/login"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", s.tokens.Ministries[ministry], chromedp.ByID),
		chromedp.Click("#login", chromedp.ByID),
		chromedp.WaitVisible("header .who", chromedp.ByQuery),
	); err != nil {
		t.Fatalf("%s logs in: %v", ministry, err)
	}
	records := s.ledgerCount()
	for _, c := range []struct {
		shot, name string
		content    []byte
		words      []string // Chinese words the page must show
	}{
		{"refused-renamed-macro-docx", "改名的宏.docx", attachmentstest.RenamedMacroDocx(), []string{"含有宏", attachmentstest.RenamedVBAPart}},
		{"refused-macro-xls", "宏.xls", attachmentstest.MacroXLS(), []string{"含有宏", attachmentstest.MacroXLSStorage}},
		{"refused-docx-bomb", "炸弹.docx", attachmentstest.DocxBomb(), []string{"压缩炸弹", "100:1"}},
	} {
		var shown, flash string
		// Either message box ends the wait, so that a file let through
		// fails the test at once rather than at the deadline.
		err := chromedp.Run(ctx, signOff(file(c.name, c.content)),
			chromedp.WaitVisible("#error, #flash", chromedp.ByQuery),
			chromedp.Evaluate(`document.getElementById("error")?.innerText ?? ""`, &shown),
			chromedp.Evaluate(`document.getElementById("flash")?.innerText ?? ""`, &flash),
			shot(c.shot))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if shown == "" {
			t.Fatalf("%s: the page shows no refusal but %q: the hostile file was let through", c.name, flash)
		}
		for _, w := range append([]string{"附件未被接受"}, c.words...) {
			if !strings.Contains(shown, w) {
				t.Errorf("%s: the page shows %q, which lacks %q", c.name, shown, w)
			}
		}
		if answered() {
			t.Fatalf("%s: %s's sign-off was taken with a refused attachment", c.name, ministry)
		}
	}
	if n := s.ledgerCount(); n != records {
		t.Errorf("the ledger went from %d to %d records on refused sign-offs", records, n)
	}

	var flash, listed string
	if err := chromedp.Run(ctx, signOff(file("说明.pdf", attachmentstest.CleanPDF())),
		chromedp.WaitVisible("#flash", chromedp.ByID),
		chromedp.Text("#flash", &flash, chromedp.ByID),
		shot("accepted-pdf"),
	); err != nil {
		t.Fatalf("clean PDF: %v", err)
	}
	if flash != "已提交" {
		t.Errorf("after the clean PDF the page says %q, want 已提交", flash)
	}
	testkit.Eventually(t, ministry+"'s sign-off with the PDF taken", func() (bool, string) {
		return answered(), fmt.Sprintf("%+v", s.status().Participants)
	})
	if err := chromedp.Run(ctx, chromedp.Navigate(task),
		chromedp.Text("#participants .files", &listed, chromedp.ByQuery)); err != nil || !strings.Contains(listed, "说明.pdf") {
		t.Errorf("the accepted PDF is not listed on the task page: %q %v", listed, err)
	}
}
