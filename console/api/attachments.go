package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"lianxi/actions"
	"lianxi/attachments"
	"lianxi/console/identity"
	"lianxi/domain"
	"lianxi/plan"
)

// AttachmentView is the answer to an upload.
type AttachmentView struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Type   string `json:"type"`
}

func viewOf(m attachments.Meta) AttachmentView {
	return AttachmentView{SHA256: m.SHA256, Name: m.Name, Size: m.Size, Type: m.Type}
}

var errNoAttachments = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "attachments are not configured on this server"}

// mayAttach reports whether p may upload for the task: only a ministry on
// it now (attachments go with its joint report or progress report), and
// only while the task is open.
func (h *Handler) mayAttach(r *http.Request, p identity.Principal) error {
	if h.Attachments == nil {
		return errNoAttachments
	}
	st, err := h.Tasks.Status(r.Context(), TaskID(r))
	if err != nil {
		return err
	}
	if !domain.IsOpen(st.Status) {
		return &Error{Status: http.StatusConflict, Code: "conflict", Field: "file",
			Message: "任务状态为「" + domain.StatusNames[st.Status] + "」，不再接收附件 (task " + st.ID + " is " + st.Status + ": it takes no more attachments)"}
	}
	for _, pt := range st.Participants {
		if p.Role == identity.RoleMinistry && pt.ID == p.Ministry {
			return nil
		}
	}
	return ErrForbidden
}

// refusedUpload maps the store's refusals to the API's 4xx answers.
func refusedUpload(err error) error {
	var ref *attachments.Refusal
	if !errors.As(err, &ref) {
		return err
	}
	status := http.StatusBadRequest
	switch ref.Reason {
	case "too_large", "archive", "quota":
		status = http.StatusRequestEntityTooLarge
	case "type", "macro":
		status = http.StatusUnsupportedMediaType
	}
	return &Error{Status: status, Code: "attachment_" + ref.Reason, Message: ref.Message, Field: "file"}
}

// uploadAttachment stores one file (multipart field "file") for the
// task and answers with its hash, for an action's attachments field.
func (h *Handler) uploadAttachment(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if err := h.mayAttach(r, p); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.Attachments.MaxSize()+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return BadRequest("file", "send the file as multipart/form-data in the field \"file\": %v", err)
	}
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return refusedUpload(h.Attachments.TooLarge())
		case err == io.EOF:
			return BadRequest("file", "no file: send it in the multipart field \"file\"")
		case err != nil:
			return BadRequest("file", "cannot read the upload: %v", err)
		}
		if part.FormName() != "file" {
			continue
		}
		m, err := h.Attachments.Put(r.Context(), TaskID(r), p.Name, part.FileName(), part)
		if err != nil {
			return refusedUpload(err)
		}
		WriteJSON(w, http.StatusCreated, viewOf(m))
		return nil
	}
}

// DownloadAttachment sends a file uploaded for the task to those who
// may read the task.
func (h *Handler) DownloadAttachment(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if h.Attachments == nil {
		return errNoAttachments
	}
	st, err := h.Tasks.Status(r.Context(), TaskID(r))
	if err != nil {
		return err
	}
	if err := h.MayRead(r.Context(), p, st); err != nil {
		return err
	}
	f, m, err := h.Attachments.Open(r.Context(), st.ID, r.PathValue("sha256"))
	if errors.Is(err, attachments.ErrNotFound) {
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no attachment " + r.PathValue("sha256") + " on task " + st.ID}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	hd := w.Header()
	hd.Set("Content-Type", m.Type)
	hd.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.Name}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	_, err = io.Copy(w, f)
	return err
}

// MaxForm bounds a console form's body: a plan document, or a decision's
// attachments at their largest, and room for the fields.
func (h *Handler) MaxForm() int64 {
	n := int64(plan.MaxDocumentSize)
	if h.Attachments != nil {
		n = max(n, domain.MaxAttachments*h.Attachments.MaxSize())
	}
	return n + 1<<20
}

// resolveAttachments replaces the hashes in a's attachments fields with
// the files they name, refusing a hash that was not uploaded for the task.
func (h *Handler) resolveAttachments(ctx context.Context, task string, a *actions.Action, v actions.Values) error {
	for _, f := range a.AttachmentFields() {
		hashes := v.List(f.Name)
		if len(hashes) == 0 {
			delete(v, f.Name)
			continue
		}
		if h.Attachments == nil {
			return errNoAttachments
		}
		var list []domain.Attachment
		for _, hash := range hashes {
			m, err := h.Attachments.Get(ctx, task, hash)
			if errors.Is(err, attachments.ErrNotFound) {
				return &actions.FieldError{Field: f.Name, Message: "附件 " + hash + " 未上传到本任务，请先上传 (attachment " + hash + " was not uploaded for this task: upload it first with POST …/attachments)"}
			}
			if err != nil {
				return err
			}
			list = append(list, domain.Attachment{SHA256: m.SHA256, Name: m.Name, Size: m.Size, Type: m.Type})
		}
		v.SetAttachments(f.Name, list)
	}
	return nil
}

// StoreFormFiles stores the files a console form sent in a's attachments
// fields and adds their hashes to v.
func (h *Handler) StoreFormFiles(r *http.Request, p identity.Principal, a *actions.Action, v actions.Values) error {
	fields := a.AttachmentFields()
	if len(fields) == 0 || r.MultipartForm == nil {
		return nil
	}
	for _, f := range fields {
		files := r.MultipartForm.File[f.Name]
		var hashes []string
		for _, fh := range files {
			if fh.Filename == "" && fh.Size == 0 {
				continue // an empty file input
			}
			if err := h.mayAttach(r, p); err != nil {
				return err
			}
			m, err := h.putFormFile(r, p, fh)
			if err != nil {
				return err
			}
			hashes = append(hashes, m.SHA256)
		}
		if len(hashes) > 0 {
			v[f.Name] = append(v.List(f.Name), hashes...)
		}
	}
	return nil
}

func (h *Handler) putFormFile(r *http.Request, p identity.Principal, fh *multipart.FileHeader) (attachments.Meta, error) {
	if fh.Size > h.Attachments.MaxSize() {
		return attachments.Meta{}, h.Attachments.TooLarge()
	}
	file, err := fh.Open()
	if err != nil {
		return attachments.Meta{}, err
	}
	defer file.Close()
	return h.Attachments.Put(r.Context(), TaskID(r), p.Name, fh.Filename, file)
}

// markAttached tells the store that an accepted decision names the files
// of a's attachments fields, so the sweep keeps them. A failure is logged:
// the decision stands, and the file is then kept for the grace period only.
func (h *Handler) markAttached(ctx context.Context, task string, a *actions.Action, v actions.Values) {
	if h.Attachments == nil {
		return
	}
	for _, f := range a.AttachmentFields() {
		var hashes []string
		for _, at := range v.Attachments(f.Name) {
			hashes = append(hashes, at.SHA256)
		}
		if err := h.Attachments.MarkAttached(ctx, task, hashes); err != nil {
			h.Logger.Warn("mark attachments as attached", zap.String("task", task), zap.Error(err))
		}
	}
}
