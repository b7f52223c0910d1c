package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"

	"go.temporal.io/sdk/client"
)

// ClientOptions builds the Temporal client options for this configuration.
func (t Temporal) ClientOptions() (client.Options, error) {
	opts := client.Options{HostPort: t.Address, Namespace: t.Namespace}
	opts.ConnectionOptions.GrpcCompression = Compression(t.Address)
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	if !t.TLS && t.APIKey == "" && t.TLSCert == "" && t.TLSCA == "" {
		return opts, nil
	}
	cfg := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(t.TLSCert, t.TLSKey)
		if err != nil {
			return opts, fmt.Errorf("temporal TLS client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if t.TLSCA != "" {
		pem, err := os.ReadFile(t.TLSCA)
		if err != nil {
			return opts, fmt.Errorf("temporal TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return opts, fmt.Errorf("temporal TLS CA %s: no PEM certificate found", t.TLSCA)
		}
		cfg.RootCAs = pool
	}
	opts.ConnectionOptions.TLS = cfg
	return opts, nil
}

// Compression is the gRPC compression for a connection to addr: none when
// addr is this machine (the embedded server under lianxi dev, or a
// frontend beside the process), where compressing every request and
// answer costs CPU and saves nothing (gzip took about 7% of the process's
// CPU samples in lianxi bench); gzip, the SDK's default, otherwise.
func Compression(addr string) client.GrpcCompression {
	if loopback(addr) {
		return &client.GrpcCompressionNone{}
	}
	return &client.GrpcCompressionGzip{}
}

// loopback reports whether addr (HOST:PORT, or a host alone) names this
// machine: localhost or a loopback IP address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
