package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/domain"
	"lianxi/ledger"
)

// Attachments are checked for shape by the validators and recorded, hash,
// name and size, with the decision; a decision without any records the
// same payload as before attachments existed.
func TestAttachmentsOnTheLedger(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	good := domain.Attachment{SHA256: hash, Name: "联合报告.pdf", Size: 42, Type: "application/pdf"}
	many := make([]domain.Attachment, domain.MaxAttachments+1)
	for i := range many {
		many[i] = good
		many[i].SHA256 = strings.Repeat(string(rune('a'+i%6)), 63) + string(rune('0'+i%10))
	}
	cases := []struct {
		name string
		list []domain.Attachment
		want string
	}{
		{"bad hash", []domain.Attachment{{SHA256: "../x", Name: "a.pdf", Size: 1}}, "64 lowercase hex"},
		{"no size", []domain.Attachment{{SHA256: hash, Name: "a.pdf"}}, "size must be positive"},
		{"no name", []domain.Attachment{{SHA256: hash, Size: 1}}, "has no name"},
		{"twice", []domain.Attachment{good, good}, "listed twice"},
		{"too many", many, "at most 10"},
		{"bidi name", []domain.Attachment{{SHA256: hash, Name: "a\u202Efdp.exe", Size: 1}}, "bidirectional"},
	}
	h := newHarness(t)
	for i, c := range cases {
		h.at(time.Minute+time.Duration(i)*time.Minute, func() {
			h.update(domain.UpdateReportProgress, c.name, domain.ProgressRequest{Ministry: "miit", Text: "进展", Attachments: c.list})
		})
	}
	h.at(time.Hour, func() {
		h.update(domain.UpdateReportProgress, "with", domain.ProgressRequest{Ministry: "miit", Text: "进展", Attachments: []domain.Attachment{good}})
	})
	h.at(2*time.Hour, func() {
		h.update(domain.UpdateReportProgress, "without", domain.ProgressRequest{Ministry: "mof", Text: "进展"})
	})
	h.at(3*time.Hour, func() { h.update(domain.UpdateCancel, "end", domain.CancelRequest{Reason: "测试结束"}) })
	h.run(spec())
	for _, c := range cases {
		h.rejected(c.name, c.want)
	}
	h.ok("with")
	var payloads []map[string]string
	h.ledger.Scan(context.Background(), func(r ledger.Record) error {
		if r.Kind == domain.KindProgress {
			payloads = append(payloads, r.Payload)
		}
		return nil
	})
	if len(payloads) != 2 {
		t.Fatalf("%d progress reports on the ledger", len(payloads))
	}
	if diff := cmp.Diff([]domain.Attachment{good}, domain.ParseAttachments(payloads[0])); diff != "" {
		t.Errorf("recorded attachments mismatch (-want +got):\n%s", diff)
	}
	if _, ok := payloads[1][domain.PayloadAttachments]; ok || payloads[1]["text"] != "进展" {
		t.Errorf("a report without attachments records %v", payloads[1])
	}
}

// The hand-written payload encoding reads back as what was written, quotes,
// backslashes and control characters included.
func TestAttachmentsFieldRoundTrip(t *testing.T) {
	list := []domain.Attachment{
		{SHA256: strings.Repeat("0", 64), Name: `引号"与\反斜杠` + "\x01.txt", Size: 7, Type: "text/plain; charset=utf-8"},
		{SHA256: strings.Repeat("1", 64), Name: "b.png", Size: 1 << 40},
	}
	got := domain.ParseAttachments(map[string]string{domain.PayloadAttachments: domain.AttachmentsField(list)})
	if diff := cmp.Diff(list, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	if domain.AttachmentsField(nil) != "" {
		t.Error("no attachments must add no payload key")
	}
}
