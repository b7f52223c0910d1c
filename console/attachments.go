package console

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
	"lianxi/domain"
	"lianxi/plan"
)

// attachmentView is the answer to an upload.
type attachmentView struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Type   string `json:"type"`
}

func viewOf(m attachments.Meta) attachmentView {
	return attachmentView{SHA256: m.SHA256, Name: m.Name, Size: m.Size, Type: m.Type}
}

var errNoAttachments = &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "attachments are not configured on this server"}

// mayAttach reports whether p may upload for the task: only a ministry on
// it now (attachments go with its joint report or progress report), and
// only while the task is open.
func (s *Server) mayAttach(r *http.Request, p Principal) error {
	if s.d.Attachments == nil {
		return errNoAttachments
	}
	st, err := s.d.Tasks.Status(r.Context(), taskID(r))
	if err != nil {
		return err
	}
	if !domain.IsOpen(st.Status) {
		return &apiError{Status: http.StatusConflict, Code: "conflict", Field: "file",
			Message: "任务状态为「" + domain.StatusNames[st.Status] + "」，不再接收附件 (task " + st.ID + " is " + st.Status + ": it takes no more attachments)"}
	}
	for _, pt := range st.Participants {
		if p.Role == RoleMinistry && pt.ID == p.Ministry {
			return nil
		}
	}
	return errForbidden
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
	return &apiError{Status: status, Code: "attachment_" + ref.Reason, Message: ref.Message, Field: "file"}
}

// apiUploadAttachment stores one file (multipart field "file") for the
// task and answers with its hash, for an action's attachments field.
func (s *Server) apiUploadAttachment(w http.ResponseWriter, r *http.Request, p Principal) error {
	if err := s.mayAttach(r, p); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.d.Attachments.MaxSize()+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("file", "send the file as multipart/form-data in the field \"file\": %v", err)
	}
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return refusedUpload(s.d.Attachments.TooLarge())
		case err == io.EOF:
			return badRequest("file", "no file: send it in the multipart field \"file\"")
		case err != nil:
			return badRequest("file", "cannot read the upload: %v", err)
		}
		if part.FormName() != "file" {
			continue
		}
		m, err := s.d.Attachments.Put(r.Context(), taskID(r), p.Name, part.FileName(), part)
		if err != nil {
			return refusedUpload(err)
		}
		writeJSON(w, http.StatusCreated, viewOf(m))
		return nil
	}
}

// apiDownloadAttachment sends a file uploaded for the task to those who
// may read the task.
func (s *Server) apiDownloadAttachment(w http.ResponseWriter, r *http.Request, p Principal) error {
	if s.d.Attachments == nil {
		return errNoAttachments
	}
	st, err := s.d.Tasks.Status(r.Context(), taskID(r))
	if err != nil {
		return err
	}
	if err := s.mayRead(r.Context(), p, st); err != nil {
		return err
	}
	f, m, err := s.d.Attachments.Open(r.Context(), st.ID, r.PathValue("sha256"))
	if errors.Is(err, attachments.ErrNotFound) {
		return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no attachment " + r.PathValue("sha256") + " on task " + st.ID}
	}
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", m.Type)
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	_, err = io.Copy(w, f)
	return err
}

// maxForm bounds a console form's body: a plan document, or a decision's
// attachments at their largest, and room for the fields.
func (s *Server) maxForm() int64 {
	n := int64(plan.MaxDocumentSize)
	if s.d.Attachments != nil {
		n = max(n, domain.MaxAttachments*s.d.Attachments.MaxSize())
	}
	return n + 1<<20
}

// resolveAttachments replaces the hashes in a's attachments fields with
// the files they name, refusing a hash that was not uploaded for the task.
func (s *Server) resolveAttachments(ctx context.Context, task string, a *actions.Action, v actions.Values) error {
	for _, f := range a.AttachmentFields() {
		hashes := v.List(f.Name)
		if len(hashes) == 0 {
			delete(v, f.Name)
			continue
		}
		if s.d.Attachments == nil {
			return errNoAttachments
		}
		var list []domain.Attachment
		for _, h := range hashes {
			m, err := s.d.Attachments.Get(ctx, task, h)
			if errors.Is(err, attachments.ErrNotFound) {
				return &actions.FieldError{Field: f.Name, Message: "附件 " + h + " 未上传到本任务，请先上传 (attachment " + h + " was not uploaded for this task: upload it first with POST …/attachments)"}
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

// storeFormFiles stores the files a console form sent in a's attachments
// fields and adds their hashes to v.
func (s *Server) storeFormFiles(r *http.Request, p Principal, a *actions.Action, v actions.Values) error {
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
			if err := s.mayAttach(r, p); err != nil {
				return err
			}
			m, err := s.putFormFile(r, p, fh)
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

func (s *Server) putFormFile(r *http.Request, p Principal, fh *multipart.FileHeader) (attachments.Meta, error) {
	if fh.Size > s.d.Attachments.MaxSize() {
		return attachments.Meta{}, s.d.Attachments.TooLarge()
	}
	file, err := fh.Open()
	if err != nil {
		return attachments.Meta{}, err
	}
	defer file.Close()
	return s.d.Attachments.Put(r.Context(), taskID(r), p.Name, fh.Filename, file)
}

// markAttached tells the store that an accepted decision names the files
// of a's attachments fields, so the sweep keeps them. A failure is logged:
// the decision stands, and the file is then kept for the grace period only.
func (s *Server) markAttached(ctx context.Context, task string, a *actions.Action, v actions.Values) {
	if s.d.Attachments == nil {
		return
	}
	for _, f := range a.AttachmentFields() {
		var hashes []string
		for _, at := range v.Attachments(f.Name) {
			hashes = append(hashes, at.SHA256)
		}
		if err := s.d.Attachments.MarkAttached(ctx, task, hashes); err != nil {
			s.d.Logger.Warn("mark attachments as attached", zap.String("task", task), zap.Error(err))
		}
	}
}
