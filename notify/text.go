package notify

import (
	"fmt"
	"strings"

	"lianxi/activities"
)

// kindText is the opening of each kind of message.
var kindText = map[string]string{
	activities.NotifyAssignment:         "【任务交办】您单位承担以下任务，请按期会签",
	activities.NotifyReminder:           "【催办】以下任务尚待您单位办理，请尽快处理",
	activities.NotifyOverdue:            "【超期预警】以下任务已超期，请部际联席会议办公室协调",
	activities.NotifyObjection:          "【异议上报】有单位对以下任务提出异议",
	activities.NotifyReviewRequest:      "【待审核】以下任务已完成会签，请审核联合报告",
	activities.NotifyReturn:             "【退回】以下任务被退回，请修改后重新会签",
	activities.NotifyClosure:            "【办结】以下任务已审核通过，予以办结",
	activities.NotifyCancellation:       "【撤销】以下任务已撤销",
	activities.NotifyExtensionRequest:   "【延期申请】有单位申请延期办理以下任务",
	activities.NotifyExtensionDecision:  "【延期批复】您单位的延期申请已有结果",
	activities.NotifyParticipantChanged: "【参与单位调整】您单位不再承担以下任务",
	activities.NotifyUrge:               "【督办】部际联席会议办公室督促您单位尽快会签以下任务",
}

// Compose writes a notification's text in simplified Chinese: what
// happened, the task number and title, the due date and a console link.
func Compose(n activities.Notification, consoleURL string) string {
	var b strings.Builder
	head, ok := kindText[n.Kind]
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
