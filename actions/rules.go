package actions

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/domain"
)

// Env is what an input rule may consult besides the request: the time the
// update arrived, and whether a body may be given a task (Body: nil when it
// is on the task already, or in the registry the worker injects and not
// abolished; otherwise why not). Input rules run only when an update is
// first validated, so a registry that changes never changes a replay.
type Env struct {
	Now  time.Time
	Body func(id string) error
}

// Rules are the typed parts of an action: how its request is built from
// parsed values, its input rule beyond the field rules, its request's state
// rule beyond Allowed, and its effect on the task.
type Rules[R any] struct {
	// Build makes the update's argument from parsed values; ministry is the
	// acting ministry of a Participant action.
	Build func(v Values, ministry string) R
	// Check is an input rule across fields (an objection needs a reason);
	// it runs in the validator only. Optional.
	Check func(r R, env Env) error
	// State is a state rule that reads the request (the lead must file a
	// report); it runs in the validator and the handler. Optional.
	State func(t *domain.Task, r R) error
	// Effect applies the decision to the task and says what to record.
	Effect func(c *domain.Change, r R) domain.Record
}

// Host is the lifecycle workflow as the handlers it registers see it.
type Host interface {
	// Validate runs when an update is first delivered (never on replay):
	// input, then state.
	Validate(ctx workflow.Context, a *Action, input func(Env) error, state func(*domain.Task) error) error
	// Decide re-checks state under the workflow's lock, applies effect,
	// records the decision and answers with its receipt.
	// request is the request's JSON: the record carries it, and the
	// receipt its hash (domain.RequestDigest).
	// actor is who makes the request (a ministry, or the office).
	Decide(ctx workflow.Context, a *Action, actor string, request []byte, state func(*domain.Task) error, effect func(*domain.Change) domain.Record) (domain.Receipt, error)
}

// Adoption is a recorded decision made ready to apply again: its request's
// state rule and effect, and the request's hash.
type Adoption struct {
	Request string
	State   func(*domain.Task) error
	Effect  func(*domain.Change) domain.Record
}

// binder is Rules[R] for any R.
type binder interface {
	build(v Values, ministry string) any
	bind(a *Action, h Host) (handler, validator any)
	adopt(a *Action, request []byte) (Adoption, error)
	requestType() reflect.Type
}

func (r *Rules[R]) build(v Values, ministry string) any { return r.Build(v, ministry) }

func (r *Rules[R]) requestType() reflect.Type { return reflect.TypeFor[R]() }

// state is the request's whole state rule: Allowed, then State.
func (r *Rules[R]) state(a *Action, req R) func(*domain.Task) error {
	return func(t *domain.Task) error {
		if err := a.Allowed(t, actorOf(req)); err != nil {
			return err
		}
		if r.State != nil {
			return r.State(t, req)
		}
		return nil
	}
}

func (r *Rules[R]) adopt(a *Action, request []byte) (Adoption, error) {
	var req R
	if err := json.Unmarshal(request, &req); err != nil {
		return Adoption{}, fmt.Errorf("the recorded %s request does not read: %w", a.Name, err)
	}
	return Adoption{
		Request: domain.RequestDigest(request),
		State:   r.state(a, req),
		Effect:  func(c *domain.Change) domain.Record { return r.Effect(c, req) },
	}, nil
}

func (r *Rules[R]) bind(a *Action, h Host) (any, any) {
	state := func(req R) func(*domain.Task) error { return r.state(a, req) }
	validator := func(ctx workflow.Context, req R) error {
		return h.Validate(ctx, a, func(env Env) error {
			if err := a.checkFields(req); err != nil {
				return err
			}
			if r.Check != nil {
				return r.Check(req, env)
			}
			return nil
		}, state(req))
	}
	handler := func(ctx workflow.Context, req R) (domain.Receipt, error) {
		request, err := json.Marshal(req)
		if err != nil {
			return domain.Receipt{}, fmt.Errorf("%s: the request does not encode: %w", a.Name, err)
		}
		return h.Decide(ctx, a, actorOf(req), request, state(req), func(c *domain.Change) domain.Record { return r.Effect(c, req) })
	}
	return handler, validator
}

// Adopt reads a decision of this action back from the request its record
// carries (domain.PayloadRequest), to apply it again.
func (a *Action) Adopt(request []byte) (Adoption, error) { return a.rules.adopt(a, request) }

// Bind gives the update handler and validator of the action, typed for its
// request, for the workflow to register under a.Name.
func (a *Action) Bind(h Host) (handler, validator any) { return a.rules.bind(a, h) }

// RequestType is the type of the action's update argument.
func (a *Action) RequestType() reflect.Type { return a.rules.requestType() }

// actorOf is who makes the request: the acting ministry, or the office.
func actorOf(req any) string {
	if m, ok := req.(domain.MinistryRequest); ok {
		return m.ActingMinistry()
	}
	return domain.Office
}

// checkFields applies the field rules of the definition to the request:
// text limits, required fields, choices and attachments. The request's
// fields are found by their JSON names, which are the definition's field
// names, so a field is declared once.
func (a *Action) checkFields(req any) error {
	if m, ok := req.(domain.MinistryRequest); ok {
		if err := domain.CheckText("ministry", m.ActingMinistry(), domain.MaxNameLen, true); err != nil {
			return err
		}
	}
	v := reflect.ValueOf(req)
	for _, f := range a.Fields {
		fv, ok := fieldByJSON(v, f.Name)
		if !ok {
			continue
		}
		if err := f.check(fv); err != nil {
			return err
		}
	}
	return nil
}

func (f Field) check(v reflect.Value) error {
	switch f.Kind {
	case Line, Text:
		limit := f.Max
		if limit == 0 {
			limit = domain.MaxNameLen
			if f.Kind == Text {
				limit = domain.MaxCommentLen
			}
		}
		return domain.CheckText(f.Name, v.String(), limit, f.Required)
	case Choice:
		s := v.String()
		if s == "" && !f.Required {
			return nil
		}
		values := make([]string, 0, len(f.Options))
		for _, o := range f.Options {
			values = append(values, o.Value)
		}
		if !slices.Contains(values, s) {
			return domain.Invalid(f.Name, "%s %q is not one of %s", f.Name, s, strings.Join(values, ", "))
		}
	case Ministry:
		return domain.CheckText(f.Name, v.String(), domain.MaxNameLen, f.Required)
	case Ministries:
		for i := 0; i < v.Len(); i++ {
			if err := domain.CheckText(f.Name, v.Index(i).String(), domain.MaxNameLen, true); err != nil {
				return err
			}
		}
	case Date:
		if t, ok := v.Interface().(time.Time); ok && f.Required && t.IsZero() {
			return domain.Invalid(f.Name, "%s is required: %s", f.Name, f.Help)
		}
	case Attachments:
		if list, ok := v.Interface().([]domain.Attachment); ok {
			return domain.ValidateAttachments(list)
		}
	}
	return nil
}

// fieldByJSON finds the struct field whose JSON name is name.
func fieldByJSON(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}
