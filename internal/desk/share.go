package desk

// Read-only links to one customer's timeline and profile
// (docs/customers.md#share-links), for someone without a login: a
// colleague in the warehouse, a carrier's claims desk. The link carries a
// random 256-bit token; only the token's SHA-256 is stored, so the table
// leaking does not open any link. A link expires, and can be revoked.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// How long a share link lives: DefaultShareTTL unless asked, at most
// MaxShareTTL.
const (
	DefaultShareTTL = 7 * 24 * time.Hour
	MaxShareTTL     = 30 * 24 * time.Hour
)

// ShareLink is a read-only link to a customer (the token aside: it is
// shown once, when the link is made).
type ShareLink struct {
	ID         int64      `json:"id"`
	CustomerID int64      `json:"customer_id"`
	CreatedBy  string     `json:"created_by"` // "" when made through the API
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// errNoShareLink is the one answer for a token that is unknown, expired or
// revoked, so the answer tells a guesser nothing.
var errNoShareLink = domain.Errorf(domain.ENotFound, "this link does not exist or is no longer valid")

// tokenLength is the length of a token: 32 random bytes in unpadded
// base64url.
var tokenLength = base64.RawURLEncoding.EncodedLen(32)

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateShareLink makes a link to customer customerID (the survivor, when
// that id was merged away) for user userID (0 for an API token), valid for
// ttl from now (0: DefaultShareTTL). It returns the token, which is not
// stored and cannot be shown again.
func CreateShareLink(ctx context.Context, tx *store.Tx, customerID, userID int64, ttl time.Duration, now time.Time) (string, ShareLink, error) {
	if ttl == 0 {
		ttl = DefaultShareTTL
	}
	if ttl < 0 || ttl > MaxShareTTL {
		return "", ShareLink{}, &domain.Error{Code: domain.EInvalid, Message: "bad share link",
			Fields: []domain.FieldError{{Field: "days", Reason: fmt.Sprintf("a link lives from 1 to %d days (asked for %.4g)", int(MaxShareTTL/(24*time.Hour)), ttl.Hours()/24)}}}
	}
	id, err := ResolveCustomer(ctx, tx, customerID)
	if err != nil {
		return "", ShareLink{}, err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", ShareLink{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	var linkID int64
	if err := tx.QueryRow(ctx, `INSERT INTO share_links (customer_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		id, tokenHash(token), nullID(userID), now.Unix(), now.Add(ttl).Unix()).Scan(&linkID); err != nil {
		return "", ShareLink{}, err
	}
	link, err := shareLinkByID(ctx, tx, linkID)
	return token, link, err
}

// OpenShareLink returns the link a token names when it is live at now.
// An unknown, expired or revoked token gets the same not-found error.
func OpenShareLink(ctx context.Context, q Querier, token string, now time.Time) (ShareLink, error) {
	if len(token) != tokenLength {
		return ShareLink{}, errNoShareLink
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return ShareLink{}, errNoShareLink
	}
	links, err := readShareLinks(ctx, q, `l.token_hash = ?`, tokenHash(token))
	if err != nil {
		return ShareLink{}, err
	}
	if len(links) == 0 || links[0].RevokedAt != nil || !now.Before(links[0].ExpiresAt) {
		return ShareLink{}, errNoShareLink
	}
	return links[0], nil
}

// RevokeShareLink ends a link at now. Revoking it again changes nothing.
func RevokeShareLink(ctx context.Context, tx *store.Tx, linkID int64, now time.Time) (ShareLink, error) {
	if _, err := tx.Exec(ctx, `UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now.Unix(), linkID); err != nil {
		return ShareLink{}, err
	}
	return shareLinkByID(ctx, tx, linkID)
}

// ShareLinks lists a customer's links that are live at now, newest first.
func ShareLinks(ctx context.Context, q Querier, customerID int64, now time.Time) ([]ShareLink, error) {
	id, err := ResolveCustomer(ctx, q, customerID)
	if err != nil {
		return nil, err
	}
	return readShareLinks(ctx, q, `l.customer_id = ? AND l.revoked_at IS NULL AND l.expires_at > ?`, id, now.Unix())
}

func shareLinkByID(ctx context.Context, q Querier, id int64) (ShareLink, error) {
	links, err := readShareLinks(ctx, q, `l.id = ?`, id)
	if err != nil {
		return ShareLink{}, err
	}
	if len(links) == 0 {
		return ShareLink{}, domain.Errorf(domain.ENotFound, "share link %d does not exist", id)
	}
	return links[0], nil
}

func readShareLinks(ctx context.Context, q Querier, where string, args ...any) ([]ShareLink, error) {
	out := []ShareLink{}
	err := queryEach(ctx, q, `SELECT l.id, l.customer_id, l.created_at, l.expires_at, l.revoked_at, COALESCE(u.name, ''), COALESCE(u.email, '')
		FROM share_links l LEFT JOIN users u ON u.id = l.created_by WHERE `+where+` ORDER BY l.created_at DESC, l.id DESC`, args, func(rows *sql.Rows) error {
		var l ShareLink
		var created, expires int64
		var revoked sql.NullInt64
		var name, email string
		if err := rows.Scan(&l.ID, &l.CustomerID, &created, &expires, &revoked, &name, &email); err != nil {
			return err
		}
		l.CreatedAt, l.ExpiresAt, l.RevokedAt, l.CreatedBy = unixUTC(created), unixUTC(expires), nullableTime(revoked), userDisplayName(name, email)
		out = append(out, l)
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	return out, err
}
