// Package api serves the JSON API under /api: every route acts as the
// principal its bearer token names, answers JSON (or the file asked for),
// and fails with the one JSON error shape, Error. The console's pages
// reuse its handlers for what they send as files (workbooks, documents,
// attachments, histories) and its methods for what they do (Act, Launch),
// with the session's principal; package api knows nothing of pages.
package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"go.uber.org/zap"

	"lianxi/actions"
	"lianxi/attachments"
	"lianxi/board"
	"lianxi/config"
	"lianxi/console/identity"
	"lianxi/cycles"
	"lianxi/domain"
	"lianxi/ledger"
	"lianxi/notify"
	"lianxi/plan"
	"lianxi/taskclient"
)

// Deps are what the API reads and acts through; the console fills them
// from its own.
type Deps struct {
	Tasks  *taskclient.Client
	Ledger *ledger.SQLStore
	// Board is the tasks' read model; a launch records new tasks on it.
	Board      *board.Store
	Outbox     *notify.Outbox
	Principals *identity.Principals
	Registry   *plan.Registry
	// Attachments keeps files attached to joint and progress reports; the
	// attachment routes answer 503 without it.
	Attachments *attachments.Store
	Defaults    config.TaskDefaults
	Logger      *zap.Logger
	// LedgerKey is the ledger's public (verifier) key; the proof routes
	// answer 404 without it.
	LedgerKey string
	// Cycles are the plans' reporting cycles; the cycle routes answer 503
	// without them.
	Cycles *cycles.Cycles
	// Title names a plan by its title, for the files the reports send;
	// the plan's ID when it is nil.
	Title func(ctx context.Context, planID string) string
}

// Handler serves the API's routes. Its Deps are read on every request.
type Handler struct {
	Deps
}

// New builds the handler; a nil Logger logs nothing.
func New(d Deps) *Handler {
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if d.Title == nil {
		d.Title = func(_ context.Context, planID string) string { return planID }
	}
	return &Handler{Deps: d}
}

// Route is one authenticated route and the roles that may use it.
type Route struct {
	Pattern string
	Roles   []string
	// Action is set for the routes derived from a human action.
	Action *actions.Action
}

// RolesFor is who may perform an action, as principals' roles.
func RolesFor(w actions.Who) []string {
	switch w {
	case actions.Office:
		return []string{identity.RoleOffice}
	case actions.Participant:
		return []string{identity.RoleMinistry}
	}
	return nil
}

// allRoles admits every principal.
var allRoles = []string{identity.RoleOffice, identity.RoleMinistry, identity.RoleAuditor}

// handlerFunc is a route's handler, called with the authenticated principal;
// the error it returns is answered as JSON (see writeErr).
type handlerFunc func(w http.ResponseWriter, r *http.Request, p identity.Principal) error

// Register adds the API's routes to mux and lists them with the roles
// each admits, so an authorization test can walk the same table.
func (h *Handler) Register(mux *http.ServeMux) []Route {
	var routes []Route
	api := func(pattern string, f handlerFunc, roles ...string) {
		routes = append(routes, Route{Pattern: pattern, Roles: roles})
		mux.Handle(pattern, h.auth(f, roles...))
	}
	api("POST /api/plans", h.uploadPlan, identity.RoleOffice)
	api("GET /api/tasks", h.listTasks, allRoles...)
	api("GET /api/plans/{plan}/tasks/{no}", h.getTask, allRoles...)
	api("GET /api/plans/{plan}/tasks/{no}/records", h.taskRecords, allRoles...)
	api("POST /api/plans/{plan}/tasks/{no}/attachments", h.uploadAttachment, identity.RoleMinistry)
	api("GET /api/plans/{plan}/tasks/{no}/attachments/{sha256}", h.DownloadAttachment, allRoles...)
	for _, a := range actions.All() {
		pattern := "POST /api/plans/{plan}/tasks/{no}/" + a.Path
		routes = append(routes, Route{Pattern: pattern, Roles: RolesFor(a.Who), Action: a})
		mux.Handle(pattern, h.auth(h.action(a), RolesFor(a.Who)...))
	}
	api("GET /api/audit/verify", h.verify, identity.RoleAuditor, identity.RoleOffice)
	api("GET /api/ledger/checkpoint", h.checkpoint, allRoles...)
	api("GET /api/ledger/proof", h.inclusionProof, allRoles...)
	api("GET /api/ledger/consistency", h.consistencyProof, identity.RoleOffice, identity.RoleAuditor)
	api("GET /api/plans/{plan}/tasks/{no}/history", h.History, identity.RoleAuditor, identity.RoleOffice)
	api("GET /api/stats", h.stats, identity.RoleOffice, identity.RoleAuditor)
	api("GET /api/plans/{plan}/export.xlsx", h.Export, identity.RoleOffice, identity.RoleAuditor)
	api("GET /api/notifications", h.notifications, allRoles...)
	h.cycleRoutes(api)
	return routes
}

// auth authenticates the bearer token and checks the role.
func (h *Handler) auth(f handlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := Bearer(h.Principals, r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="lianxi"`)
			WriteError(w, &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "missing or unknown bearer token"})
			return
		}
		if len(roles) == 0 || !slices.Contains(roles, p.Role) {
			WriteError(w, &Error{Status: http.StatusForbidden, Code: "forbidden",
				Message: p.Name + " may not do this: it is for the role " + strings.Join(roles, " or ")})
			return
		}
		if err := f(w, r, p); err != nil {
			h.writeErr(w, err)
		}
	})
}

// Bearer finds the principal of the request's bearer token.
func Bearer(principals *identity.Principals, r *http.Request) (identity.Principal, bool) {
	// The scheme's name is case-insensitive (RFC 9110, section 11.1).
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return identity.Principal{}, false
	}
	return principals.Authenticate(strings.TrimSpace(token))
}

// RecipientOf is the outbox recipient whose notifications p reads; the
// auditor receives none.
func RecipientOf(p identity.Principal) string {
	switch p.Role {
	case identity.RoleMinistry:
		return p.Ministry
	case identity.RoleOffice:
		return domain.Office
	}
	return ""
}

// TaskID is the workflow ID of the task the request's path names.
func TaskID(r *http.Request) string {
	return domain.WorkflowID(r.PathValue("plan"), r.PathValue("no"))
}

// ministryName is a ministry's Chinese short name (notify.Name).
func (h *Handler) ministryName(id string) string { return notify.Name(h.Registry, id) }
