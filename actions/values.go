package actions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"lianxi/domain"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Values are an action's parsed fields.
type Values map[string]any

// Str returns a text or choice field, trimmed of surrounding blanks when it
// is a one-line value.
func (v Values) Str(name string) string { s, _ := v[name].(string); return s }

// Time returns a date field; the zero time when it was not given.
func (v Values) Time(name string) time.Time { t, _ := v[name].(time.Time); return t }

// List returns a list field.
func (v Values) List(name string) []string { l, _ := v[name].([]string); return l }

// Attachments returns an attachments field once the server has resolved
// its hashes (SetAttachments); nil before.
func (v Values) Attachments(name string) []domain.Attachment {
	l, _ := v[name].([]domain.Attachment)
	return l
}

// SetAttachments replaces an attachments field's hashes with the files
// they name.
func (v Values) SetAttachments(name string, list []domain.Attachment) { v[name] = list }

// FieldError is input that could not be parsed, with the field at fault
// ("" for the request as a whole).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// RequestIDField is the field every action takes besides its own: the
// caller's idempotency key.
const RequestIDField = "request_id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// CheckRequestID accepts an empty ID (one is made up) or 1–100 letters,
// digits, dots, dashes and underscores.
func CheckRequestID(id string) error {
	if id != "" && !requestIDPattern.MatchString(id) {
		return fieldErr(RequestIDField, "request_id must be 1–100 letters, digits, '.', '-' or '_'")
	}
	return nil
}

// UpdateID is the Temporal update ID for a request: the request ID scoped to
// the principal and the action, so the same request ID sent by another
// ministry, or for another action, is a separate decision and never
// answered with someone else's receipt. An empty request ID gets a fresh one.
func UpdateID(principal, action, requestID string) string {
	if requestID == "" {
		requestID = uuid.NewString()
	}
	return principal + ":" + action + ":" + requestID
}

// ParseJSON reads an API request body: a JSON object with the action's
// fields and optionally request_id. Unknown keys (a "ministry" among them:
// the acting ministry comes from the token) are refused by name.
func (a *Action) ParseJSON(body []byte) (Values, string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, "", fieldErr("", "malformed JSON: %v", err)
	}
	if raw == nil {
		return nil, "", fieldErr("", "the body must be a JSON object")
	}
	var requestID string
	if r, ok := raw[RequestIDField]; ok {
		if err := json.Unmarshal(r, &requestID); err != nil {
			return nil, "", fieldErr(RequestIDField, "request_id must be a string")
		}
		delete(raw, RequestIDField)
	}
	if err := CheckRequestID(requestID); err != nil {
		return nil, "", err
	}
	v := Values{}
	for key, r := range raw {
		f, ok := a.Field(key)
		if !ok {
			return nil, "", fieldErr(key, "unknown field %q for %s (the acting ministry comes from your token, not the request)", key, a.Name)
		}
		val, err := f.fromJSON(r)
		if err != nil {
			return nil, "", err
		}
		v[key] = val
	}
	return v, requestID, nil
}

func (f Field) fromJSON(r json.RawMessage) (any, error) {
	if string(r) == "null" {
		return nil, nil
	}
	switch f.Kind {
	case Ministries:
		var l []string
		if err := json.Unmarshal(r, &l); err != nil {
			return nil, fieldErr(f.Name, "%s must be a list of ministry IDs", f.Name)
		}
		return l, nil
	case Attachments:
		var l []string
		if err := json.Unmarshal(r, &l); err != nil {
			return nil, fieldErr(f.Name, "%s must be a list of SHA-256 hashes of files uploaded for the task (POST …/attachments)", f.Name)
		}
		return l, nil
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return nil, fieldErr(f.Name, "%s must be a string", f.Name)
	}
	return f.fromText(s)
}

// ParseForm reads a console form (or any string source): get returns a
// field's submitted value.
func (a *Action) ParseForm(get func(string) string) (Values, string, error) {
	requestID := strings.TrimSpace(get(RequestIDField))
	if err := CheckRequestID(requestID); err != nil {
		return nil, "", err
	}
	v := Values{}
	for _, f := range a.Fields {
		s := get(f.Name)
		if f.Kind == Ministries || f.Kind == Attachments {
			if l := SplitIDs(s); len(l) > 0 {
				v[f.Name] = l
			}
			continue
		}
		val, err := f.fromText(s)
		if err != nil {
			return nil, "", err
		}
		v[f.Name] = val
	}
	return v, requestID, nil
}

// fromText converts one submitted string to the field's type.
func (f Field) fromText(s string) (any, error) {
	switch f.Kind {
	case Date:
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, nil
		}
		for _, layout := range []string{time.RFC3339, "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return nil, fieldErr(f.Name, "%s %q is not a date: write YYYY-MM-DD or an RFC 3339 time", f.Name, s)
	case Ministries:
		return SplitIDs(s), nil
	case Line, Choice, Ministry:
		return strings.TrimSpace(s), nil
	}
	return s, nil
}

// SplitIDs splits ministry IDs written with commas (ASCII or Chinese),
// enumeration commas or spaces.
func SplitIDs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' })
}
