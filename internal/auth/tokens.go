// Package auth keeps who may do what: API tokens with scopes for programs,
// and for people users with roles, passwords and browser sessions.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Token scopes. Admin allows everything.
const (
	ScopeIngest = "ingest" // write orders, contacts, messages… through /api/v1
	ScopeRead   = "read"   // read metrics and records
	// ScopeDesk reads what customers wrote (customers, timelines,
	// conversations, messages) and acts on conversations, as an agent does.
	ScopeDesk  = "desk"
	ScopeAdmin = "admin"
)

// Scopes lists every scope, in the order tokens show them.
var Scopes = []string{ScopeIngest, ScopeRead, ScopeDesk, ScopeAdmin}

// TokenPrefix starts every token, so a leaked one is easy to recognise in
// logs and by secret scanners.
const TokenPrefix = "qd_"

// Token is an API token as stored: never the token itself, which is shown
// once when it is created.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Allows reports whether the token grants scope.
func (t Token) Allows(scope string) bool {
	return slices.Contains(t.Scopes, scope) || slices.Contains(t.Scopes, ScopeAdmin)
}

// lastUsedResolution bounds how often Verify writes last_used_at: a busy
// client would otherwise turn every read into a write, and SQLite has one
// writer.
const lastUsedResolution = time.Minute

// Create stores a new token and returns it with its plaintext, which is not
// kept anywhere and cannot be shown again.
func Create(ctx context.Context, db *store.DB, name string, scopes []string, now time.Time) (Token, string, error) {
	var t Token
	var plain string
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		t, plain, err = CreateTx(ctx, tx, name, scopes, now)
		return err
	})
	if err != nil {
		return Token{}, "", err
	}
	return t, plain, nil
}

// CreateTx is Create inside tx, so the caller records the change in the
// same transaction.
func CreateTx(ctx context.Context, tx *store.Tx, name string, scopes []string, now time.Time) (Token, string, error) {
	name = strings.TrimSpace(name)
	scopes, problems := cleanScopes(scopes)
	problems.Require("name", name)
	if len(problems) > 0 {
		return Token{}, "", &domain.Error{Code: domain.EInvalid, Message: "cannot create the token", Fields: problems}
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return Token{}, "", err
	}
	plain := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	t := Token{Name: name, Scopes: scopes, CreatedAt: now.Truncate(time.Second)}
	err := tx.QueryRow(ctx, `INSERT INTO api_tokens (name, token_hash, scopes, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		name, hash(plain), strings.Join(scopes, ","), now.Unix()).Scan(&t.ID)
	if err != nil {
		return Token{}, "", err
	}
	return t, plain, nil
}

// cleanScopes checks, de-duplicates and orders scopes.
func cleanScopes(in []string) ([]string, domain.Problems) {
	var p domain.Problems
	var out []string
	for _, s := range in {
		for _, part := range strings.Split(s, ",") {
			part = strings.ToLower(strings.TrimSpace(part))
			switch {
			case part == "":
			case !slices.Contains(Scopes, part):
				p.Add("scopes", "%q is not a scope: use %s", part, strings.Join(Scopes, ", "))
			case !slices.Contains(out, part):
				out = append(out, part)
			}
		}
	}
	if len(out) == 0 && len(p) == 0 {
		p.Add("scopes", "at least one scope is required: %s", strings.Join(Scopes, ", "))
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Scopes, a) - slices.Index(Scopes, b) })
	return out, p
}

func hash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// Verify returns the token a request presented, refusing unknown and revoked
// tokens with an EUnauthorized error.
func Verify(ctx context.Context, db *store.DB, plain string, now time.Time) (Token, error) {
	if !strings.HasPrefix(plain, TokenPrefix) {
		return Token{}, domain.Errorf(domain.EUnauthorized, "the token is not a Quietdesk API token (they start with %s)", TokenPrefix)
	}
	row := db.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`, hash(plain))
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, domain.Errorf(domain.EUnauthorized, "unknown API token")
	}
	if err != nil {
		return Token{}, err
	}
	if t.RevokedAt != nil {
		return Token{}, domain.Errorf(domain.EUnauthorized, "API token %q was revoked; create a new one with quietdesk token create", t.Name)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= lastUsedResolution {
		// The condition is repeated in SQL so that concurrent requests write
		// it once. The stamp is bookkeeping: when the database is too busy
		// to write it, the token is still good.
		_, err := db.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
			now.Unix(), t.ID, now.Add(-lastUsedResolution).Unix())
		if err == nil {
			used := now.Truncate(time.Second)
			t.LastUsedAt = &used
		}
	}
	return t, nil
}

// Revoke refuses a token from now on. Revoking a revoked token does nothing.
func Revoke(ctx context.Context, db *store.DB, id int64, now time.Time) error {
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		_, _, err := RevokeTx(ctx, tx, id, now)
		return err
	})
}

// RevokeTx is Revoke inside tx; it returns the token and whether this call
// revoked it (false: it already was).
func RevokeTx(ctx context.Context, tx *store.Tx, id int64, now time.Time) (Token, bool, error) {
	t, err := scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, false, domain.Errorf(domain.ENotFound, "there is no API token %d (quietdesk token list shows them)", id)
	}
	if err != nil || t.RevokedAt != nil {
		return t, false, err
	}
	if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now.Unix(), id); err != nil {
		return t, false, err
	}
	at := now.Truncate(time.Second)
	t.RevokedAt = &at
	return t, true, nil
}

// List returns every token, revoked ones included, oldest first.
func List(ctx context.Context, db *store.DB) ([]Token, error) {
	rows, err := db.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const tokenColumns = `id, name, scopes, created_at, last_used_at, revoked_at`

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var scopes string
	var created int64
	var used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &scopes, &created, &used, &revoked); err != nil {
		return t, err
	}
	t.Scopes = strings.Split(scopes, ",")
	t.CreatedAt = time.Unix(created, 0)
	t.LastUsedAt = unixOrNil(used)
	t.RevokedAt = unixOrNil(revoked)
	return t, nil
}

func unixOrNil(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0)
	return &t
}
