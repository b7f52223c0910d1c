package actions

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"lianxi/workflows"
)

// Every action is complete: a unique name, route and verb, a rule for who
// may perform it, and a request type its workflow handler takes.
func TestDefinitionsAreComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range All() {
		for _, key := range []string{"name:" + a.Name, "path:" + a.Path, "verb:" + a.Verb} {
			if seen[key] || strings.HasSuffix(key, ":") {
				t.Errorf("%s: %s is empty or used twice", a.Name, key)
			}
			seen[key] = true
		}
		if a.Who != Office && a.Who != Participant {
			t.Errorf("%s: no rule says who may perform it", a.Name)
		}
		if a.Label == "" || a.Button == "" || a.Short == "" || len(a.LedgerKinds) == 0 || a.Offer == nil || a.build == nil {
			t.Errorf("%s: definition incomplete: %+v", a.Name, a)
		}
		req := a.Request(Values{}, "miit")
		_, isMinistry := req.(workflows.MinistryRequest)
		if isMinistry != (a.Who == Participant) {
			t.Errorf("%s: a %s action's request %T must carry the acting ministry exactly when ministries perform it", a.Name, a.Who, req)
		}
	}
}

func TestParseJSON(t *testing.T) {
	a, _ := ByName(workflows.UpdateAmend)
	until := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	v, rid, err := a.ParseJSON([]byte(`{"add":["mofcom"],"sign_off_due":"2027-03-01","reason":"补充","request_id":"r-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := workflows.AmendRequest{Add: []string{"mofcom"}, SignOffDue: until, Reason: "补充"}
	if diff := cmp.Diff(want, a.Request(v, "")); diff != "" || rid != "r-1" {
		t.Errorf("mismatch (-want +got):\n%s request_id %q", diff, rid)
	}
	for _, c := range []struct{ body, field string }{
		{`{"reason":"x","ministry":"mof"}`, "ministry"},
		{`{"add":"mofcom"}`, "add"},
		{`{"sign_off_due":"next week"}`, "sign_off_due"},
		{`{"reason":5}`, "reason"},
		{`{"request_id":"a/b"}`, "request_id"},
		{`[1]`, ""},
		{`{"reason":`, ""},
	} {
		_, _, err := a.ParseJSON([]byte(c.body))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || fe.Message == "" {
			t.Errorf("%s: %v, want an error naming %q", c.body, err, c.field)
		}
	}
}

// A form and a JSON body with the same content make the same request.
func TestFormAndJSONAgree(t *testing.T) {
	a, _ := ByName(workflows.UpdateSignOff)
	form := map[string]string{"decision": " object ", "comment": "口径不一致", "signer": "张三 ", "request_id": "f-1"}
	fv, frid, err := a.ParseForm(func(k string) string { return form[k] })
	if err != nil {
		t.Fatal(err)
	}
	jv, jrid, err := a.ParseJSON([]byte(`{"decision":"object","comment":"口径不一致","signer":"张三","request_id":"f-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Request(jv, "mof"), a.Request(fv, "mof")); diff != "" || frid != jrid {
		t.Errorf("mismatch (-json +form):\n%s", diff)
	}
	if got := a.Request(fv, "mof").(workflows.SignOffRequest).Ministry; got != "mof" {
		t.Errorf("acting ministry %q, want the principal's", got)
	}
}

func TestUpdateIDIsScoped(t *testing.T) {
	ids := map[string]bool{}
	for _, id := range []string{UpdateID("ndrc", "progress", "shared-1"), UpdateID("mof", "progress", "shared-1"), UpdateID("mof", "sign-off", "shared-1")} {
		if ids[id] {
			t.Errorf("%s is not scoped", id)
		}
		ids[id] = true
	}
	if a, b := UpdateID("mof", "sign-off", ""), UpdateID("mof", "sign-off", ""); a == b {
		t.Error("an empty request ID must get a fresh one each time")
	}
}

// The joint report and the progress report take attachments as hashes; the
// request carries them only once the server has resolved them to files.
func TestAttachmentsField(t *testing.T) {
	for _, name := range []string{workflows.UpdateSignOff, workflows.UpdateReportProgress} {
		a, _ := ByName(name)
		if fs := a.AttachmentFields(); len(fs) != 1 || fs[0].Widget() != "file" {
			t.Fatalf("%s: attachment fields %+v", name, fs)
		}
	}
	a, _ := ByName(workflows.UpdateReportProgress)
	h := strings.Repeat("ab", 32)
	v, _, err := a.ParseJSON([]byte(`{"text":"进展","attachments":["` + h + `"]}`))
	if err != nil || !cmp.Equal(v.List("attachments"), []string{h}) {
		t.Fatalf("%v %v", v, err)
	}
	if _, _, err := a.ParseJSON([]byte(`{"text":"进展","attachments":"` + h + `"}`)); err == nil {
		t.Error("a single string is not a list of hashes")
	}
	if got := a.Request(v, "miit").(workflows.ProgressRequest); got.Attachments != nil {
		t.Errorf("unresolved hashes reached the request: %+v", got)
	}
	att := []workflows.Attachment{{SHA256: h, Name: "a.pdf", Size: 3, Type: "application/pdf"}}
	v.SetAttachments("attachments", att)
	if got := a.Request(v, "miit").(workflows.ProgressRequest); !cmp.Equal(got.Attachments, att) {
		t.Errorf("resolved attachments: %+v", got)
	}
	for _, other := range All() {
		if other.Name != workflows.UpdateSignOff && other.Name != workflows.UpdateReportProgress && len(other.AttachmentFields()) > 0 {
			t.Errorf("%s takes attachments", other.Name)
		}
	}
}
