package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"lianxi/actions"
	"lianxi/domain"
	"lianxi/door"
	"lianxi/ledger"
	"lianxi/starter"
	"lianxi/taskclient"
	"lianxi/workflows"
)

// apiError is the JSON error every API failure answers with.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func badRequest(field, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf(format, args...), Field: field}
}

var errForbidden = &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "this principal may not do that"}

type apiHandler func(w http.ResponseWriter, r *http.Request, p Principal) error

// apiAuth authenticates the bearer token and checks the role.
func (s *Server) apiAuth(h apiHandler, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.principalFromBearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lianxi"`)
			writeError(w, &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "missing or unknown bearer token"})
			return
		}
		if len(roles) == 0 || !slices.Contains(roles, p.Role) {
			writeError(w, &apiError{Status: http.StatusForbidden, Code: "forbidden",
				Message: fmt.Sprintf("%s may not do this: it is for the role %s", p.Name, strings.Join(roles, " or "))})
			return
		}
		if err := h(w, r, p); err != nil {
			s.writeErr(w, err)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.Status, map[string]*apiError{"error": e})
}

// writeErr maps domain errors to HTTP answers.
func (s *Server) writeErr(w http.ResponseWriter, err error) {
	var ae *apiError
	var rej *taskclient.Rejection
	var fe *actions.FieldError
	var invalid *starter.InvalidPlanError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &fe):
		ae = badRequest(fe.Field, "%s", fe.Message)
	case errors.As(err, &invalid):
		ae = badRequest("file", "%s", invalid.Error())
	case errors.Is(err, taskclient.ErrNotFound):
		ae = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.As(err, &rej):
		ae = &apiError{Status: http.StatusConflict, Code: "conflict", Message: rej.Message, Field: rej.Field}
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
		s.d.Logger.Error("request failed", zap.Error(err))
		ae = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the server log"}
	}
	writeError(w, ae)
}

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// readBody reads a JSON request body, refusing oversized bodies and invalid
// UTF-8 (naming the field it is in).
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badRequest("", "cannot read the request body: %v", err)
	}
	if len(body) > maxBody {
		return nil, badRequest("", "request body is larger than %d bytes", maxBody)
	}
	if !utf8.Valid(body) {
		field := fieldAt(body, invalidAt(body))
		return nil, badRequest(field, "%s is not valid UTF-8 text", orBody(field))
	}
	return body, nil
}

// invalidAt is the offset of the first byte that is not valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

var keyBefore = regexp.MustCompile(`"([A-Za-z_]+)"\s*:\s*"[^"]*$`)

// fieldAt names the JSON key whose string value contains offset.
func fieldAt(body []byte, offset int) string {
	if m := keyBefore.FindSubmatch(body[:offset]); m != nil {
		return string(m[1])
	}
	return ""
}

func orBody(field string) string {
	if field == "" {
		return "the request body"
	}
	return field
}

func taskID(r *http.Request) string {
	return domain.WorkflowID(r.PathValue("plan"), r.PathValue("no"))
}

// mayRead answers nil when p may read the task, errForbidden when not:
// the office and auditors any task, a ministry a task it is on or ever was
// on. The status's rounds
// are bounded, so a ministry removed before them is found on the ledger,
// which names every body a task ever had.
func (s *Server) mayRead(ctx context.Context, p Principal, st domain.TaskStatus) error {
	if p.Role != RoleMinistry || domain.StatusShows(st, p.Ministry) {
		return nil
	}
	found := false
	err := s.d.Ledger.ScanWorkflow(ctx, st.ID, func(rec ledger.Record) error {
		if !found && domain.RecordNames(rec.Kind, rec.Ministry, rec.Payload, p.Ministry) {
			found = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return errForbidden
	}
	return nil
}
