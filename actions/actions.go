// Package actions defines every human action on a task once: its name, who
// may perform it, its fields, what it records on the ledger and whom it
// notifies. The HTTP API route, the console form, the CLI verb and the
// worker's authorization check are all derived from these definitions, so
// adding an action means adding its definition (and its workflow handler),
// not editing each front end.
//
// Definitions say who may act and how the request is spelled. Whether the
// action is allowed now (phase, membership, the lead signing last, a due
// date in the future) is the workflow's validators' question; front ends
// only parse, forward and show the validator's reason.
package actions

import (
	"lianxi/activities"
	"lianxi/ledger"
	"lianxi/workflows"
)

// Who may perform an action.
type Who string

const (
	// Office is the joint-conference office.
	Office Who = "office"
	// Participant is a ministry acting in its own name; the workflow checks
	// that it is on the task (and, for the joint report, that it leads).
	Participant Who = "participant"
)

// Kind says how a field is typed and entered.
type Kind int

const (
	// Line is a short text (a person's name).
	Line Kind = iota
	// Text is free text (a comment, a report).
	Text
	// Choice is one of a fixed set of values.
	Choice
	// Date is a day (YYYY-MM-DD) or an RFC 3339 time.
	Date
	// Ministries is a list of ministry IDs.
	Ministries
	// Attachments is a list of files uploaded for the task beforehand,
	// named by their SHA-256. The API takes the hashes; the console's form
	// and the CLI upload the files first. The server resolves each hash to
	// the file uploaded for the task (Values.SetAttachments) before the
	// request is built.
	Attachments
	// Ministry is one ministry ID.
	Ministry
)

// Among says which ministries a Ministries or Ministry field offers in the
// console's picker (by Chinese name); the workflow decides what is valid.
type Among string

const (
	// AmongAll offers every ministry of the registry.
	AmongAll Among = "all"
	// AmongOthers offers the registry's ministries not on the task.
	AmongOthers Among = "others"
	// AmongParticipants offers the task's ministries.
	AmongParticipants Among = "participants"
)

// Option is one value of a Choice field and how the console names it.
type Option struct {
	Value string
	Label string
}

// Field is one input of an action: the key of the JSON body, the name of
// the console's form field and, with dashes for underscores, the CLI flag.
type Field struct {
	Name  string
	Kind  Kind
	Label string // console label, in Chinese
	Help  string // CLI help
	// Required is documentation for the help texts and forms; the
	// workflow's validator is what enforces it.
	Required bool
	Options  []Option
	// LeadOnly shows the field in the console only to the task's lead.
	LeadOnly bool
	// Among is the picker's choice of ministries for a ministry field.
	Among Among
}

// Action is one human action.
type Action struct {
	// Name is the workflow update's name.
	Name string
	// Path is the last segment of the API route and the console form's
	// action: POST /api/plans/{plan}/tasks/{no}/{Path}.
	Path string
	// Verb is the CLI verb: lianxi task {Verb} ID.
	Verb string
	// Short is the CLI's one-line help.
	Short string
	// Label and Button name the action in the console.
	Label, Button string
	Who           Who
	// LedgerKinds are the kinds of record the action writes.
	LedgerKinds []string
	// Notifies are the notification kinds the action can cause.
	Notifies []string
	Fields   []Field
	// Offer tells the console whether to show the form: a hint from the
	// last status the page read, never a rule (the workflow decides).
	Offer func(st workflows.TaskStatus, ministry string) bool
	// build makes the update's argument; ministry is the acting ministry
	// for Participant actions.
	build func(v Values, ministry string) any
}

// Request builds the workflow update's argument from parsed values. For a
// Participant action, ministry is the authenticated principal's ministry.
func (a *Action) Request(v Values, ministry string) any { return a.build(v, ministry) }

// AttachmentFields are the action's fields that take files.
func (a *Action) AttachmentFields() []Field {
	var out []Field
	for _, f := range a.Fields {
		if f.Kind == Attachments {
			out = append(out, f)
		}
	}
	return out
}

// Field returns the named field.
func (a *Action) Field(name string) (Field, bool) {
	for _, f := range a.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// All lists every action in the order the console shows them.
func All() []*Action { return all }

// ByName finds an action by its update name.
func ByName(name string) (*Action, bool) {
	for _, a := range all {
		if a.Name == name {
			return a, true
		}
	}
	return nil, false
}

var (
	comment = Field{Name: "comment", Kind: Text, Label: "意见", Help: "comment"}
	// attach is the attachments field of the joint report and the progress
	// report; the CLI spells its flag --attach FILE.
	attach = Field{Name: "attachments", Kind: Attachments, Label: "附件（可多选；PDF、Word、Excel、OFD、图片或文本，单个不超过上限）",
		Help: "file to attach (repeatable); uploaded for the task first"}
	reason = Field{Name: "reason", Kind: Text, Label: "理由", Help: "why (required)", Required: true}
)

func open(st workflows.TaskStatus) bool {
	return st.Status == workflows.StatusSigning || st.Status == workflows.StatusInReview
}

func onTask(st workflows.TaskStatus, ministry string) *workflows.Participant {
	for i := range st.Participants {
		if st.Participants[i].ID == ministry {
			return &st.Participants[i]
		}
	}
	return nil
}

var all = []*Action{
	{
		Name: workflows.UpdateSignOff, Path: "sign-off", Verb: "sign",
		Short: "Sign off for your ministry (the lead signs last, with the joint report)",
		Label: "会签", Button: "提交会签", Who: Participant,
		LedgerKinds: []string{ledger.KindSignOff, ledger.KindObjection},
		Notifies:    []string{activities.NotifyObjection, activities.NotifyReviewRequest},
		Fields: []Field{
			{Name: "decision", Kind: Choice, Label: "意见", Help: "approve or object (required)", Required: true,
				Options: []Option{{workflows.DecisionApprove, "同意"}, {workflows.DecisionObject, "提出异议"}}},
			{Name: "signer", Kind: Line, Label: "签署人", Help: "name of the person signing"},
			{Name: "comment", Kind: Text, Label: "意见说明（异议须说明理由）", Help: "comment; an objection's reason"},
			{Name: "report", Kind: Text, Label: "联合报告（牵头单位填写）", Help: "joint report (the lead)", LeadOnly: true},
			attach,
		},
		Offer: func(st workflows.TaskStatus, m string) bool {
			p := onTask(st, m)
			return p != nil && st.Status == workflows.StatusSigning && p.Answer == nil &&
				(p.Role != workflows.RoleLead || len(st.Pending) == 1)
		},
		build: func(v Values, m string) any {
			return workflows.SignOffRequest{Ministry: m, Signer: v.Str("signer"), Decision: v.Str("decision"), Comment: v.Str("comment"), Report: v.Str("report"),
				Attachments: v.Attachments("attachments")}
		},
	},
	{
		Name: workflows.UpdateReportProgress, Path: "progress", Verb: "report",
		Short: "File a progress report (进展报送) for your ministry",
		Label: "进展报送", Button: "报送", Who: Participant,
		LedgerKinds: []string{ledger.KindProgress},
		Fields: []Field{
			{Name: "text", Kind: Text, Label: "进展情况", Help: "the report (required)", Required: true},
			{Name: "author", Kind: Line, Label: "填报人", Help: "name of the author"},
			attach,
		},
		Offer: func(st workflows.TaskStatus, m string) bool { return open(st) && onTask(st, m) != nil },
		build: func(v Values, m string) any {
			return workflows.ProgressRequest{Ministry: m, Author: v.Str("author"), Text: v.Str("text"), Attachments: v.Attachments("attachments")}
		},
	},
	{
		Name: workflows.UpdateRequestExtension, Path: "extension-requests", Verb: "extend",
		Short: "Ask the office to extend the sign-off due date",
		Label: "延期申请", Button: "提交申请", Who: Participant,
		LedgerKinds: []string{ledger.KindExtensionRequest},
		Notifies:    []string{activities.NotifyExtensionRequest},
		Fields: []Field{
			{Name: "until", Kind: Date, Label: "延至", Help: "new due date, YYYY-MM-DD or RFC 3339 (required)", Required: true},
			reason,
		},
		Offer: func(st workflows.TaskStatus, m string) bool {
			return st.Status == workflows.StatusSigning && onTask(st, m) != nil
		},
		build: func(v Values, m string) any {
			return workflows.ExtensionRequest{Ministry: m, Until: v.Time("until"), Reason: v.Str("reason")}
		},
	},
	{
		Name: workflows.UpdateReview, Path: "review", Verb: "review",
		Short: "Review the joint report (office): approve, or return for another round",
		Label: "审核", Button: "提交审核", Who: Office,
		LedgerKinds: []string{ledger.KindClosure, ledger.KindReturn},
		Notifies:    []string{activities.NotifyClosure, activities.NotifyReturn},
		Fields: []Field{
			{Name: "decision", Kind: Choice, Label: "审核意见", Help: "approve or return (required)", Required: true,
				Options: []Option{{workflows.DecisionApprove, "通过（办结）"}, {workflows.DecisionReturn, "退回"}}},
			{Name: "comment", Kind: Text, Label: "意见（退回须说明）", Help: "comment; required for a return"},
			{Name: "reviewer", Kind: Line, Label: "审核人", Help: "name of the reviewer"},
		},
		Offer: func(st workflows.TaskStatus, _ string) bool { return st.Status == workflows.StatusInReview },
		build: func(v Values, _ string) any {
			return workflows.ReviewRequest{Reviewer: v.Str("reviewer"), Decision: v.Str("decision"), Comment: v.Str("comment")}
		},
	},
	{
		Name: workflows.UpdateUrge, Path: "urge", Verb: "urge",
		Short: "Urge (催办) the ministries that have not yet signed off, now",
		Label: "催办", Button: "催办未会签单位", Who: Office,
		LedgerKinds: []string{ledger.KindUrge},
		Notifies:    []string{activities.NotifyUrge},
		Fields: []Field{
			{Name: "comment", Kind: Text, Label: "督办说明", Help: "message to the ministries"},
			{Name: "urger", Kind: Line, Label: "督办人", Help: "name of the person urging"},
		},
		Offer: func(st workflows.TaskStatus, _ string) bool { return st.Status == workflows.StatusSigning },
		build: func(v Values, _ string) any {
			return workflows.UrgeRequest{Urger: v.Str("urger"), Comment: v.Str("comment")}
		},
	},
	{
		Name: workflows.UpdateDecideExtension, Path: "extension-decision", Verb: "decide-extension",
		Short: "Grant or refuse the pending extension request (office)",
		Label: "延期批复", Button: "提交批复", Who: Office,
		LedgerKinds: []string{ledger.KindExtensionDecision},
		Notifies:    []string{activities.NotifyExtensionDecision},
		Fields: []Field{
			{Name: "decision", Kind: Choice, Label: "批复", Help: "grant or refuse (required)", Required: true,
				Options: []Option{{workflows.DecisionGrant, "同意延期"}, {workflows.DecisionRefuse, "不同意"}}},
			comment,
			{Name: "decider", Kind: Line, Label: "批复人", Help: "name of the decider"},
		},
		Offer: func(st workflows.TaskStatus, _ string) bool {
			for _, e := range st.Extensions {
				if e.State == workflows.ExtensionPending {
					return open(st)
				}
			}
			return false
		},
		build: func(v Values, _ string) any {
			return workflows.ExtensionDecision{Decider: v.Str("decider"), Decision: v.Str("decision"), Comment: v.Str("comment")}
		},
	},
	{
		Name: workflows.UpdateAmend, Path: "amend", Verb: "amend",
		Short: "Change participants, the lead or the current due date (office)",
		Label: "调整参与单位或期限", Button: "提交调整", Who: Office,
		LedgerKinds: []string{ledger.KindAmend},
		Notifies:    []string{activities.NotifyAssignment, activities.NotifyParticipantChanged},
		Fields: []Field{
			{Name: "add", Kind: Ministries, Among: AmongOthers, Label: "增加单位（可多选）", Help: "ministry IDs to add"},
			{Name: "remove", Kind: Ministries, Among: AmongParticipants, Label: "移除单位（可多选）", Help: "ministry IDs to remove"},
			{Name: "lead", Kind: Ministry, Among: AmongAll, Label: "新牵头单位（移除牵头单位时必选）", Help: "new lead (required when removing the lead)"},
			{Name: "sign_off_due", Kind: Date, Label: "新会签期限", Help: "new sign-off due date"},
			{Name: "review_due", Kind: Date, Label: "新审核期限", Help: "new review due date"},
			reason,
		},
		Offer: func(st workflows.TaskStatus, _ string) bool { return open(st) },
		build: func(v Values, _ string) any {
			return workflows.AmendRequest{Add: v.List("add"), Remove: v.List("remove"), Lead: v.Str("lead"),
				SignOffDue: v.Time("sign_off_due"), ReviewDue: v.Time("review_due"), Reason: v.Str("reason")}
		},
	},
	{
		Name: workflows.UpdateCancel, Path: "cancel", Verb: "cancel",
		Short: "Cancel the task (office)",
		Label: "撤销任务", Button: "撤销", Who: Office,
		LedgerKinds: []string{ledger.KindCancel},
		Notifies:    []string{activities.NotifyCancellation},
		Fields:      []Field{reason},
		Offer:       func(st workflows.TaskStatus, _ string) bool { return open(st) },
		build:       func(v Values, _ string) any { return workflows.CancelRequest{Reason: v.Str("reason")} },
	},
}

// Widget is how the console renders the field: "radio", "line",
// "textarea", "date", "file", "ministries" (a multiple choice) or
// "ministry" (one).
func (f Field) Widget() string {
	switch f.Kind {
	case Ministries:
		return "ministries"
	case Ministry:
		return "ministry"
	case Attachments:
		return "file"
	case Choice:
		return "radio"
	case Text:
		return "textarea"
	case Date:
		return "date"
	}
	return "line"
}
