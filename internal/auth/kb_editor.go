package auth

import (
	"context"
	"database/sql"
	"errors"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// EditsKB reports whether the user may write the knowledge base: admins,
// and agents given the right (quietdesk user kb-editor EMAIL on).
// Analysts never do: they read figures, not customers' answers.
func (u User) EditsKB() bool {
	return u.Role == RoleAdmin || (u.Role == RoleAgent && u.KBEditor)
}

// SetKBEditor gives or takes an agent's right to edit the knowledge base
// (SetKBEditorTx in a transaction of its own).
func SetKBEditor(ctx context.Context, db *store.DB, email string, on bool) (User, error) {
	var u User
	err := db.WriteTx(ctx, func(tx *store.Tx) (err error) {
		u, _, err = SetKBEditorTx(ctx, tx, email, on)
		return err
	})
	return u, err
}

// SetKBEditorTx gives or takes an agent's right to edit the knowledge base
// inside tx, so the caller records the change (audit.Record) with it.
// Admins always have it and analysts cannot get it, so both are refused
// with the reason. Setting what is already set changes nothing: changed
// is false.
func SetKBEditorTx(ctx context.Context, tx *store.Tx, email string, on bool) (u User, changed bool, err error) {
	email, p := cleanEmail(email)
	if len(p) > 0 {
		return User{}, false, &domain.Error{Code: domain.EInvalid, Message: "cannot change the knowledge-base right", Fields: p}
	}
	err = tx.QueryRow(ctx, `SELECT id, email, role, name, kb_editor FROM users WHERE email = ?`, email).Scan(&u.ID, &u.Email, &u.Role, &u.Name, &u.KBEditor)
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, domain.Errorf(domain.ENotFound, "there is no user %s (quietdesk user list shows them)", email)
	}
	if err != nil {
		return u, false, err
	}
	switch u.Role {
	case RoleAdmin:
		return u, false, domain.Errorf(domain.EInvalid, "%s is an admin, who always edits the knowledge base: nothing to change", email)
	case RoleAnalyst:
		return u, false, domain.Errorf(domain.EInvalid, "%s is an analyst; only agents are given the knowledge-base right (admins always have it)", email)
	}
	if u.KBEditor == on {
		return u, false, nil
	}
	u.KBEditor = on
	_, err = tx.Exec(ctx, `UPDATE users SET kb_editor = ? WHERE id = ?`, on, u.ID)
	return u, true, err
}
