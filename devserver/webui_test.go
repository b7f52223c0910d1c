package devserver

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.uber.org/zap"
)

func freeHTTPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// The Web UI serves its pages and, through its API, the embedded server's
// namespace with lianxi's search attributes, which its filters offer.
func TestWebUI(t *testing.T) {
	addr, err := FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start(Options{DataDir: t.TempDir(), Address: addr, Namespace: "default", Retention: 24 * time.Hour,
		SearchAttributes: map[string]enumspb.IndexedValueType{"LianxiPlan": enumspb.INDEXED_VALUE_TYPE_KEYWORD}, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ui, err := StartWebUI(freeHTTPAddr(t), srv.Address(), "default")
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Stop()
	get := func(path string) (int, string) {
		resp, err := http.Get(ui.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "<html") {
		t.Errorf("GET /: %d %.200s", code, body)
	}
	var attrs struct {
		CustomAttributes map[string]string `json:"customAttributes"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get("/api/v1/namespaces/default/search-attributes")
		if code == 200 && json.Unmarshal([]byte(body), &attrs) == nil && attrs.CustomAttributes["LianxiPlan"] != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("search attributes through the UI: %d %.300s", code, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
	// A second UI on the same address is refused with advice, instead of
	// the UI server ending the process.
	if _, err := StartWebUI(strings.TrimPrefix(ui.URL(), "http://"), srv.Address(), "default"); err == nil || !strings.Contains(err.Error(), "--ui-addr") {
		t.Errorf("second UI on a busy address: %v", err)
	}
}
