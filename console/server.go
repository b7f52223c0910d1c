package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.uber.org/zap"

	"lianxi/actions"
	"lianxi/board"
	"lianxi/console/api"
	"lianxi/console/identity"
	"lianxi/tracing"
)

// Deps are what the server reads and acts through.
type Deps struct {
	// api.Deps are what the API needs; the pages read them too. Board is
	// opened from Ledger when it is nil. Title is the console's own plan
	// titles when nil.
	api.Deps
	// SecureCookies marks session cookies Secure; New sets it when
	// PublicURL is https (a TLS proxy in front of a plain-HTTP console).
	SecureCookies bool
	// PublicURL is the console's address as browsers reach it: its origin
	// is one a sign-in form may be posted from.
	PublicURL string
	Now       func() time.Time
	// Tracing, when set, starts a span for every request (continuing the
	// caller's trace), so a decision's update and ledger write follow it.
	Tracing *tracing.Tracing
	// Ready, when set, is what /healthz reports: nil once Temporal answers
	// queries and updates.
	Ready func(context.Context) error
}

// Server is the HTTP API (package api) and the console.
type Server struct {
	d Deps
	// sessions is nil without Deps.Ledger: then nobody signs in to the
	// console (the API's bearer tokens still work).
	sessions *sessions
	mux      *http.ServeMux
	// handler is mux, traced when Deps.Tracing is set.
	handler http.Handler
	// titles names plans on pages by their titles.
	titles *planTitles
	// api serves the JSON API; the pages reuse its handlers and actions.
	api *api.Handler
	// routes lists every authenticated route with the roles it admits, so
	// the authorization test walks the same table the mux was built from.
	routes []route
}

// route is one authenticated route and the roles that may use it.
type route struct {
	pattern string
	roles   []string
	// action is set for the routes derived from a human action.
	action *actions.Action
}

// rolesFor is who may perform an action, as console roles (api.RolesFor).
func rolesFor(w actions.Who) []string { return api.RolesFor(w) }

// New builds the server and its routes. With a ledger, it migrates the
// tables the console keeps in the ledger's database (its sessions, and the
// board when Deps.Board is nil).
func New(ctx context.Context, d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = zap.NewNop()
	}
	if strings.HasPrefix(strings.ToLower(d.PublicURL), "https://") {
		d.SecureCookies = true
	}
	if d.Ledger != nil && d.Board == nil {
		b, err := board.Open(ctx, d.Ledger)
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		d.Board = b
	}
	if d.Tasks != nil && d.Ledger != nil && (d.Tasks.Board == nil || d.Tasks.Ledger == nil) {
		// Lists come from the board the tasks keep on the ledger, and a
		// task Temporal no longer holds is read from the board and ledger.
		tasks := *d.Tasks
		if tasks.Board == nil {
			tasks.Board, tasks.Now = d.Board, d.Now
		}
		if tasks.Ledger == nil {
			tasks.Ledger = d.Ledger
		}
		d.Tasks = &tasks
	}
	s := &Server{d: d, mux: http.NewServeMux()}
	if d.Ledger != nil && d.Principals != nil {
		store, err := identity.OpenSessions(ctx, d.Ledger, d.Principals.Lookup, identity.SessionTTL, d.Now)
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		s.sessions = &sessions{store: store}
	}
	var readTitles func(context.Context) (map[string]string, error)
	if d.Ledger != nil {
		readTitles = d.Ledger.PlanTitles
	}
	// The titles are cached in wall-clock time, whatever clock tasks are
	// read at.
	s.titles = newPlanTitles(readTitles, time.Now)
	ad := d.Deps
	if ad.Title == nil {
		ad.Title = s.titles.title
	}
	s.api = api.New(ad)
	for _, rt := range s.api.Register(s.mux) {
		s.routes = append(s.routes, route{pattern: rt.Pattern, roles: rt.Roles, action: rt.Action})
	}
	s.healthRoute()
	s.pageRoutes()
	s.handler = s.mux
	if d.Tracing != nil {
		s.handler = otelhttp.NewHandler(s.mux, "lianxi-api",
			otelhttp.WithTracerProvider(d.Tracing.Provider), otelhttp.WithPropagators(d.Tracing.Propagator),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
	}
	return s, nil
}

// ServeHTTP implements http.Handler with the security headers every answer carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	if hasControl(r.URL.Path) || queryHasControl(r.URL) {
		refuseControl(w, r)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// apiError is the API's error (api.Error); a page answers its 403 and
// 404 in words of its own.
type apiError = api.Error

// allRoles admits every signed-in principal.
var allRoles = []string{RoleOffice, RoleMinistry, RoleAuditor}

// healthRoute answers /healthz, unauthenticated, for load balancers.
func (s *Server) healthRoute() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.d.Ready != nil {
			if err := s.d.Ready(r.Context()); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		w.Write([]byte("ok\n"))
	})
}

// Run serves on addr until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
