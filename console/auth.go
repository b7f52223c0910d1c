// Package console serves the web console and mounts the JSON API (package
// api) beside its pages on one mux. Every request acts as one principal —
// the office, a ministry, or an auditor — known by a bearer token (API) or
// a session made from one (console); who holds
// which token, and the sessions, are package identity's. The acting
// ministry always comes from the principal, never from the request.
package console

import "lianxi/console/identity"

// Principal is who a request acts as (identity.Principal), under the name
// the pages' views carry it by.
type Principal = identity.Principal

// Roles of a principal, as the routes name the ones they admit.
const (
	RoleOffice   = identity.RoleOffice
	RoleMinistry = identity.RoleMinistry
	RoleAuditor  = identity.RoleAuditor
)
