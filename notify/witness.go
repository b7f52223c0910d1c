package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// Witness sends every signed ledger checkpoint to a URL outside the
// office's reach (another machine, another operator), signed like a
// webhook. Only the newest checkpoint waiting matters: it covers every
// record the older ones did, so a slow or absent witness never holds the
// ledger up, and when it comes back it receives the newest.
type Witness struct {
	URL, Secret string
	Client      *http.Client
	Logger      *zap.Logger
	next        chan []byte
}

// NewWitness makes a witness sender for url, signing with secret.
func NewWitness(url, secret string, logger *zap.Logger) *Witness {
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Witness{URL: url, Secret: secret, Logger: logger, next: make(chan []byte, 1)}
}

// Offer hands over a signed checkpoint note without waiting: it replaces
// one not yet sent.
func (w *Witness) Offer(note []byte) {
	for {
		select {
		case w.next <- note:
			return
		default:
		}
		select {
		case <-w.next:
		default:
		}
	}
}

// Run sends what is offered until ctx ends, retrying a failed delivery
// with backoff (up to a minute apart) until a newer note replaces it.
func (w *Witness) Run(ctx context.Context) {
	var note []byte
	wait := time.Second
	for {
		if note == nil {
			select {
			case <-ctx.Done():
				return
			case note = <-w.next:
			}
		}
		err := w.send(ctx, note)
		if err == nil {
			note, wait = nil, time.Second
			continue
		}
		w.Logger.Warn("checkpoint not delivered to the witness; retrying", zap.String("url", w.URL), zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case newer := <-w.next:
			note = newer
		case <-time.After(wait):
			wait = min(2*wait, time.Minute)
		}
	}
}

func (w *Witness) send(ctx context.Context, note []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(note))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set(SignatureHeader, Sign(w.Secret, note))
	hc := w.Client
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return fmt.Errorf("witness answered %d", resp.StatusCode)
	}
	return nil
}
