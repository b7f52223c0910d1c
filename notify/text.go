package notify

import (
	"fmt"
	"strings"

	"lianxi/actions"
	"lianxi/activities"
)

// Compose writes a notification's text in simplified Chinese: what
// happened, the task number and title, the due date and a console link.
func Compose(n activities.Notification, consoleURL string) string {
	var b strings.Builder
	head, ok := actions.NoticeText(n.Kind)
	if !ok {
		head = "【通知】" + n.Kind
	}
	b.WriteString(head)
	fmt.Fprintf(&b, "：任务 %s「%s」（第%d轮）", n.TaskNo, n.Title, n.Round)
	if !n.Due.IsZero() {
		fmt.Fprintf(&b, "，办理期限 %s", n.Due.Format("2006年1月2日"))
	}
	b.WriteString("。")
	if n.Detail != "" {
		fmt.Fprintf(&b, "说明：%s。", n.Detail)
	}
	if consoleURL != "" {
		fmt.Fprintf(&b, "详情：%s/tasks/%s/%s", strings.TrimRight(consoleURL, "/"), n.PlanID, n.TaskNo)
	}
	return b.String()
}
