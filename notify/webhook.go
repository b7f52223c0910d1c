package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"lianxi/activities"
)

// Header names a webhook receiver checks.
const (
	SignatureHeader   = "X-Lianxi-Signature"
	IdempotencyHeader = "Idempotency-Key"
)

// Webhook is one recipient's delivery endpoint.
type Webhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
	// Timeout bounds one attempt; default 10s.
	Timeout time.Duration `json:"-"`
	Client  *http.Client  `json:"-"`
}

// Webhooks maps a recipient ID (a ministry ID or "office") to its webhook.
type Webhooks map[string]Webhook

// LoadWebhooks reads a JSON file {"<recipient>": {"url": …, "secret": …}}.
// An empty path means no webhooks.
func LoadWebhooks(path string) (Webhooks, error) {
	if path == "" {
		return Webhooks{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	var w Webhooks
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("webhooks %s: %w", path, err)
	}
	for id, h := range w {
		if h.URL == "" || h.Secret == "" {
			return nil, fmt.Errorf("webhooks %s: %s needs both url and secret", path, id)
		}
	}
	return w, nil
}

// payload is the JSON body a webhook receives.
type payload struct {
	activities.Notification
	Text string `json:"text"`
}

// Sign is the signature header value for body: "sha256=" and the hex
// HMAC-SHA256 of the body under the shared secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Deliver POSTs one notification. 2xx is success; 408, 429, 5xx and
// network errors are transient (retried by the activity's retry policy);
// any other status fails permanently.
func (w Webhook) Deliver(ctx context.Context, n activities.Notification, text string) error {
	body, err := json.Marshal(payload{Notification: n, Text: text})
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	timeout := w.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %w: %v", w.URL, activities.ErrPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(w.Secret, body))
	req.Header.Set(IdempotencyHeader, n.ID)
	hc := w.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", w.URL, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return fmt.Errorf("webhook %s answered %d", w.URL, resp.StatusCode)
	default:
		return fmt.Errorf("webhook %s answered %d: %w", w.URL, resp.StatusCode, activities.ErrPermanent)
	}
}
