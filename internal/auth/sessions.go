package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Session lifetimes: a session unused for SessionIdle ends, and none lives
// past SessionLifetime, however busy.
const (
	SessionIdle     = 7 * 24 * time.Hour
	SessionLifetime = 30 * 24 * time.Hour
	// sessionTouch bounds how often a session's expiry is pushed forward:
	// a page view must not be a write, since SQLite has one writer.
	sessionTouch = 10 * time.Minute
)

// Session is a logged-in browser. The session id itself lives only in the
// browser's cookie; the database keeps its hash.
type Session struct {
	ID        int64
	User      User
	CreatedAt time.Time
	ExpiresAt time.Time
	// CSRF is the token every form of this session must send back; it is
	// derived from the session id, so it needs no storage and dies with it.
	CSRF string
}

// StartSession logs a user in and returns the session with the id to give
// the browser. It also clears expired sessions, so the table stays small
// without a background task.
func StartSession(ctx context.Context, db *store.DB, user User, now time.Time) (Session, string, error) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return Session{}, "", err
	}
	plain := base64.RawURLEncoding.EncodeToString(secret[:])
	s := Session{User: user, CreatedAt: now.Truncate(time.Second), ExpiresAt: now.Add(SessionIdle).Truncate(time.Second), CSRF: csrfToken(plain)}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.Unix()); err != nil {
			return err
		}
		// Only an active user gets a session: one deactivated since the
		// password was checked is refused here.
		res, err := tx.Exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ? AND deactivated_at IS NULL`, now.Unix(), user.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return ErrDeactivated
		}
		return tx.QueryRow(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			hash(plain), user.ID, now.Unix(), now.Unix(), s.ExpiresAt.Unix()).Scan(&s.ID)
	})
	if err != nil {
		return Session{}, "", err
	}
	return s, plain, nil
}

// errNoSession asks the browser to log in again.
var errNoSession = domain.Errorf(domain.EUnauthorized, "your session has ended: log in again")

// LookupSession returns the live session with this id, refusing unknown
// and expired ones with an EUnauthorized error. Using a session keeps it
// alive for another SessionIdle, up to SessionLifetime.
func LookupSession(ctx context.Context, db *store.DB, plain string, now time.Time) (Session, error) {
	if plain == "" {
		return Session{}, errNoSession
	}
	var s Session
	var created, seen, expires int64
	row := db.QueryRow(ctx, `SELECT s.id, s.created_at, s.last_seen_at, s.expires_at, u.id, u.email, u.role, u.name, u.created_at, u.password_changed_at, u.kb_editor
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND u.deactivated_at IS NULL`, hash(plain))
	var uCreated, uChanged int64
	err := row.Scan(&s.ID, &created, &seen, &expires, &s.User.ID, &s.User.Email, &s.User.Role, &s.User.Name, &uCreated, &uChanged, &s.User.KBEditor)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, errNoSession
	}
	if err != nil {
		return Session{}, err
	}
	if now.Unix() >= expires {
		return Session{}, errNoSession
	}
	s.CreatedAt, s.ExpiresAt = time.Unix(created, 0), time.Unix(expires, 0)
	s.User.CreatedAt, s.User.PasswordChangedAt = time.Unix(uCreated, 0), time.Unix(uChanged, 0)
	s.CSRF = csrfToken(plain)
	if now.Sub(time.Unix(seen, 0)) >= sessionTouch {
		next := min(now.Add(SessionIdle).Unix(), s.CreatedAt.Add(SessionLifetime).Unix())
		// Bookkeeping: when the write fails the session is still good, it
		// just ends sooner.
		if _, err := db.Exec(ctx, `UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?`, now.Unix(), next, s.ID); err == nil {
			s.ExpiresAt = time.Unix(next, 0)
		}
	}
	return s, nil
}

// EndSession logs a session out. Ending an unknown session does nothing.
func EndSession(ctx context.Context, db *store.DB, plain string) error {
	_, err := db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash(plain))
	return err
}

// csrfToken derives a session's CSRF token from its id: a page can carry
// it without revealing the id, and a forger without the id cannot make it.
func csrfToken(plain string) string {
	m := hmac.New(sha256.New, []byte(plain))
	m.Write([]byte("quietdesk csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether token is the session's CSRF token, in constant
// time.
func (s Session) CheckCSRF(token string) bool {
	return s.CSRF != "" && hmac.Equal([]byte(token), []byte(s.CSRF))
}
