package actions

import (
	"slices"
	"strings"
	"time"

	"lianxi/domain"
)

// byOffice is the state rule of an office action open in any phase.
func byOffice(action string) func(t *domain.Task, _ string) error {
	return func(t *domain.Task, _ string) error { return open(t, action) }
}

var review = &Action{
	Name: domain.UpdateReview, Path: "review", Verb: "review",
	Short: "Review the joint report (office): approve, or return for another round",
	Label: "审核", Button: "提交审核", Who: Office, Person: "reviewer",
	Kinds: map[string]string{domain.KindClosure: "审核通过（办结）", domain.KindReturn: "退回"},
	Notices: map[string]string{
		domain.NotifyClosure: "【办结】以下任务已审核通过，予以办结",
		domain.NotifyReturn:  "【退回】以下任务被退回，请修改后重新会签",
	},
	Fields: []Field{
		{Name: "decision", Kind: Choice, Label: "审核意见", Help: "approve or return (required)", Required: true,
			Options: []Option{{domain.DecisionApprove, "通过（办结）"}, {domain.DecisionReturn, "退回"}}},
		{Name: "comment", Kind: Text, Label: "意见（退回须说明）", Help: "comment; required for a return"},
		{Name: "reviewer", Kind: Line, Label: "审核人", Help: "name of the reviewer"},
	},
	Allowed: func(t *domain.Task, _ string) error {
		if t.State.Status != domain.StatusInReview {
			return domain.Conflict("cannot review: task %s is %s, not in_review", t.Spec.TaskNo, t.State.Status)
		}
		return nil
	},
	rules: &Rules[domain.ReviewRequest]{
		Build: func(v Values, _ string) domain.ReviewRequest {
			return domain.ReviewRequest{Reviewer: v.Str("reviewer"), Decision: v.Str("decision"), Comment: v.Str("comment")}
		},
		Check: func(r domain.ReviewRequest, _ Env) error {
			if r.Decision == domain.DecisionReturn && strings.TrimSpace(r.Comment) == "" {
				return domain.Invalid("comment", "comment is required: a return must say what to revise")
			}
			return nil
		},
		Effect: func(c *domain.Change, r domain.ReviewRequest) domain.Record {
			c.ArchiveRound(domain.ReviewRecord{Decision: r.Decision, Reviewer: r.Reviewer, Comment: r.Comment, At: c.At, DecisionID: c.ID})
			rec := domain.Record{Kind: domain.KindClosure, Actor: domain.Office, Person: r.Reviewer,
				Payload: domain.ExtensionDecisionPayload(r.Decision, r.Comment)}
			if r.Decision == domain.DecisionApprove {
				c.Finish(domain.StatusClosed, r.Comment)
				c.NotifyAll(domain.NotifyClosure, r.Comment)
				return rec
			}
			rec.Kind = domain.KindReturn
			c.NextRound()
			c.NotifyAll(domain.NotifyReturn, r.Comment)
			return rec
		},
	},
}

var urge = &Action{
	Name: domain.UpdateUrge, Path: "urge", Verb: "urge",
	Short: "Urge (催办) the ministries that have not yet signed off, now",
	Label: "催办", Button: "催办未会签单位", Who: Office, Person: "urger",
	Kinds:   map[string]string{domain.KindUrge: "催办"},
	Notices: map[string]string{domain.NotifyUrge: "【督办】部际联席会议办公室督促您单位尽快会签以下任务"},
	Fields: []Field{
		{Name: "comment", Kind: Text, Label: "督办说明", Help: "message to the ministries"},
		{Name: "urger", Kind: Line, Label: "督办人", Help: "name of the person urging"},
	},
	Allowed: func(t *domain.Task, _ string) error {
		if t.State.Status != domain.StatusSigning {
			return domain.Conflict("cannot urge: task %s is %s; only ministries that have not signed off can be urged", t.Spec.TaskNo, t.State.Status)
		}
		return nil
	},
	rules: &Rules[domain.UrgeRequest]{
		Build: func(v Values, _ string) domain.UrgeRequest {
			return domain.UrgeRequest{Urger: v.Str("urger"), Comment: v.Str("comment")}
		},
		Effect: func(c *domain.Change, r domain.UrgeRequest) domain.Record {
			pending := c.S.Pending()
			c.Notify(domain.NotifyUrge, pending, r.Comment)
			return domain.Record{Kind: domain.KindUrge, Actor: domain.Office, Person: r.Urger,
				Payload: domain.Fields("pending", strings.Join(pending, ","), "comment", r.Comment)}
		},
	},
}

var decideExtension = &Action{
	Name: domain.UpdateDecideExtension, Path: "extension-decision", Verb: "decide-extension",
	Short: "Grant or refuse the pending extension request (office)",
	Label: "延期批复", Button: "提交批复", Who: Office, Person: "decider",
	Kinds:   map[string]string{domain.KindExtensionDecision: "延期批复"},
	Notices: map[string]string{domain.NotifyExtensionDecision: "【延期批复】您单位的延期申请已有结果"},
	Fields: []Field{
		{Name: "decision", Kind: Choice, Label: "批复", Help: "grant or refuse (required)", Required: true,
			Options: []Option{{domain.DecisionGrant, "同意延期"}, {domain.DecisionRefuse, "不同意"}}},
		comment,
		{Name: "decider", Kind: Line, Label: "批复人", Help: "name of the decider"},
	},
	Allowed: func(t *domain.Task, _ string) error {
		if err := open(t, "decide an extension"); err != nil {
			return err
		}
		if t.State.PendingExtension() == nil {
			return domain.Conflict("task %s has no extension request waiting for a decision", t.Spec.TaskNo)
		}
		return nil
	},
	rules: &Rules[domain.ExtensionDecision]{
		Build: func(v Values, _ string) domain.ExtensionDecision {
			return domain.ExtensionDecision{Decider: v.Str("decider"), Decision: v.Str("decision"), Comment: v.Str("comment")}
		},
		Effect: func(c *domain.Change, r domain.ExtensionDecision) domain.Record {
			ext := c.S.PendingExtension()
			ext.Settle(r.Decider, r.Decision, r.Comment, c.At)
			if ext.State == domain.ExtensionGranted {
				if c.S.Status == domain.StatusSigning {
					c.MoveDue(ext.Until)
				}
			}
			c.Notify(domain.NotifyExtensionDecision, []string{ext.Ministry}, ext.State+": "+r.Comment)
			return domain.Record{Kind: domain.KindExtensionDecision, Actor: domain.Office, Person: r.Decider,
				Payload: domain.ExtensionDecisionPayload(r.Decision, r.Comment)}
		},
	},
}

var cancel = &Action{
	Name: domain.UpdateCancel, Path: "cancel", Verb: "cancel",
	Short: "Cancel the task (office)",
	Label: "撤销任务", Button: "撤销", Who: Office,
	Kinds:   map[string]string{domain.KindCancel: "撤销"},
	Notices: map[string]string{domain.NotifyCancellation: "【撤销】以下任务已撤销"},
	Fields:  []Field{reason},
	Allowed: byOffice("cancel"),
	rules: &Rules[domain.CancelRequest]{
		Build: func(v Values, _ string) domain.CancelRequest { return domain.CancelRequest{Reason: v.Str("reason")} },
		Effect: func(c *domain.Change, r domain.CancelRequest) domain.Record {
			c.Finish(domain.StatusCancelled, r.Reason)
			c.NotifyAll(domain.NotifyCancellation, r.Reason)
			return domain.Record{Kind: domain.KindCancel, Actor: domain.Office, Payload: domain.Fields("reason", r.Reason)}
		},
	},
}

var amend = &Action{
	Name: domain.UpdateAmend, Path: "amend", Verb: "amend",
	Short: "Change participants, the lead or the current due date (office)",
	Label: "调整参与单位或期限", Button: "提交调整", Who: Office,
	Kinds:   map[string]string{domain.KindAmend: "调整"},
	Notices: map[string]string{domain.NotifyParticipantChanged: "【参与单位调整】您单位不再承担以下任务"},
	Fields: []Field{
		{Name: "add", Kind: Ministries, Among: AmongOthers, Label: "增加单位（可多选）", Help: "ministry IDs to add"},
		{Name: "remove", Kind: Ministries, Among: AmongParticipants, Label: "移除单位（可多选）", Help: "ministry IDs to remove"},
		{Name: "lead", Kind: Ministry, Among: AmongAll, Label: "新牵头单位（移除牵头单位时必选）", Help: "new lead (required when removing the lead)"},
		{Name: "sign_off_due", Kind: Date, Label: "新会签期限", Help: "new sign-off due date"},
		{Name: "review_due", Kind: Date, Label: "新审核期限", Help: "new review due date"},
		{Name: "beyond_list", Kind: Choice, Label: "名单外增加（原方案未写“等”时须勾选）",
			Help:    "beyond: add bodies although the plan listed the task's bodies without 等",
			Options: []Option{{domain.BeyondTheList, "确认在方案所列单位之外增加"}}},
		reason,
	},
	Allowed: byOffice("amend"),
	rules: &Rules[domain.AmendRequest]{
		Build: func(v Values, _ string) domain.AmendRequest {
			return domain.AmendRequest{Add: v.List("add"), Remove: v.List("remove"), Lead: v.Str("lead"),
				SignOffDue: v.Time("sign_off_due"), ReviewDue: v.Time("review_due"), Reason: v.Str("reason"), BeyondList: v.Str("beyond_list")}
		},
		Check:  checkAmend,
		State:  amendState,
		Effect: amendEffect,
	},
}

// checkAmend: an amend changes something; added participants and a new
// lead are bodies the registry knows or already on the task (one nobody
// knows has no token to answer with); a new due date lies ahead.
func checkAmend(r domain.AmendRequest, env Env) error {
	if len(r.Add) == 0 && len(r.Remove) == 0 && r.Lead == "" && r.SignOffDue.IsZero() && r.ReviewDue.IsZero() {
		return domain.Invalid("add", "amend changes nothing: give add, remove, lead or a due date")
	}
	for _, id := range append(slices.Clone(r.Add), r.Lead) {
		if id == "" || env.Body == nil {
			continue
		}
		if err := env.Body(id); err != nil {
			return domain.Invalid("add", "%v", err)
		}
	}
	for _, d := range []struct {
		field string
		due   time.Time
	}{{"sign_off_due", r.SignOffDue}, {"review_due", r.ReviewDue}} {
		if !d.due.IsZero() && !d.due.After(env.Now) {
			return domain.Invalid(d.field, "%s %s is not in the future", d.field, d.due.UTC().Format("2006-01-02 15:04 MST"))
		}
	}
	return nil
}

func amendState(t *domain.Task, r domain.AmendRequest) error {
	if t.Generation >= domain.RulesConverge && len(r.Add) > 0 && !t.Spec.OpenList && r.BeyondList != domain.BeyondTheList {
		return domain.Invalid("beyond_list", "task %s lists its bodies without 等 (a closed list): adding %s goes beyond the plan; say so explicitly (beyond_list=%s)",
			t.Spec.TaskNo, strings.Join(r.Add, ", "), domain.BeyondTheList)
	}
	ids := t.State.IDs()
	for _, id := range r.Add {
		if slices.Contains(ids, id) {
			return domain.Conflict("ministry %s is already a participant of task %s", id, t.Spec.TaskNo)
		}
		ids = append(ids, id)
	}
	for _, id := range r.Remove {
		if !slices.Contains(ids, id) {
			return domain.NotParticipant(id, t.Spec.TaskNo)
		}
		ids = slices.DeleteFunc(ids, func(s string) bool { return s == id })
	}
	switch {
	case len(ids) == 0:
		return domain.Invalid("remove", "amend would leave task %s without participants", t.Spec.TaskNo)
	case r.Lead != "" && !slices.Contains(ids, r.Lead):
		return domain.Invalid("lead", "new lead %s is not a participant after the change", r.Lead)
	case t.State.Lead != "" && slices.Contains(r.Remove, t.State.Lead) && r.Lead == "":
		return domain.Invalid("lead", "removing the lead %s needs a new lead", t.State.Lead)
	case !r.SignOffDue.IsZero() && t.State.Status != domain.StatusSigning:
		return domain.Conflict("cannot change the sign-off due date: task %s is %s", t.Spec.TaskNo, t.State.Status)
	case !r.ReviewDue.IsZero() && t.State.Status != domain.StatusInReview:
		return domain.Conflict("cannot change the review due date: task %s is %s", t.Spec.TaskNo, t.State.Status)
	}
	return nil
}

func amendEffect(c *domain.Change, r domain.AmendRequest) domain.Record {
	payload := domain.Fields("reason", r.Reason, "add", strings.Join(r.Add, ","), "remove", strings.Join(r.Remove, ","), "lead", r.Lead,
		"beyond_list", r.BeyondList)
	if !r.SignOffDue.IsZero() {
		payload["sign_off_due"] = r.SignOffDue.UTC().Format(time.RFC3339)
	}
	if !r.ReviewDue.IsZero() {
		payload["review_due"] = r.ReviewDue.UTC().Format(time.RFC3339)
	}
	for _, id := range r.Remove {
		c.S.Participants = slices.DeleteFunc(c.S.Participants, func(p domain.Participant) bool { return p.ID == id })
		c.Notify(domain.NotifyParticipantChanged, []string{id}, "removed: "+r.Reason)
	}
	for _, id := range r.Add {
		c.S.Participants = append(c.S.Participants, domain.Participant{ID: id, Role: domain.RoleCo})
		c.Notify(domain.NotifyAssignment, []string{id}, r.Reason)
	}
	if r.Lead != "" && r.Lead != c.S.Lead {
		c.ChangeLead(r.Lead)
	}
	due := r.SignOffDue
	if due.IsZero() {
		due = r.ReviewDue
	}
	if !due.IsZero() {
		c.MoveDue(due)
	}
	c.CompleteRoundIfDone()
	return domain.Record{Kind: domain.KindAmend, Actor: domain.Office, Payload: payload}
}
