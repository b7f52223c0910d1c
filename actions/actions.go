// Package actions defines every human action on a task once: its name,
// route, CLI verb, labels and notification texts, who may perform it, its
// request type, its input rules, its state rules and its effect on the task.
// The lifecycle workflow registers one update handler per definition by
// looping over All; the HTTP API route, the console form, the CLI verb, the
// worker's authorization check, the audit timeline's labels and the
// notification texts are all derived from the same definitions. Adding an
// action means adding its definition, and nothing else.
//
// Input rules (field limits, required fields, choices) run only when an
// update is first validated, never on replay, so tightening one never
// breaks a committed history. State rules (phase, membership, the lead
// signing last) run in the validator and again in the handler, since
// another decision may have changed the task in between.
package actions

import "lianxi/domain"

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
	// Required: the validator refuses the request without it.
	Required bool
	// Max bounds a Line or Text field, in characters; zero means
	// domain.MaxNameLen for a Line and domain.MaxCommentLen for a Text.
	Max     int
	Options []Option
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
	// Kinds names, in Chinese, each kind of record the action writes (the
	// console's and the timeline's labels).
	Kinds map[string]string
	// Notices gives the heading of each notification kind the action
	// causes (the texts of messages and webhooks).
	Notices map[string]string
	// Person is the request field naming the person who acted, recorded
	// as the record's person ("" when the action names none).
	Person string
	Fields []Field
	// Allowed is the state rule of the action as a whole: may actor (a
	// ministry ID, or domain.Office) take it on the task now? The console
	// asks it of the last status it read to decide which forms to show.
	Allowed func(t *domain.Task, actor string) error
	rules   binder
}

// Offer tells the console whether to show the action's form to ministry
// ("" for the office): the action's state rule asked of the last status the
// page read. The workflow asks it again when the request arrives.
func (a *Action) Offer(st domain.TaskStatus, ministry string) bool {
	if !domain.IsOpen(st.Status) {
		return false
	}
	actor := ministry
	if a.Who == Office {
		actor = domain.Office
	}
	t := st.Task()
	return a.Allowed(&t, actor) == nil
}

// Request builds the workflow update's argument from parsed values. For a
// Participant action, ministry is the authenticated principal's ministry.
func (a *Action) Request(v Values, ministry string) any { return a.rules.build(v, ministry) }

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

// all is every action, in the order the console shows them.
var all = []*Action{signOff, withdraw, reportProgress, requestExtension, review, urge, decideExtension, amend, cancel}

// ByName finds an action by its update name.
func ByName(name string) (*Action, bool) {
	for _, a := range all {
		if a.Name == name {
			return a, true
		}
	}
	return nil, false
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
