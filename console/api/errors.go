package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"lianxi/actions"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/workflows"
)

// Error is the JSON error every API failure answers with, as
// {"error": {"code", "message", "field"}}; Status is its HTTP status.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error is the message.
func (e *Error) Error() string { return e.Message }

// BadRequest is a 400 naming the field at fault (none when empty).
func BadRequest(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrForbidden answers a principal that may not read or do what it asked.
var ErrForbidden = &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "this principal may not do that"}

// WriteJSON answers v as JSON with status, HTML characters unescaped.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError answers e in the API's error shape.
func WriteError(w http.ResponseWriter, e *Error) {
	WriteJSON(w, e.Status, map[string]*Error{"error": e})
}

// writeErr maps domain errors to HTTP answers.
func (h *Handler) writeErr(w http.ResponseWriter, err error) {
	var ae *Error
	var rej *taskclient.Rejection
	var fe *actions.FieldError
	var invalid *starter.InvalidPlanError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &fe):
		ae = BadRequest(fe.Field, "%s", fe.Message)
	case errors.As(err, &invalid):
		ae = BadRequest("file", "%s", invalid.Error())
	case errors.Is(err, taskclient.ErrNotFound):
		ae = &Error{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.As(err, &rej):
		ae = &Error{Status: http.StatusConflict, Code: "conflict", Message: rej.Message, Field: rej.Field}
		switch rej.Type {
		case domain.ErrTypeInvalid:
			ae.Status, ae.Code = http.StatusBadRequest, "bad_request"
		case domain.ErrTypeNotParticipant:
			ae.Status, ae.Code = http.StatusForbidden, "forbidden"
		case workflows.ErrTypeLedger, taskclient.ErrTypeNoAnswer:
			ae.Status, ae.Code = http.StatusServiceUnavailable, "ledger_unavailable"
		case door.ErrTypeUnauthorized:
			ae.Status, ae.Code = http.StatusForbidden, "forbidden"
		}
	default:
		h.Logger.Error("request failed", zap.Error(err))
		ae = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the server log"}
	}
	WriteError(w, ae)
}
