package actions

import (
	"strings"

	"lianxi/domain"
)

// Fields several actions share.
var (
	comment = Field{Name: "comment", Kind: Text, Label: "意见", Help: "comment"}
	// attach is the attachments field of the joint report and the progress
	// report; the CLI spells its flag --attach FILE.
	attach = Field{Name: "attachments", Kind: Attachments, Label: "附件（可多选；PDF、Word、Excel、OFD、图片或文本，单个不超过上限）",
		Help: "file to attach (repeatable); uploaded for the task first"}
	reason = Field{Name: "reason", Kind: Text, Label: "理由", Help: "why (required)", Required: true}
)

// onTask is the state rule every ministry's action starts with.
func onTask(t *domain.Task, ministry string) (*domain.Participant, error) {
	p := t.State.Participant(ministry)
	if p == nil {
		return nil, domain.NotParticipant(ministry, t.Spec.TaskNo)
	}
	return p, nil
}

// signing is the rule of actions taken only while ministries sign off.
func signing(t *domain.Task, action string) error {
	if t.State.Status != domain.StatusSigning {
		return domain.Conflict("cannot %s: task %s is %s, not signing", action, t.Spec.TaskNo, t.State.Status)
	}
	return nil
}

// open is the rule of actions taken in any phase of an open task.
func open(t *domain.Task, action string) error {
	if !t.State.Open() {
		return domain.Conflict("cannot %s: task %s is %s", action, t.Spec.TaskNo, t.State.Status)
	}
	return nil
}

var signOff = &Action{
	Name: domain.UpdateSignOff, Path: "sign-off", Verb: "sign",
	Short: "Sign off for your ministry (the lead signs last, with the joint report)",
	Label: "会签", Button: "提交会签", Who: Participant, Person: "signer",
	Kinds:   map[string]string{domain.KindSignOff: "会签同意", domain.KindObjection: "提出异议"},
	Notices: map[string]string{domain.NotifyObjection: "【异议上报】有单位对以下任务提出异议"},
	Fields: []Field{
		{Name: "decision", Kind: Choice, Label: "意见", Help: "approve or object (required)", Required: true,
			Options: []Option{{domain.DecisionApprove, "同意"}, {domain.DecisionObject, "提出异议"}}},
		{Name: "signer", Kind: Line, Label: "签署人", Help: "name of the person signing"},
		{Name: "comment", Kind: Text, Label: "意见说明（异议须说明理由）", Help: "comment; an objection's reason"},
		{Name: "report", Kind: Text, Max: domain.MaxReportLen, Label: "联合报告（牵头单位填写）", Help: "joint report (the lead)", LeadOnly: true},
		attach,
	},
	Allowed: func(t *domain.Task, m string) error {
		p, err := onTask(t, m)
		if err != nil {
			return err
		}
		if err := signing(t, "sign off"); err != nil {
			return err
		}
		if p.Answer != nil {
			return domain.Conflict("ministry %s has already answered in round %d", m, t.State.Round)
		}
		if p.Role == domain.RoleLead && !t.State.CosDone() {
			pending := t.State.Pending()
			return domain.Conflict("the lead %s signs last: still waiting for %s", m, strings.Join(pending[:len(pending)-1], ", "))
		}
		return nil
	},
	rules: &Rules[domain.SignOffRequest]{
		Build: func(v Values, m string) domain.SignOffRequest {
			return domain.SignOffRequest{Ministry: m, Signer: v.Str("signer"), Decision: v.Str("decision"), Comment: v.Str("comment"),
				Report: v.Str("report"), Attachments: v.Attachments("attachments")}
		},
		Check: func(r domain.SignOffRequest, _ Env) error {
			if r.Decision == domain.DecisionObject && strings.TrimSpace(r.Comment) == "" {
				return domain.Invalid("comment", "comment is required: an objection must give its reason")
			}
			return nil
		},
		State: func(t *domain.Task, r domain.SignOffRequest) error {
			if p := t.State.Participant(r.Ministry); p.Role == domain.RoleLead && strings.TrimSpace(r.Report) == "" {
				return domain.Invalid("report", "report is required: the lead files the joint report")
			}
			return nil
		},
		Effect: func(c *domain.Change, r domain.SignOffRequest) domain.Record {
			kind := domain.KindSignOff
			if r.Decision == domain.DecisionObject {
				kind = domain.KindObjection
			}
			c.S.Participant(r.Ministry).Answer = &domain.Answer{
				Decision: r.Decision, Signer: r.Signer, Comment: r.Comment, Report: r.Report, At: c.At, DecisionID: c.ID,
			}
			if r.Decision == domain.DecisionObject {
				c.NotifyOffice(domain.NotifyObjection, r.Ministry+": "+r.Comment)
			}
			c.CompleteRoundIfDone()
			return domain.Record{Kind: kind, Actor: r.Ministry, Person: r.Signer,
				Payload: domain.Fields("decision", r.Decision, "comment", r.Comment, "report", r.Report,
					domain.PayloadAttachments, domain.AttachmentsField(r.Attachments))}
		},
	},
}

var reportProgress = &Action{
	Name: domain.UpdateReportProgress, Path: "progress", Verb: "report",
	Short: "File a progress report (进展报送) for your ministry",
	Label: "进展报送", Button: "报送", Who: Participant, Person: "author",
	Kinds: map[string]string{domain.KindProgress: "进展报送"},
	Fields: []Field{
		{Name: "text", Kind: Text, Max: domain.MaxReportLen, Label: "进展情况", Help: "the report (required)", Required: true},
		{Name: "author", Kind: Line, Label: "填报人", Help: "name of the author"},
		attach,
	},
	Allowed: func(t *domain.Task, m string) error {
		if _, err := onTask(t, m); err != nil {
			return err
		}
		return open(t, "report progress")
	},
	rules: &Rules[domain.ProgressRequest]{
		Build: func(v Values, m string) domain.ProgressRequest {
			return domain.ProgressRequest{Ministry: m, Author: v.Str("author"), Text: v.Str("text"), Attachments: v.Attachments("attachments")}
		},
		Effect: func(c *domain.Change, r domain.ProgressRequest) domain.Record {
			c.S.Progress = append(c.S.Progress, domain.ProgressReport{
				Ministry: r.Ministry, Author: r.Author, Text: r.Text, Round: c.S.Round, At: c.At, DecisionID: c.ID,
			})
			c.S.ProgressCount = max(c.S.ProgressCount, len(c.S.Progress)-1) + 1
			return domain.Record{Kind: domain.KindProgress, Actor: r.Ministry, Person: r.Author,
				Payload: domain.Fields("text", r.Text, domain.PayloadAttachments, domain.AttachmentsField(r.Attachments))}
		},
	},
}

var requestExtension = &Action{
	Name: domain.UpdateRequestExtension, Path: "extension-requests", Verb: "extend",
	Short: "Ask the office to extend the sign-off due date",
	Label: "延期申请", Button: "提交申请", Who: Participant,
	Kinds:   map[string]string{domain.KindExtensionRequest: "延期申请"},
	Notices: map[string]string{domain.NotifyExtensionRequest: "【延期申请】有单位申请延期办理以下任务"},
	Fields: []Field{
		{Name: "until", Kind: Date, Label: "延至", Help: "new due date, YYYY-MM-DD or RFC 3339 (required)", Required: true},
		reason,
	},
	Allowed: func(t *domain.Task, m string) error {
		if _, err := onTask(t, m); err != nil {
			return err
		}
		if err := signing(t, "request an extension"); err != nil {
			return err
		}
		if p := t.State.PendingExtension(); p != nil {
			return domain.Conflict("an extension request from %s is already waiting for the office", p.Ministry)
		}
		return nil
	},
	rules: &Rules[domain.ExtensionRequest]{
		Build: func(v Values, m string) domain.ExtensionRequest {
			return domain.ExtensionRequest{Ministry: m, Until: v.Time("until"), Reason: v.Str("reason")}
		},
		State: func(t *domain.Task, r domain.ExtensionRequest) error {
			if !r.Until.After(t.State.SignOffDue) {
				return domain.Invalid("until", "until %s is not after the current due date %s", r.Until.Format("2006-01-02"), t.State.SignOffDue.Format("2006-01-02"))
			}
			return nil
		},
		Effect: func(c *domain.Change, r domain.ExtensionRequest) domain.Record {
			c.S.Extensions = append(c.S.Extensions, domain.ExtensionRecord{
				Ministry: r.Ministry, Until: r.Until, Reason: r.Reason, RequestedAt: c.At, State: domain.ExtensionPending,
			})
			c.NotifyOffice(domain.NotifyExtensionRequest, r.Ministry+": "+r.Reason)
			return domain.Record{Kind: domain.KindExtensionRequest, Actor: r.Ministry,
				Payload: domain.ExtensionRequestPayload(r.Until, r.Reason)}
		},
	},
}
