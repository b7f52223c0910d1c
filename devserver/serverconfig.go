package devserver

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/metrics"
)

// serverConfig lays out the four services around the frontend's port; all
// but the frontend bind to loopback only. metricsAddress, when set, is
// where the server serves its own metrics.
func serverConfig(persistence config.Persistence, host string, port int, archiveURI, metricsAddress string) (*config.Config, error) {
	if port+membershipOffset < 1024 || port+portOffsets["worker"] > 65535 {
		return nil, fmt.Errorf("embedded Temporal: port %d leaves no room for the other services (%d..%d)", port, port+membershipOffset, port+6)
	}
	services := map[string]config.Service{}
	for name, off := range portOffsets {
		rpc := config.RPC{GRPCPort: port + off, MembershipPort: port + membershipOffset + off, BindOnLocalHost: true}
		if name == "frontend" && host != "127.0.0.1" && host != "localhost" {
			rpc.BindOnLocalHost, rpc.BindOnIP = false, host
		}
		services[name] = config.Service{RPC: rpc}
	}
	frontend := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if host != "127.0.0.1" && host != "localhost" && host != "0.0.0.0" {
		frontend = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: "127.0.0.1"},
			Metrics:    serverMetrics(metricsAddress),
		},
		Persistence: persistence,
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]cluster.ClusterInformation{
				"active": {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services:            services,
		// Each closed run's history is archived to files before retention
		// deletes it, and read back from there (visibility is not archived:
		// the ledger names a task's runs).
		Archival: config.Archival{
			History: config.HistoryArchival{State: "enabled", EnableRead: true, Provider: &config.HistoryArchiverProvider{
				Filestore: &config.FilestoreArchiver{FileMode: "0600", DirMode: "0700"},
			}},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "enabled", URI: archiveURI},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: frontend},
	}, nil
}

// serverMetrics serves the server's own metrics (persistence latencies,
// the history shard's I/O queue, task queues...) in Prometheus' text format
// at http://address/metrics, or nowhere when address is empty.
func serverMetrics(address string) *metrics.Config {
	if address == "" {
		return nil
	}
	return &metrics.Config{Prometheus: &metrics.PrometheusConfig{Framework: "opentelemetry", ListenAddress: address, HandlerPath: "/metrics"}}
}
