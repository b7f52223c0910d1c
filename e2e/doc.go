// Package e2e holds end-to-end tests that run lianxi against a real
// in-process Temporal server, real workers and a real ledger.
package e2e
