package actions

import "lianxi/domain"

// systemKinds name the records the workflow makes on its own: the launch
// and the clock's reminders and escalations.
var systemKinds = map[string]string{
	domain.KindAssigned: "交办", domain.KindEscalation: "超期上报", domain.KindReminder: "自动提醒",
	domain.KindRunEnded: "运行终止", domain.KindCaughtUp: "台账补齐",
}

// systemNotices are the headings of the notifications the launch and the
// clock send, and those several actions share.
var systemNotices = map[string]string{
	domain.NotifyAssignment:    "【任务交办】您单位承担以下任务，请按期会签",
	domain.NotifyReminder:      "【催办】以下任务尚待您单位办理，请尽快处理",
	domain.NotifyOverdue:       "【超期预警】以下任务已超期，请部际联席会议办公室协调",
	domain.NotifyReviewRequest: "【待审核】以下任务已完成会签，请审核联合报告",
	domain.NotifyRoundRequest:  "【本期待报送】请在报送期内报送以下任务的进展情况",
	domain.NotifyRoundReminder: "【报送提醒】以下任务本期进展尚未报送，报送期即将截止",
	domain.NotifyBulletin:      "【督查通报】本期督查通报已印发",
}

// cycleKinds name the records of the office's reporting cycles.
var cycleKinds = map[string]string{
	domain.KindRoundOpened: "报送期开始", domain.KindRoundReminder: "报送提醒", domain.KindRoundClosed: "报送期结束",
	domain.KindBulletin: "督查通报", domain.KindCycleCreated: "设立定期报送", domain.KindCycleChanged: "调整定期报送",
	domain.KindCyclePaused:  "暂停定期报送",
	domain.KindCycleResumed: "恢复定期报送", domain.KindCycleDeleted: "撤销定期报送", domain.KindCycleTrigger: "立即开始一期报送",
}

// KindLabel names a kind of record in Chinese, for pages and timelines;
// the kind itself when no definition names it.
func KindLabel(kind string) string {
	if l, ok := systemKinds[kind]; ok {
		return l
	}
	if l, ok := cycleKinds[kind]; ok {
		return l
	}
	if a := ByKind(kind); a != nil {
		return a.Kinds[kind]
	}
	return kind
}

// IsSystemKind reports whether the workflow records this kind on its own,
// not in answer to an update.
func IsSystemKind(kind string) bool { _, ok := systemKinds[kind]; return ok }

// ByKind finds the action that records a kind; nil for the system's kinds.
func ByKind(kind string) *Action {
	for _, a := range all {
		if _, ok := a.Kinds[kind]; ok {
			return a
		}
	}
	return nil
}

// NoticeText is the heading of a notification kind; ok is false when no
// definition gives one.
func NoticeText(kind string) (string, bool) {
	if t, ok := systemNotices[kind]; ok {
		return t, true
	}
	for _, a := range all {
		if t, ok := a.Notices[kind]; ok {
			return t, true
		}
	}
	return "", false
}

// NoticeKinds lists every notification kind with a heading.
func NoticeKinds() []string {
	var out []string
	for k := range systemNotices {
		out = append(out, k)
	}
	for _, a := range all {
		for k := range a.Notices {
			out = append(out, k)
		}
	}
	return out
}

// PersonField is the request field that names the person behind a kind of
// record ("signer", "urger"…); "" when there is none.
func PersonField(kind string) string {
	if a := ByKind(kind); a != nil {
		return a.Person
	}
	return ""
}
