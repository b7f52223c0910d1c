package api

import (
	"io"
	"net/http"
	"regexp"
	"unicode/utf8"
)

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// readBody reads a JSON request body, refusing oversized bodies and invalid
// UTF-8 (naming the field it is in).
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, BadRequest("", "cannot read the request body: %v", err)
	}
	if len(body) > maxBody {
		return nil, BadRequest("", "request body is larger than %d bytes", maxBody)
	}
	if !utf8.Valid(body) {
		field := fieldAt(body, invalidAt(body))
		return nil, BadRequest(field, "%s is not valid UTF-8 text", orBody(field))
	}
	return body, nil
}

// invalidAt is the offset of the first byte that is not valid UTF-8.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

var keyBefore = regexp.MustCompile(`"([A-Za-z_]+)"\s*:\s*"[^"]*$`)

// fieldAt names the JSON key whose string value contains offset.
func fieldAt(body []byte, offset int) string {
	if m := keyBefore.FindSubmatch(body[:offset]); m != nil {
		return string(m[1])
	}
	return ""
}

func orBody(field string) string {
	if field == "" {
		return "the request body"
	}
	return field
}
