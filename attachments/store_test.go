package attachments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestPutSniffsContent(t *testing.T) {
	eachStore(t, Options{MaxSize: 1 << 20}, func(t *testing.T, s *Store) {
		cases := []struct {
			name    string
			content []byte
			typ     string // "" when refused
			reason  string
		}{
			{"报告.pdf", []byte("%PDF-1.7\n..."), "application/pdf", ""},
			{"图.png", []byte("\x89PNG\r\n\x1a\n...."), "image/png", ""},
			{"照片.JPG", []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2}, "image/jpeg", ""},
			{"说明.txt", []byte("联合报告的说明\n"), "text/plain; charset=utf-8", ""},
			{"程序.exe", []byte("MZ\x90\x00\x03\x00\x00\x00"), "", "type"},
			{"伪装.pdf", []byte("MZ\x90\x00\x03"), "", "type"},
			{"错名.txt", []byte("%PDF-1.4"), "", "type"},
			{"空.txt", nil, "", "empty"},
			{"大.txt", bytes.Repeat([]byte("a"), 1<<20+1), "", "too_large"},
			{"  ", []byte("x"), "", "name"},
		}
		for _, c := range cases {
			m, err := s.Put(t.Context(), "plan/1.1", "ndrc", c.name, bytes.NewReader(c.content))
			if c.typ == "" {
				var ref *Refusal
				if !errors.As(err, &ref) || ref.Reason != c.reason {
					t.Errorf("%s: %+v %v, want refused for %s", c.name, m, err, c.reason)
				} else if !strings.Contains(ref.Message, "(") || !strings.ContainsAny(ref.Message, "附") {
					t.Errorf("%s: message %q should say why in Chinese and English", c.name, ref.Message)
				}
				continue
			}
			sum := sha256.Sum256(c.content)
			if err != nil || m.Type != c.typ || m.SHA256 != hex.EncodeToString(sum[:]) || m.Size != int64(len(c.content)) {
				t.Errorf("%s: %+v %v, want type %s", c.name, m, err, c.typ)
			}
		}
	})
}

func TestGetIsPerTask(t *testing.T) {
	eachStore(t, Options{}, func(t *testing.T, s *Store) {
		m, err := s.Put(t.Context(), "plan/1.1", "ndrc", `C:\docs\a.txt`, strings.NewReader("text"))
		if err != nil || m.Name != "a.txt" {
			t.Fatalf("%+v %v", m, err)
		}
		if _, err := s.Get(t.Context(), "plan/1.2", m.SHA256); !errors.Is(err, ErrNotFound) {
			t.Errorf("another task's attachment: %v, want ErrNotFound", err)
		}
		f, got, err := s.Open(t.Context(), "plan/1.1", m.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		if string(b) != "text" || got != m {
			t.Errorf("read back %q %+v", b, got)
		}
		// The same bytes again answer with the name just given, and keep it.
		again, err := s.Put(t.Context(), "plan/1.1", "miit", "b.txt", strings.NewReader("text"))
		if err != nil || again.Name != "b.txt" || again.SHA256 != m.SHA256 {
			t.Errorf("second upload: %+v %v, want named b.txt", again, err)
		}
		if got, err := s.Get(t.Context(), "plan/1.1", m.SHA256); err != nil || got.Name != "b.txt" {
			t.Errorf("after the second upload: %+v %v, want named b.txt", got, err)
		}
		if _, err := s.Get(t.Context(), "plan/1.1", "../../etc"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a malformed hash: %v", err)
		}
	})
}
