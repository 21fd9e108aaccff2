package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Roles of people who log in.
const (
	RoleAdmin   = "admin"   // everything, and later the settings and users
	RoleAnalyst = "analyst" // the dashboards: metrics, cohorts, reviews
	RoleAgent   = "agent"   // the desk: inbox and timelines
)

// Roles lists every role, in the order help texts show them.
var Roles = []string{RoleAdmin, RoleAnalyst, RoleAgent}

// Password limits. bcrypt reads at most 72 bytes; a longer password would
// be silently cut, so it is refused instead.
const (
	MinPasswordLength = 10
	maxPasswordBytes  = 72
)

// passwordCost is the bcrypt work factor: about 0.1 s per check on one
// core, slow for an attacker with a stolen table, quick enough for a login.
// Hashes made with a lower cost are upgraded at the next login.
const passwordCost = 11

// User is a person who logs in to the web UI.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
	// Name is what customers see on replies; the email's local part until
	// set.
	Name string `json:"name,omitempty"`
	// KBEditor lets an agent edit the knowledge base (admins always may).
	KBEditor          bool      `json:"kb_editor,omitempty"`
	CreatedAt         time.Time `json:"created_at"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
	// LastLoginAt is when the user last logged in (nil: never, or before
	// logins were recorded).
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	// DeactivatedAt is when an admin deactivated the user: they cannot log
	// in until reactivated.
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
	// Invited is true until an invited user sets their password.
	Invited bool `json:"invited,omitempty"`
}

// Active reports whether the user may log in (once they have a password).
func (u User) Active() bool { return u.DeactivatedAt == nil }

// SeesDashboards reports whether the user's role reads the metrics pages
// and the metrics API.
func (u User) SeesDashboards() bool { return u.Role == RoleAdmin || u.Role == RoleAnalyst }

// DisplayName is the name customers and colleagues see.
func (u User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	local, _, _ := strings.Cut(u.Email, "@")
	return local
}

// ReadsMessages reports whether the user's role works the desk: reads what
// customers wrote (messages, attachments, raw mail) and answers them.
// Analysts see figures only.
func (u User) ReadsMessages() bool { return u.Role == RoleAdmin || u.Role == RoleAgent }

// DeskRoles are the roles of ReadsMessages, for route tables.
var DeskRoles = []string{RoleAdmin, RoleAgent}

// AddUser stores a new user with a password.
func AddUser(ctx context.Context, db *store.DB, email, role, password string, now time.Time) (User, error) {
	var u User
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		u, err = AddUserTx(ctx, tx, email, role, password, now)
		return err
	})
	return u, err
}

// AddUserTx stores a new user with a password inside tx, so the caller can
// record the change (audit.Record) in the same transaction.
func AddUserTx(ctx context.Context, tx *store.Tx, email, role, password string, now time.Time) (User, error) {
	email, role, p := cleanUser(email, role)
	p = append(p, checkPassword(password)...)
	if len(p) > 0 {
		return User{}, &domain.Error{Code: domain.EInvalid, Message: "cannot add the user", Fields: p}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return User{}, err
	}
	return insertUser(ctx, tx, email, role, string(hash), now)
}

// cleanUser checks a new user's email and role.
func cleanUser(email, role string) (string, string, domain.Problems) {
	email, p := cleanEmail(email)
	role = strings.ToLower(strings.TrimSpace(role))
	if !slices.Contains(Roles, role) {
		p.Add("role", "%q is not a role: use %s", role, strings.Join(Roles, ", "))
	}
	return email, role, p
}

// insertUser stores a user whose email and role are checked; hash is
// empty for an invited user, whom no password matches yet.
func insertUser(ctx context.Context, tx *store.Tx, email, role, hash string, now time.Time) (User, error) {
	u := User{Email: email, Role: role, CreatedAt: now.Truncate(time.Second), PasswordChangedAt: now.Truncate(time.Second), Invited: hash == ""}
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE email = ?`, email).Scan(&one)
	if err == nil {
		return User{}, domain.Errorf(domain.EConflict, "there is already a user %s: change the password with quietdesk user passwd --email %s, or send a new invitation from /settings/users", email, email)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return User{}, err
	}
	err = tx.QueryRow(ctx, `INSERT INTO users (email, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		email, role, hash, now.Unix(), now.Unix()).Scan(&u.ID)
	return u, err
}

// SetPassword changes a user's password and ends every session of theirs,
// so a password changed because it leaked locks the holder out at once.
func SetPassword(ctx context.Context, db *store.DB, email, password string, now time.Time) error {
	return db.WriteTx(ctx, func(tx *store.Tx) error { return SetPasswordTx(ctx, tx, email, password, now) })
}

// SetPasswordTx is SetPassword inside tx.
func SetPasswordTx(ctx context.Context, tx *store.Tx, email, password string, now time.Time) error {
	email, p := cleanEmail(email)
	p = append(p, checkPassword(password)...)
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "cannot change the password", Fields: p}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost)
	if err != nil {
		return err
	}
	var id int64
	err = tx.QueryRow(ctx, `UPDATE users SET password_hash = ?, password_changed_at = ? WHERE email = ? RETURNING id`, string(hash), now.Unix(), email).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENotFound, "there is no user %s (quietdesk user list shows them)", email)
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id)
	return err
}

// Users returns every user, oldest first.
func Users(ctx context.Context, db *store.DB) ([]User, error) {
	rows, err := db.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// errBadLogin is the one answer to a wrong email or a wrong password, so
// the login form does not tell which emails have accounts.
var errBadLogin = domain.Errorf(domain.EUnauthorized, "wrong email or password")

// Authenticate returns the user whose email and password these are.
func Authenticate(ctx context.Context, db *store.DB, email, password string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var hash string
	row := db.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = ?`, email)
	u, err := scanUser(row, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		// Spend the same time as for a real account: the answer's delay
		// must not tell which emails exist.
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return User{}, errBadLogin
	}
	if err != nil {
		return User{}, err
	}
	if hash == "" {
		// Invited, no password yet: as slow as a wrong password.
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return User{}, errBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return User{}, errBadLogin
	}
	// Told only to whoever knows the password: the account exists, and an
	// admin can reactivate it.
	if u.DeactivatedAt != nil {
		return User{}, ErrDeactivated
	}
	if cost, err := bcrypt.Cost([]byte(hash)); err == nil && cost < passwordCost {
		if better, err := bcrypt.GenerateFromPassword([]byte(password), passwordCost); err == nil {
			// Bookkeeping: the login stands when the upgrade cannot be written.
			db.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, string(better), u.ID, hash)
		}
	}
	return u, nil
}

// ErrDeactivated refuses the login of a deactivated user.
var ErrDeactivated = domain.Errorf(domain.EForbidden, "this account is deactivated: ask an admin to reactivate it")

var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), passwordCost)
	if err != nil {
		panic(err)
	}
	return h
})

// GeneratePassword returns a random password of 26 characters from
// rand.Text's alphabet (A–Z, 2–7): 130 bits, easy to copy, nothing to
// mistake for something else.
func GeneratePassword() string { return rand.Text() }

func cleanEmail(email string) (string, domain.Problems) {
	var p domain.Problems
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		p.Add("email", "is required")
		return email, p
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		p.Add("email", "%q is not an email address", email)
	}
	return email, p
}

func checkPassword(password string) domain.Problems {
	var p domain.Problems
	switch {
	case len([]rune(password)) < MinPasswordLength:
		p.Add("password", "must have at least %d characters", MinPasswordLength)
	case len(password) > maxPasswordBytes:
		p.Add("password", "must have at most %d bytes", maxPasswordBytes)
	}
	return p
}

const userColumns = `id, email, role, name, created_at, password_changed_at, kb_editor, last_login_at, deactivated_at, password_hash = ''`

func scanUser(row interface{ Scan(...any) error }, more ...any) (User, error) {
	var u User
	var created, changed int64
	var login, deactivated sql.NullInt64
	if err := row.Scan(append([]any{&u.ID, &u.Email, &u.Role, &u.Name, &created, &changed, &u.KBEditor, &login, &deactivated, &u.Invited}, more...)...); err != nil {
		return u, err
	}
	u.CreatedAt = time.Unix(created, 0)
	u.PasswordChangedAt = time.Unix(changed, 0)
	u.LastLoginAt, u.DeactivatedAt = unixOrNil(login), unixOrNil(deactivated)
	return u, nil
}
