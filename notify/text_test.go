package notify

import (
	"strings"
	"testing"

	"lianxi/activities"
	"lianxi/domain"
)

// What the workflow sends with a notification reaches the API and the
// webhooks in Chinese: names, not IDs; outcomes, not state keys; no stray
// punctuation when there is no comment; no link for a ministry taken off
// the task.
func TestComposeSpeaksChinese(t *testing.T) {
	base := activities.Notification{PlanID: "p", TaskNo: "1.1", Title: "任务", Round: 1}
	for _, c := range []struct {
		kind, detail string
		want         []string
		not          []string
	}{
		{domain.NotifyExtensionDecision, "refused: ", []string{"说明：不同意延期。"}, []string{"refused", "，。", "：。"}},
		{domain.NotifyExtensionDecision, "granted: 请抓紧", []string{"说明：同意延期：请抓紧。"}, []string{"granted"}},
		{domain.NotifyParticipantChanged, "removed: 精简", []string{"您单位不再承担本任务；调整原因：精简"}, []string{"removed", "详情："}},
		{domain.NotifyObjection, "miit: 口径不一致", []string{Name(nil, "miit") + "：口径不一致"}, []string{"miit:"}},
		{"withdrawal", "mof: 撤回同意", []string{Name(nil, "mof") + "：撤回同意"}, []string{"mof:"}},
		{domain.NotifyOverdue, "mof,office", []string{"待办单位：" + Name(nil, "mof") + "、联席办公室"}, []string{"mof,"}},
	} {
		n := base
		n.Kind, n.Detail = c.kind, c.detail
		got := Compose(n, "http://console")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %q: %q lacks %q", c.kind, c.detail, got, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%s %q: %q has %q", c.kind, c.detail, got, w)
			}
		}
	}
	// A reporting round's notices: no sign-off round; the bulletin names
	// no task and links to the bulletins page.
	req := Compose(activities.Notification{PlanID: "p", TaskNo: "1.1", Title: "任务", Kind: domain.NotifyRoundRequest, Detail: "报送期 2026-12-25"}, "http://console")
	if !strings.Contains(req, "【本期待报送】") || strings.Contains(req, "第0轮") || !strings.Contains(req, "/tasks/p/1.1") {
		t.Errorf("round request: %q", req)
	}
	bul := Compose(activities.Notification{PlanID: "p", Title: "督查通报 2026-12-25", Kind: domain.NotifyBulletin}, "http://console")
	if !strings.Contains(bul, "【督查通报】") || strings.Contains(bul, "任务 「") || !strings.Contains(bul, "/plans/p/bulletins") {
		t.Errorf("bulletin notice: %q", bul)
	}
	if Name(nil, "miit") == "miit" {
		t.Error("miit has no Chinese name in the bundled registry")
	}
}
