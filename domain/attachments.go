package domain

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Attachment is a file attached to a joint report or a progress report. The
// console stores the file by its SHA-256 and checks, before it sends the
// update, that the hash was uploaded for this task; the workflow records
// the hash, name, size and type on the ledger with the decision.
type Attachment struct {
	SHA256 string `json:"sha256"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	Type   string `json:"type,omitempty"`
}

// PayloadAttachments is the ledger payload key that holds a decision's
// attachments, as a JSON list of Attachment.
const PayloadAttachments = "attachments"

// MaxAttachments bounds the attachments of one decision.
const MaxAttachments = 10

// maxAttachmentName bounds an attachment's file name, in characters.
const maxAttachmentName = 200

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// AttachmentsField is the ledger payload value for a decision's
// attachments: "" (no key) when there are none, so decisions without
// attachments are recorded exactly as before they existed. It writes the
// JSON that encoding/json would, by hand: workflow code keeps clear of
// reflection.
func AttachmentsField(list []Attachment) string {
	if len(list) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, a := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"sha256":`)
		jsonString(&b, a.SHA256)
		b.WriteString(`,"name":`)
		jsonString(&b, a.Name)
		b.WriteString(`,"size":`)
		b.WriteString(strconv.FormatInt(a.Size, 10))
		if a.Type != "" {
			b.WriteString(`,"type":`)
			jsonString(&b, a.Type)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

// jsonString writes s as a JSON string.
func jsonString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xF])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// ParseAttachments reads a ledger payload's attachments value; nil when
// there are none or the value does not read.
func ParseAttachments(payload map[string]string) []Attachment {
	v := payload[PayloadAttachments]
	if v == "" {
		return nil
	}
	var list []Attachment
	if json.Unmarshal([]byte(v), &list) != nil {
		return nil
	}
	return list
}

// ValidateAttachments checks the shape of a request's attachments: the
// console has checked the files themselves.
func ValidateAttachments(list []Attachment) error {
	if len(list) > MaxAttachments {
		return Invalid("attachments", "at most %d attachments per decision, not %d", MaxAttachments, len(list))
	}
	seen := map[string]bool{}
	for _, a := range list {
		switch {
		case !sha256Pattern.MatchString(a.SHA256):
			return Invalid("attachments", "attachment %q: sha256 must be 64 lowercase hex digits", a.SHA256)
		case seen[a.SHA256]:
			return Invalid("attachments", "attachment %s is listed twice", a.SHA256)
		case a.Size <= 0:
			return Invalid("attachments", "attachment %s: size must be positive", a.SHA256)
		case strings.TrimSpace(a.Name) == "":
			return Invalid("attachments", "attachment %s has no name", a.SHA256)
		}
		if err := CheckText("attachments", a.Name, maxAttachmentName, true); err != nil {
			return err
		}
		if err := CheckText("attachments", a.Type, MaxNameLen, false); err != nil {
			return err
		}
		seen[a.SHA256] = true
	}
	return nil
}
