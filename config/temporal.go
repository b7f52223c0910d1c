package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
)

// ClientOptions builds the Temporal client options for this configuration.
func (t Temporal) ClientOptions() (client.Options, error) {
	opts := client.Options{HostPort: t.Address, Namespace: t.Namespace}
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
