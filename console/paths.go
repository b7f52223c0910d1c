package console

import (
	"lianxi/console/api"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// hasControl reports whether a decoded path holds a control character: a
// NUL (%00), a newline or any other. No plan ID, task number or hash has
// one, and passed on they fail deep inside Temporal or the ledger.
func hasControl(path string) bool {
	return strings.IndexFunc(path, unicode.IsControl) >= 0
}

// queryHasControl reports whether a query parameter (a plan, a status, a
// ministry) holds a control character; the query is read as sent, so a
// malformed one is left to the handler.
func queryHasControl(u *url.URL) bool {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return false
	}
	for _, vs := range q {
		for _, v := range vs {
			if hasControl(v) {
				return true
			}
		}
	}
	return false
}

// controlMessage says what was wrong with such a path and how to fix it.
const controlMessage = "路径或查询参数中含有控制字符（如 %00 或换行），请检查计划编号和任务编号 (the path or query holds a control character such as %00 or a newline: check the plan ID and the task number)"

// refuseControl answers a path with a control character: 400, as JSON on
// the API and as text elsewhere.
func refuseControl(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		api.WriteError(w, &api.Error{Status: http.StatusBadRequest, Code: "invalid_path", Message: controlMessage})
		return
	}
	http.Error(w, controlMessage, http.StatusBadRequest)
}
