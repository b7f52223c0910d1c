package api

import (
	"lianxi/console/identity"
	"net/http"
)

// checkpoint answers with the ledger's newest signed checkpoint, as the
// signed note itself (text/plain), so anyone holding a token can keep a
// copy away from the office: what the office signed, it cannot later deny
// or quietly cut. The note is handed out as stored; the reader checks it
// with the log's public key (`lianxi audit verify --checkpoints FILE`).
func (h *Handler) checkpoint(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	signed, ok, err := h.Ledger.LatestSignedCheckpoint(r.Context())
	if err != nil {
		return err
	}
	if !ok {
		return &Error{Status: http.StatusNotFound, Code: "no_checkpoint", Message: "the ledger has signed no checkpoint yet"}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(signed)
	return err
}
