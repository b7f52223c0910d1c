package api

import (
	"net/http"
	"strconv"

	"lianxi/console/identity"
	"lianxi/ledger"
)

// inclusionProof answers GET /api/ledger/proof?seq=N[&size=M]: the
// inclusion proof of record N against the signed checkpoint of size M (the
// newest when M is not given), which a ministry keeps beside its receipt
// and checks offline with `lianxi audit prove --receipt FILE`. A ministry
// may have proofs of its own decisions only (a proof carries the record);
// the office and the auditor of any record.
func (h *Handler) inclusionProof(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	seq, err := positive(r, "seq", true)
	if err != nil {
		return err
	}
	cp, err := h.checkpointFor(r, "size")
	if err != nil {
		return err
	}
	proof, err := h.Ledger.ProveInclusion(r.Context(), seq, cp)
	if err != nil {
		return &Error{Status: http.StatusConflict, Code: "no_proof", Field: "seq", Message: err.Error()}
	}
	if p.Role == identity.RoleMinistry && proof.Record.Ministry != p.Ministry {
		return &Error{Status: http.StatusForbidden, Code: "forbidden",
			Message: "a ministry may have inclusion proofs of its own decisions only"}
	}
	WriteJSON(w, http.StatusOK, proof)
	return nil
}

// consistencyProof answers GET /api/ledger/consistency?from=A&to=B: the
// proof that the signed checkpoint of size B still holds, unchanged, every
// record the one of size A signed.
func (h *Handler) consistencyProof(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	older, err := h.checkpointFor(r, "from")
	if err != nil {
		return err
	}
	newer, err := h.checkpointFor(r, "to")
	if err != nil {
		return err
	}
	proof, err := h.Ledger.ProveConsistency(r.Context(), older, newer)
	if err != nil {
		return &Error{Status: http.StatusConflict, Code: "no_proof", Message: err.Error()}
	}
	WriteJSON(w, http.StatusOK, proof)
	return nil
}

// checkpointFor is the signed checkpoint whose size the query parameter
// name gives, or the newest when it is absent.
func (h *Handler) checkpointFor(r *http.Request, name string) (ledger.Checkpoint, error) {
	if h.LedgerKey == "" {
		return ledger.Checkpoint{}, &Error{Status: http.StatusNotFound, Code: "no_checkpoint",
			Message: "this server does not know the ledger's public key (" + ledger.PublicKeyFile + " in its data folder), so it hands out no proofs"}
	}
	size, err := positive(r, name, false)
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	var cp ledger.Checkpoint
	var ok bool
	if size == 0 {
		cp, ok, err = h.Ledger.LatestCheckpoint(r.Context(), h.LedgerKey)
	} else {
		cp, ok, err = h.Ledger.CheckpointAt(r.Context(), h.LedgerKey, uint64(size))
	}
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	if !ok {
		return ledger.Checkpoint{}, &Error{Status: http.StatusNotFound, Code: "no_checkpoint", Field: name,
			Message: "the ledger has signed no checkpoint of that size; GET /api/ledger/checkpoint gives the newest"}
	}
	return cp, nil
}

// positive reads a positive integer query parameter; 0 when it is absent
// and not required.
func positive(r *http.Request, name string, required bool) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" && !required {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, &Error{Status: http.StatusBadRequest, Code: "invalid", Field: name,
			Message: name + " must be a positive whole number (a record's sequence number or a checkpoint's size)"}
	}
	return n, nil
}
