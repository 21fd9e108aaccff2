package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// What admins do to users from the settings pages. Each function works
// inside the caller's transaction, so the change and its audit record
// (package audit) are stored together or not at all.

// InvitationLifetime is how long an invitation link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Invitation is a one-time link an invited user sets their password with.
// Only its hash is stored; the link is shown to the admin once.
type Invitation struct {
	ID        int64
	User      User
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Invite stores a new user without a password, and an invitation for them.
// It returns the invitation and the token of its link (/invite/TOKEN).
func Invite(ctx context.Context, tx *store.Tx, email, role, by string, now time.Time) (Invitation, string, error) {
	email, role, p := cleanUser(email, role)
	if len(p) > 0 {
		return Invitation{}, "", &domain.Error{Code: domain.EInvalid, Message: "cannot invite the user", Fields: p}
	}
	u, err := insertUser(ctx, tx, email, role, "", now)
	if err != nil {
		return Invitation{}, "", err
	}
	return newInvitation(ctx, tx, u, by, now)
}

// Reinvite replaces the invitation of a user who has not set a password
// yet with a new one (the old link stops working), for a link that expired
// or got lost.
func Reinvite(ctx context.Context, tx *store.Tx, id int64, by string, now time.Time) (Invitation, string, error) {
	u, err := UserByID(ctx, tx, id)
	if err != nil {
		return Invitation{}, "", err
	}
	if !u.Invited {
		return Invitation{}, "", domain.Errorf(domain.EConflict, "%s has already set a password: they log in with it (quietdesk user passwd sets a new one)", u.Email)
	}
	if u.DeactivatedAt != nil {
		return Invitation{}, "", domain.Errorf(domain.EConflict, "%s is deactivated: reactivate them first", u.Email)
	}
	return newInvitation(ctx, tx, u, by, now)
}

func newInvitation(ctx context.Context, tx *store.Tx, u User, by string, now time.Time) (Invitation, string, error) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return Invitation{}, "", err
	}
	plain := base64.RawURLEncoding.EncodeToString(secret[:])
	inv := Invitation{User: u, CreatedBy: by, CreatedAt: now.Truncate(time.Second), ExpiresAt: now.Add(InvitationLifetime).Truncate(time.Second)}
	if _, err := tx.Exec(ctx, `DELETE FROM invitations WHERE user_id = ? AND used_at IS NULL`, u.ID); err != nil {
		return Invitation{}, "", err
	}
	err := tx.QueryRow(ctx, `INSERT INTO invitations (user_id, token_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		u.ID, hash(plain), by, now.Unix(), inv.ExpiresAt.Unix()).Scan(&inv.ID)
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, plain, nil
}

// errBadInvitation is the one answer to an unknown, used or expired link,
// so that guessing tells nothing.
var errBadInvitation = domain.Errorf(domain.ENotFound, "this invitation link is unknown, used or expired: ask an admin for a new one")

// LookupInvitation returns the live invitation of a link.
func LookupInvitation(ctx context.Context, q rowQuerier, plain string, now time.Time) (Invitation, error) {
	if plain == "" {
		return Invitation{}, errBadInvitation
	}
	var inv Invitation
	var created, expires int64
	var used sql.NullInt64
	err := q.QueryRow(ctx, `SELECT id, user_id, created_by, created_at, expires_at, used_at FROM invitations WHERE token_hash = ?`, hash(plain)).
		Scan(&inv.ID, &inv.User.ID, &inv.CreatedBy, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, errBadInvitation
	}
	if err != nil {
		return Invitation{}, err
	}
	if used.Valid || now.Unix() >= expires {
		return Invitation{}, errBadInvitation
	}
	inv.CreatedAt, inv.ExpiresAt = time.Unix(created, 0), time.Unix(expires, 0)
	if inv.User, err = UserByID(ctx, q, inv.User.ID); err != nil {
		return Invitation{}, err
	}
	// A user who got a password another way (quietdesk user passwd) no
	// longer needs the link: it must not replace that password.
	if inv.User.DeactivatedAt != nil || !inv.User.Invited {
		return Invitation{}, errBadInvitation
	}
	return inv, nil
}

// AcceptInvitation sets the invited user's password and uses the link up.
func AcceptInvitation(ctx context.Context, tx *store.Tx, plain, password string, now time.Time) (User, error) {
	inv, err := LookupInvitation(ctx, tx, plain, now)
	if err != nil {
		return User{}, err
	}
	if p := checkPassword(password); len(p) > 0 {
		return User{}, &domain.Error{Code: domain.EInvalid, Message: "cannot set the password", Fields: p}
	}
	res, err := tx.Exec(ctx, `UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL`, now.Unix(), inv.ID)
	if err != nil {
		return User{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return User{}, errBadInvitation
	}
	if err := SetPasswordTx(ctx, tx, inv.User.Email, password, now); err != nil {
		return User{}, err
	}
	inv.User.Invited = false
	return inv.User, nil
}

// rowQuerier is a *store.DB or a *store.Tx.
type rowQuerier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// UserByID returns a user, or ENotFound.
func UserByID(ctx context.Context, q rowQuerier, id int64) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, domain.Errorf(domain.ENotFound, "there is no user %d: reload the users page", id)
	}
	return u, err
}

// SetRole changes a user's role. It returns the user as it was; setting
// the role a user has changes nothing. The last active admin keeps the
// role, so that someone can still manage users.
func SetRole(ctx context.Context, tx *store.Tx, id int64, role string) (User, error) {
	role = strings.ToLower(strings.TrimSpace(role))
	if !slices.Contains(Roles, role) {
		var p domain.Problems
		p.Add("role", "%q is not a role: use %s", role, strings.Join(Roles, ", "))
		return User{}, &domain.Error{Code: domain.EInvalid, Message: "cannot change the role", Fields: p}
	}
	u, err := UserByID(ctx, tx, id)
	if err != nil || u.Role == role {
		return u, err
	}
	if u.Role == RoleAdmin {
		if err := keepAnAdmin(ctx, tx, u, "demoted"); err != nil {
			return u, err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, id)
	return u, err
}

// Deactivate refuses the user's logins from now on and ends their
// sessions. API tokens belong to the store, not to a person, and are
// revoked on their own page. Deactivating a deactivated user changes
// nothing (changed is false).
func Deactivate(ctx context.Context, tx *store.Tx, id int64, now time.Time) (u User, changed bool, err error) {
	if u, err = UserByID(ctx, tx, id); err != nil || u.DeactivatedAt != nil {
		return u, false, err
	}
	if u.Role == RoleAdmin {
		if err := keepAnAdmin(ctx, tx, u, "deactivated"); err != nil {
			return u, false, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE users SET deactivated_at = ? WHERE id = ?`, now.Unix(), id); err != nil {
		return u, false, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
		return u, false, err
	}
	return u, true, nil
}

// Reactivate lets a deactivated user log in again (with their password).
func Reactivate(ctx context.Context, tx *store.Tx, id int64) (u User, changed bool, err error) {
	if u, err = UserByID(ctx, tx, id); err != nil || u.DeactivatedAt == nil {
		return u, false, err
	}
	_, err = tx.Exec(ctx, `UPDATE users SET deactivated_at = NULL WHERE id = ?`, id)
	return u, err == nil, err
}

// keepAnAdmin refuses to take the admin role from u (demoted or
// deactivated) when no other active admin who can log in would remain. On
// PostgreSQL the admins' rows are locked first, so two admins demoting
// each other at once cannot both succeed; SQLite has one writer.
func keepAnAdmin(ctx context.Context, tx *store.Tx, u User, what string) error {
	lock := ""
	if tx.DB().Dialect == store.Postgres {
		lock = " FOR UPDATE"
	}
	rows, err := tx.Query(ctx, `SELECT id FROM users WHERE role = ? AND deactivated_at IS NULL AND password_hash <> ''`+lock, RoleAdmin)
	if err != nil {
		return err
	}
	defer rows.Close()
	others := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		if id != u.ID {
			others++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if others == 0 {
		return domain.Errorf(domain.EConflict, "%s is the last active admin and cannot be %s: make another user an admin first", u.Email, what)
	}
	return nil
}

// UserByEmail returns the user whose login is email.
func UserByEmail(ctx context.Context, q rowQuerier, email string) (User, error) {
	email, p := cleanEmail(email)
	if len(p) > 0 {
		return User{}, &domain.Error{Code: domain.EInvalid, Message: "no such user", Fields: p}
	}
	u, err := scanUser(q.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, domain.Errorf(domain.ENotFound, "there is no user %s (quietdesk user list shows them)", email)
	}
	return u, err
}
