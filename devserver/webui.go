package devserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// WebUI is the Temporal Web UI served beside the embedded server, where
// operators and auditors read every task's history and filter tasks by
// lianxi's search attributes.
type WebUI struct {
	srv  *uiserver.Server
	url  string
	done chan error
}

// staticUIConfig hands the UI server its configuration once.
type staticUIConfig struct{ cfg *uiconfig.Config }

func (s staticUIConfig) GetConfig() (*uiconfig.Config, error) { return s.cfg, nil }

// StartWebUI serves the Web UI on addr (host:port) for the frontend at
// temporalAddress. The UI is read-only: people act through lianxi's API,
// and operators keep the Temporal CLI for Temporal's own powers.
func StartWebUI(addr, temporalAddress, namespace string) (*WebUI, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("web UI: address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("web UI: port %q: %w", portStr, err)
	}
	// The UI server exits the process when it cannot listen: find out first.
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("web UI: %w (choose another --ui-addr, or set it empty to run without the UI)", err)
	}
	l.Close()
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: temporalAddress,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		DisableWriteActions: true,
		DisableNewsFetch:    true,
		HideLogs:            true,
		// Plain HTTP on this machine: the CSRF cookie must not be Secure.
		CORS: uiconfig.CORS{CookieInsecure: true},
	}
	srv := uiserver.NewServer(server_options.WithConfigProvider(staticUIConfig{cfg}))
	ui := &WebUI{srv: srv, url: "http://" + addr, done: make(chan error, 1)}
	go func() { ui.done <- srv.Start() }()
	for deadline := time.Now().Add(15 * time.Second); ; {
		resp, err := http.Get(ui.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			return ui, nil
		}
		select {
		case err := <-ui.done:
			return nil, fmt.Errorf("web UI on %s stopped: %w", addr, errors.Join(err, errors.New("not serving")))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			srv.Stop()
			return nil, fmt.Errorf("web UI on %s: not answering", addr)
		}
	}
}

// URL is where the UI answers.
func (u *WebUI) URL() string { return u.url }

// Stop closes the UI's listener.
func (u *WebUI) Stop() {
	u.srv.Stop()
	<-u.done
}
