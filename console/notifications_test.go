package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"lianxi/testkit"
)

// A ministry sees its unread notifications counted in the header; opening
// one marks it read and goes to its task; another's cannot be opened.
func TestNotificationsReadAndUnread(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	testkit.Eventually(t, "miit's assignment notification", func() (bool, string) {
		n, err := s.outbox.Unread(ctx, "miit")
		return err == nil && n > 0, "none yet"
	})
	msgs, err := s.outbox.Inbox(ctx, "miit", 50)
	if err != nil || len(msgs) == 0 || msgs[0].Read {
		t.Fatalf("miit's inbox: %v %v", msgs, err)
	}
	before, _ := s.outbox.Unread(ctx, "miit")

	miit := newBrowser(t, s)
	miit.login(s.tokens.Ministries["miit"])
	_, _, page := miit.do("GET", "/notifications", nil)
	if !strings.Contains(page, `<b class="badge">`) || !strings.Contains(page, `class="unread"`) || !strings.Contains(page, "未读") {
		t.Errorf("the notifications page should count and mark unread notifications")
	}
	token := miit.csrf("/notifications")
	code, loc, _ := miit.do("POST", "/notifications/open", url.Values{"csrf": {token}, "id": {msgs[0].ID}})
	if code != http.StatusSeeOther || loc != "/tasks/"+msgs[0].PlanID+"/"+msgs[0].TaskNo {
		t.Errorf("open: %d to %q, want the task", code, loc)
	}
	if after, _ := s.outbox.Unread(ctx, "miit"); after != before-1 {
		t.Errorf("unread %d after opening one of %d", after, before)
	}

	mof := newBrowser(t, s)
	mof.login(s.tokens.Ministries["mof"])
	if code, _, _ := mof.do("POST", "/notifications/open", url.Values{"csrf": {mof.csrf("/notifications")}, "id": {msgs[0].ID}}); code != http.StatusForbidden {
		t.Errorf("mof opening miit's notification: %d, want 403", code)
	}
}
