package api

import (
	"lianxi/console/identity"
	"net/http"
)

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	who := RecipientOf(p)
	if who == "" {
		return ErrForbidden
	}
	msgs, err := h.Outbox.Inbox(r.Context(), who, 100)
	if err != nil {
		return err
	}
	WriteJSON(w, http.StatusOK, msgs)
	return nil
}
