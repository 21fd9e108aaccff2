package selfserve

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"quietdesk/internal/store"
)

// SettingSecret keys the signed links, the help-centre cookies and the
// hashes of codes and looked-up addresses. It is made on first use;
// changing it ends every link and cookie given out.
const SettingSecret = "selfserve.secret"

// Secret returns the store's self-service secret, making one in tx when
// there is none yet. Two processes making one at once agree: the first
// write wins and both read it back.
func Secret(ctx context.Context, tx *store.Tx) ([]byte, error) {
	v, err := tx.Setting(ctx, SettingSecret)
	if err != nil {
		return nil, err
	}
	if v = strings.TrimSpace(v); v != "" {
		return []byte(v), nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, SettingSecret, hex.EncodeToString(b[:])); err != nil {
		return nil, err
	}
	// A row with an empty value (cleared by hand) is not replaced by the
	// insert: fill it.
	if _, err := tx.Exec(ctx, `UPDATE settings SET value = ? WHERE key = ? AND value = ''`, hex.EncodeToString(b[:]), SettingSecret); err != nil {
		return nil, err
	}
	v, err = tx.Setting(ctx, SettingSecret)
	return []byte(strings.TrimSpace(v)), err
}

// Getter reads a setting: *store.DB and *store.Tx are.
type Getter interface {
	Setting(ctx context.Context, key string) (string, error)
}

// ExistingSecret returns the secret without making one; nil when there is
// none (then no link or cookie can be valid). Reads use it, so a GET that
// only checks a link writes nothing.
func ExistingSecret(ctx context.Context, g Getter) ([]byte, error) {
	v, err := g.Setting(ctx, SettingSecret)
	if err != nil || strings.TrimSpace(v) == "" {
		return nil, err
	}
	return []byte(strings.TrimSpace(v)), nil
}

// keyed is a hex HMAC-SHA256 of parts under secret, with a purpose so a
// hash made for one use never verifies for another.
func keyed(secret []byte, purpose string, parts ...string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}
