package connect

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// The operator's key, from which connections' credentials are sealed
// (docs/connections.md#the-key): 32 random bytes in base64, given in
// QUIETDESK_SECRET_KEY or in the file QUIETDESK_SECRET_KEY_FILE names.
const (
	KeyEnv     = "QUIETDESK_SECRET_KEY"
	KeyFileEnv = "QUIETDESK_SECRET_KEY_FILE"
)

// ErrNoKey: the operator gave no key, so credentials can be neither
// stored nor read.
var ErrNoKey = errors.New("no secret key: connections keep their credentials encrypted with a key you provide; make one with `quietdesk connections key > quietdesk.key`, then set " + KeyFileEnv + "=quietdesk.key (or " + KeyEnv + " to its contents) for every quietdesk command and serve")

// Sealer seals and opens credentials with the operator's key (AES-256-GCM).
// A nil *Sealer has no key: Seal and Open return ErrNoKey.
type Sealer struct{ aead cipher.AEAD }

// NewKey returns a fresh key in the form KeyEnv takes.
func NewKey() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// ParseKey makes a Sealer from a key written as NewKey writes it.
func ParseKey(s string) (*Sealer, error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	if err != nil || len(b) != 32 {
		return nil, errors.New("the secret key must be 32 bytes in base64 (44 characters); make one with `quietdesk connections key`")
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// KeyFromEnv reads the key from the environment getenv gives: nil, nil
// when none is set (connections then cannot be made or synced).
func KeyFromEnv(getenv func(string) string) (*Sealer, error) {
	if v := getenv(KeyEnv); v != "" {
		s, err := ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return s, nil
	}
	if path := getenv(KeyFileEnv); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyFileEnv, err)
		}
		s, err := ParseKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", KeyFileEnv, path, err)
		}
		return s, nil
	}
	return nil, nil
}

// Seal encrypts credentials (a name → value map) for the secret column.
func (s *Sealer) Seal(creds map[string]string) ([]byte, error) {
	if s == nil {
		return nil, ErrNoKey
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, []byte("quietdesk connection v1")), nil
}

// Open decrypts what Seal sealed. A different key than the one that
// sealed it is an error that says so.
func (s *Sealer) Open(sealed []byte) (map[string]string, error) {
	if s == nil {
		return nil, ErrNoKey
	}
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("the stored credentials are damaged: connect again")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte("quietdesk connection v1"))
	if err != nil {
		return nil, errors.New("the stored credentials do not open with this secret key: run with the key they were saved with, or connect again")
	}
	creds := map[string]string{}
	return creds, json.Unmarshal(plain, &creds)
}
