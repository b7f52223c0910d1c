package console

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"
	"go.uber.org/zap"

	"lianxi/audit"
	"lianxi/ledger"
	"lianxi/plan"
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
		if !slices.Contains(roles, p.Role) {
			writeError(w, errForbidden)
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
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, taskclient.ErrNotFound):
		ae = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	case errors.As(err, &rej):
		ae = &apiError{Status: http.StatusConflict, Code: "conflict", Message: rej.Message, Field: rej.Field}
		switch rej.Type {
		case workflows.ErrTypeInvalid:
			ae.Status, ae.Code = http.StatusBadRequest, "bad_request"
		case workflows.ErrTypeNotParticipant:
			ae.Status, ae.Code = http.StatusForbidden, "forbidden"
		case workflows.ErrTypeLedger:
			ae.Status, ae.Code = http.StatusServiceUnavailable, "ledger_unavailable"
		}
	default:
		s.d.Logger.Error("request failed", zap.Error(err))
		ae = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error; see the server log"}
	}
	writeError(w, ae)
}

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// decodeBody reads a JSON object into v, refusing unknown fields, invalid
// UTF-8 (naming the field) and oversized bodies.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return badRequest("", "cannot read the request body: %v", err)
	}
	if len(body) > maxBody {
		return badRequest("", "request body is larger than %d bytes", maxBody)
	}
	if !utf8.Valid(body) {
		field := fieldAt(body, invalidAt(body))
		return badRequest(field, "%s is not valid UTF-8 text", orBody(field))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return badRequest(te.Field, "%s must be a %s", te.Field, te.Type)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return badRequest(f, "unknown field %q (the acting ministry comes from your token, not the request)", f)
		default:
			return badRequest("", "malformed JSON: %v", err)
		}
	}
	return nil
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
	return workflows.WorkflowID(r.PathValue("plan"), r.PathValue("no"))
}

// canRead reports whether p may read the task with this status.
func canRead(p Principal, st workflows.TaskStatus) bool {
	if p.Role != RoleMinistry {
		return true
	}
	for _, pt := range st.Participants {
		if pt.ID == p.Ministry {
			return true
		}
	}
	for _, rd := range st.Rounds {
		for _, pt := range rd.Participants {
			if pt.ID == p.Ministry {
				return true
			}
		}
	}
	return false
}

func (s *Server) apiGetTask(w http.ResponseWriter, r *http.Request, p Principal) error {
	st, err := s.d.Tasks.Status(r.Context(), taskID(r))
	if err != nil {
		return err
	}
	if !canRead(p, st) {
		return errForbidden
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiListTasks(w http.ResponseWriter, r *http.Request, p Principal) error {
	q := r.URL.Query()
	f := taskclient.Filter{Plan: q.Get("plan"), Status: q.Get("status"), Ministry: q.Get("ministry"), Pending: q.Get("pending") == "1"}
	if p.Role == RoleMinistry {
		if f.Ministry != "" && f.Ministry != p.Ministry {
			return errForbidden
		}
		f.Ministry = p.Ministry
	}
	list, err := s.d.Tasks.List(r.Context(), f)
	if err != nil {
		return err
	}
	taskclient.SortForDashboard(list)
	if list == nil {
		list = []taskclient.Summary{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// update decodes nothing; it sends arg as name on the task and answers
// with the receipt.
func (s *Server) update(w http.ResponseWriter, r *http.Request, name, requestID string, arg any) error {
	rec, err := s.d.Tasks.Update(r.Context(), taskID(r), name, requestID, arg)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

type signOffBody struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Report    string `json:"report"`
	Signer    string `json:"signer"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiSignOff(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b signOffBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateSignOff, b.RequestID, workflows.SignOffRequest{
		Ministry: p.Ministry, Signer: b.Signer, Decision: b.Decision, Comment: b.Comment, Report: b.Report})
}

type progressBody struct {
	Text      string `json:"text"`
	Author    string `json:"author"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiProgress(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b progressBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateReportProgress, b.RequestID, workflows.ProgressRequest{Ministry: p.Ministry, Author: b.Author, Text: b.Text})
}

type extensionRequestBody struct {
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason"`
	RequestID string    `json:"request_id"`
}

func (s *Server) apiExtensionRequest(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b extensionRequestBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateRequestExtension, b.RequestID, workflows.ExtensionRequest{Ministry: p.Ministry, Until: b.Until, Reason: b.Reason})
}

type reviewBody struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Reviewer  string `json:"reviewer"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b reviewBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateReview, b.RequestID, workflows.ReviewRequest{Reviewer: b.Reviewer, Decision: b.Decision, Comment: b.Comment})
}

type extensionDecisionBody struct {
	Decision  string `json:"decision"`
	Comment   string `json:"comment"`
	Decider   string `json:"decider"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiExtensionDecision(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b extensionDecisionBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateDecideExtension, b.RequestID, workflows.ExtensionDecision{Decider: b.Decider, Decision: b.Decision, Comment: b.Comment})
}

type amendBody struct {
	Add        []string  `json:"add"`
	Remove     []string  `json:"remove"`
	Lead       string    `json:"lead"`
	SignOffDue time.Time `json:"sign_off_due"`
	ReviewDue  time.Time `json:"review_due"`
	Reason     string    `json:"reason"`
	RequestID  string    `json:"request_id"`
}

func (s *Server) apiAmend(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b amendBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	for _, id := range append(append([]string{}, b.Add...), b.Lead) {
		if _, ok := s.d.Registry.ByID(id); id != "" && !ok {
			return badRequest("add", "ministry %q is not in the registry", id)
		}
	}
	return s.update(w, r, workflows.UpdateAmend, b.RequestID, workflows.AmendRequest{
		Add: b.Add, Remove: b.Remove, Lead: b.Lead, SignOffDue: b.SignOffDue, ReviewDue: b.ReviewDue, Reason: b.Reason})
}

type cancelBody struct {
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
}

func (s *Server) apiCancel(w http.ResponseWriter, r *http.Request, _ Principal) error {
	var b cancelBody
	if err := decodeBody(r, &b); err != nil {
		return err
	}
	return s.update(w, r, workflows.UpdateCancel, b.RequestID, workflows.CancelRequest{Reason: b.Reason})
}

// PlanPreview is the dry-run answer to a plan upload.
type PlanPreview struct {
	*plan.Plan
	DryRun bool `json:"dry_run"`
}

// LaunchResult is the answer to a plan launch.
type LaunchResult struct {
	PlanID string `json:"plan_id"`
	starter.Report
}

// loadPlan reads an uploaded document or structured plan.
func (s *Server) loadPlan(data []byte, planID string, allowUnknown bool) (*plan.Plan, error) {
	if len(data) == 0 {
		return nil, badRequest("file", "the plan is empty")
	}
	p, err := plan.Load(data, plan.Options{PlanID: planID, AllowUnknown: allowUnknown, Registry: s.d.Registry})
	if err != nil {
		return nil, badRequest("file", "%v", err)
	}
	if p.PlanID == "" {
		return nil, badRequest("plan_id", "plan_id is required for a document (?plan_id=…)")
	}
	return p, nil
}

func (s *Server) launch(r *http.Request, p *plan.Plan) (LaunchResult, error) {
	rep, err := starter.Launch(r.Context(), s.d.Tasks.C, starter.Specs(p, s.d.Defaults), starter.Options{})
	return LaunchResult{PlanID: p.PlanID, Report: rep}, err
}

func (s *Server) apiUploadPlan(w http.ResponseWriter, r *http.Request, _ Principal) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, plan.MaxDocumentSize+1))
	if err != nil {
		return badRequest("file", "cannot read the upload: %v", err)
	}
	q := r.URL.Query()
	p, err := s.loadPlan(data, q.Get("plan_id"), q.Get("allow_unknown") == "1")
	if err != nil {
		return err
	}
	if q.Get("dry_run") == "1" {
		writeJSON(w, http.StatusOK, PlanPreview{Plan: p, DryRun: true})
		return nil
	}
	res, err := s.launch(r, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request, _ Principal) error {
	res, err := ledger.Verify(r.Context(), s.d.Ledger)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// apiHistory answers with the task's history in the Temporal CLI's JSON
// format (the latest run).
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, _ Principal) error {
	h, err := audit.Fetch(r.Context(), s.d.Tasks.C, audit.Run{WorkflowID: taskID(r)})
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return fmt.Errorf("%w: %s", taskclient.ErrNotFound, taskID(r))
	case err != nil:
		return err
	}
	b, err := audit.Marshal(h)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, audit.FileName(audit.Run{WorkflowID: taskID(r), RunID: "latest"})))
	_, err = w.Write(b)
	return err
}

func (s *Server) apiNotifications(w http.ResponseWriter, r *http.Request, p Principal) error {
	who := p.Ministry
	switch p.Role {
	case RoleOffice:
		who = "office"
	case RoleAuditor:
		return errForbidden
	}
	msgs, err := s.d.Outbox.Inbox(r.Context(), who, 100)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, msgs)
	return nil
}
