package ledger

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	tlog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// A checkpoint is the log's signed word: "my first Size records have this
// Merkle root". It is a C2SP signed note whose text is the tlog-checkpoint
// body (origin, size, base64 root), signed with the ledger's Ed25519 key.
// The key lives in a file, not in the database, so an operator who can
// rewrite the database cannot also sign a matching checkpoint unless he
// holds the key file; and checkpoints are copied out of the database (a
// file beside the key, other machines, witnesses) so a truncated or
// rewritten database disagrees with something it cannot reach.

// Files the ledger keeps in the data folder.
const (
	// KeyFile holds the private signing key (note signer key format).
	KeyFile = "ledger.key"
	// PublicKeyFile holds the verifier key: all anyone needs to check a
	// checkpoint or a proof.
	PublicKeyFile = "ledger.pub"
	// CheckpointsFile is appended one JSON line per checkpoint, never
	// rewritten.
	CheckpointsFile = "ledger-checkpoints.jsonl"
)

// Signer signs checkpoints with the ledger's key.
type Signer struct {
	signer note.Signer
	vkey   string
}

// LoadOrCreateKey reads the signing key in dir, creating it (and the
// public key file beside it) on first start. The origin of every
// checkpoint is the key's name, "lianxi.ledger/" and eight random hex
// digits, so two offices' logs can never be mistaken for each other.
func LoadOrCreateKey(dir string) (*Signer, error) {
	path := filepath.Join(dir, KeyFile)
	skey, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		skey, err = createKey(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("ledger signing key %s: %w", path, err)
	}
	s, err := note.NewSigner(string(bytes.TrimSpace(skey)))
	if err != nil {
		return nil, fmt.Errorf("ledger signing key %s: %w", path, err)
	}
	vkey, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		return nil, fmt.Errorf("ledger public key: %w", err)
	}
	return &Signer{signer: s, vkey: string(bytes.TrimSpace(vkey))}, nil
}

// createKey writes a new key pair. The private key is created exclusively,
// so two processes starting together end up with one key: the loser reads
// the winner's.
func createKey(dir string) ([]byte, error) {
	var id [4]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "lianxi.ledger/"+hex.EncodeToString(id[:]))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// The public key first: whoever sees the private key can count on it.
	tmp := filepath.Join(dir, PublicKeyFile+".new")
	if err := os.WriteFile(tmp, []byte(vkey+"\n"), 0o644); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, KeyFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		os.Remove(tmp)
		return os.ReadFile(filepath.Join(dir, KeyFile))
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, PublicKeyFile)); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(skey), f.Close()
}

// Origin is the log's name, the first line of each checkpoint.
func (s *Signer) Origin() string { return s.signer.Name() }

// VerifierKey is the public key in note verifier form: publish it.
func (s *Signer) VerifierKey() string { return s.vkey }

// Checkpoint is a signed tree head.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	// Note is the whole signed note, as kept and exchanged.
	Note []byte
}

// Sign makes the checkpoint for the first size records, whose root is root.
func (s *Signer) Sign(size uint64, root []byte) (Checkpoint, error) {
	body := tlog.Checkpoint{Origin: s.Origin(), Size: size, Hash: root}.Marshal()
	signed, err := note.Sign(&note.Note{Text: string(body)}, s.signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint %d: %w", size, err)
	}
	return Checkpoint{Origin: s.Origin(), Size: size, Root: root, Note: signed}, nil
}

// OpenCheckpoint checks a signed checkpoint against the verifier key and
// returns what it says. The origin must be the key's name.
func OpenCheckpoint(signed []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("ledger public key: %w", err)
	}
	cp, _, _, err := tlog.ParseCheckpoint(signed, v.Name(), v)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	return Checkpoint{Origin: cp.Origin, Size: cp.Size, Root: cp.Hash, Note: signed}, nil
}

// checkpointLine is one line of the checkpoints file. Only the signed note
// counts; size and time are there for people reading the file.
type checkpointLine struct {
	Size uint64    `json:"size"`
	At   time.Time `json:"at"`
	Note string    `json:"checkpoint"`
}

// AppendCheckpointFile adds cp to the file at path in one write, and syncs
// it: a checkpoint is handed out only once it is kept.
func AppendCheckpointFile(path string, cp Checkpoint, at time.Time) error {
	b, err := json.Marshal(checkpointLine{Size: cp.Size, At: at.UTC(), Note: string(cp.Note)})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("keep checkpoint: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("keep checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("keep checkpoint: %w", err)
	}
	return f.Close()
}

// ReadCheckpoints reads kept checkpoints from a file, checking each
// signature against vkey: either a checkpoints file (JSON lines) or one
// signed note as served or printed. A line that does not verify is an
// error naming it: a kept checkpoint that is not the log's is no evidence.
func ReadCheckpoints(path, vkey string) ([]Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoints: %w", err)
	}
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("{")) {
		cp, err := OpenCheckpoint(b, vkey)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return []Checkpoint{cp}, nil
	}
	var out []Checkpoint
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l checkpointLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		cp, err := OpenCheckpoint([]byte(l.Note), vkey)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		out = append(out, cp)
	}
	return out, sc.Err()
}
