package actions

import (
	"errors"
	"lianxi/domain"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Every action is complete: a unique name, route and verb, a rule for who
// may perform it, labels for its kinds, a heading for each notification it
// causes, and a request type whose every input is a declared field (so the
// field rules — limits, required, bidirectional controls — cover it).
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
		if a.Label == "" || a.Button == "" || a.Short == "" || len(a.Kinds) == 0 || a.Allowed == nil || a.rules == nil {
			t.Errorf("%s: definition incomplete: %+v", a.Name, a)
		}
		for kind, label := range a.Kinds {
			if label == "" || KindLabel(kind) != label {
				t.Errorf("%s: kind %s has no label of its own", a.Name, kind)
			}
		}
		for kind, text := range a.Notices {
			if !strings.HasPrefix(text, "【") {
				t.Errorf("%s: notification %s has no heading: %q", a.Name, kind, text)
			}
		}
		req := a.Request(Values{}, "miit")
		_, isMinistry := req.(domain.MinistryRequest)
		if isMinistry != (a.Who == Participant) {
			t.Errorf("%s: a %s action's request %T must carry the acting ministry exactly when ministries perform it", a.Name, a.Who, req)
		}
		rt := a.RequestType()
		for i := 0; i < rt.NumField(); i++ {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			if _, ok := a.Field(name); !ok && !(isMinistry && name == "ministry") {
				t.Errorf("%s: request field %s (%s) is not a declared field, so no input rule covers it", a.Name, rt.Field(i).Name, name)
			}
		}
		if a.Person != "" {
			if f, ok := a.Field(a.Person); !ok || f.Kind != Line {
				t.Errorf("%s: person field %q is not a declared line", a.Name, a.Person)
			}
		}
	}
}

// Every notification kind the lifecycle sends has a heading, and every
// kind of record a label: the texts are part of the definitions.
func TestEveryKindHasItsTexts(t *testing.T) {
	for _, k := range []string{domain.NotifyAssignment, domain.NotifyReminder, domain.NotifyOverdue, domain.NotifyObjection,
		domain.NotifyReviewRequest, domain.NotifyReturn, domain.NotifyClosure, domain.NotifyCancellation, domain.NotifyExtensionRequest,
		domain.NotifyExtensionDecision, domain.NotifyParticipantChanged, domain.NotifyUrge,
		domain.NotifyRoundRequest, domain.NotifyRoundReminder, domain.NotifyBulletin} {
		if _, ok := NoticeText(k); !ok {
			t.Errorf("notification kind %s has no heading", k)
		}
	}
	for _, k := range domain.SystemKinds {
		if !IsSystemKind(k) || KindLabel(k) == k {
			t.Errorf("system kind %s is not labelled as the system's", k)
		}
	}
	for _, k := range domain.CycleKinds {
		if KindLabel(k) == k {
			t.Errorf("cycle kind %s has no label", k)
		}
	}
}

// The field rules come from the definition: a limit lowered there refuses
// longer text, a required field refuses blanks, a choice refuses others.
func TestFieldRules(t *testing.T) {
	a, _ := ByName(domain.UpdateUrge)
	long := strings.Repeat("催", domain.MaxCommentLen+1)
	for _, c := range []struct {
		req  any
		want string
	}{
		{domain.UrgeRequest{Comment: long}, "comment is 2001 characters long"},
		{domain.UrgeRequest{Urger: "张\u202e三"}, "urger contains a bidirectional control"},
		{domain.UrgeRequest{Comment: "ok"}, ""},
	} {
		err := a.checkFields(c.req)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: %v, want %q", c.req, err, c.want)
		}
	}
	s, _ := ByName(domain.UpdateSignOff)
	if err := s.checkFields(domain.SignOffRequest{Ministry: "miit", Decision: "maybe"}); err == nil || !strings.Contains(err.Error(), "not one of approve, object") {
		t.Errorf("decision maybe: %v", err)
	}
	if err := s.checkFields(domain.SignOffRequest{Ministry: "", Decision: "approve"}); err == nil {
		t.Error("a sign-off without its ministry passed")
	}
}

func TestParseJSON(t *testing.T) {
	a, _ := ByName(domain.UpdateAmend)
	until := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	v, rid, err := a.ParseJSON([]byte(`{"add":["mofcom"],"sign_off_due":"2027-03-01","reason":"补充","request_id":"r-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.AmendRequest{Add: []string{"mofcom"}, SignOffDue: until, Reason: "补充"}
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
	a, _ := ByName(domain.UpdateSignOff)
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
	if got := a.Request(fv, "mof").(domain.SignOffRequest).Ministry; got != "mof" {
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
	for _, name := range []string{domain.UpdateSignOff, domain.UpdateReportProgress} {
		a, _ := ByName(name)
		if fs := a.AttachmentFields(); len(fs) != 1 || fs[0].Widget() != "file" {
			t.Fatalf("%s: attachment fields %+v", name, fs)
		}
	}
	a, _ := ByName(domain.UpdateReportProgress)
	h := strings.Repeat("ab", 32)
	v, _, err := a.ParseJSON([]byte(`{"text":"进展","attachments":["` + h + `"]}`))
	if err != nil || !cmp.Equal(v.List("attachments"), []string{h}) {
		t.Fatalf("%v %v", v, err)
	}
	if _, _, err := a.ParseJSON([]byte(`{"text":"进展","attachments":"` + h + `"}`)); err == nil {
		t.Error("a single string is not a list of hashes")
	}
	if got := a.Request(v, "miit").(domain.ProgressRequest); got.Attachments != nil {
		t.Errorf("unresolved hashes reached the request: %+v", got)
	}
	att := []domain.Attachment{{SHA256: h, Name: "a.pdf", Size: 3, Type: "application/pdf"}}
	v.SetAttachments("attachments", att)
	if got := a.Request(v, "miit").(domain.ProgressRequest); !cmp.Equal(got.Attachments, att) {
		t.Errorf("resolved attachments: %+v", got)
	}
	for _, other := range All() {
		if other.Name != domain.UpdateSignOff && other.Name != domain.UpdateReportProgress && len(other.AttachmentFields()) > 0 {
			t.Errorf("%s takes attachments", other.Name)
		}
	}
}
