package api

import (
	"errors"
	"fmt"
	"lianxi/audit"
	"lianxi/console/identity"
	"lianxi/ledger"
	"lianxi/taskclient"
	"net/http"

	"go.temporal.io/api/serviceerror"
)

func (h *Handler) verify(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	res, err := ledger.Verify(r.Context(), h.Ledger)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, res)
	return nil
}

// History answers with the task's history in the Temporal CLI's JSON
// format (the latest run).
func (h *Handler) History(w http.ResponseWriter, r *http.Request, _ identity.Principal) error {
	hist, err := audit.Fetch(r.Context(), h.Tasks.C, audit.Run{WorkflowID: TaskID(r)})
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		if _, src, err := h.Tasks.Read(r.Context(), TaskID(r)); err == nil && src == taskclient.SourceLedger {
			return &Error{Status: http.StatusNotFound, Code: "history_gone", Message: fmt.Sprintf(
				"Temporal no longer keeps the workflow history of %s (retention removed it); its decisions are on the ledger: GET %s/records", TaskID(r), r.URL.Path[:len(r.URL.Path)-len("/history")])}
		}
		return fmt.Errorf("%w: %s", taskclient.ErrNotFound, TaskID(r))
	case err != nil:
		return err
	}
	b, err := audit.Marshal(hist)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, audit.FileName(audit.Run{WorkflowID: TaskID(r), RunID: "latest"})))
	_, err = w.Write(b)
	return err
}
