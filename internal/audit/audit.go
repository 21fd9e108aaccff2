// Package audit keeps the record of what admins changed (users, API
// tokens, store settings, notification delivery, connections): who, when,
// what and on what. Each change is recorded in the transaction that makes
// it, so a change is never stored without its record.
package audit

import (
	"context"
	"time"

	"quietdesk/internal/store"
)

// Entry is one recorded change.
type Entry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // the user's email, "cli", or a token's name
	Action string    `json:"action"` // e.g. user.invite, token.revoke, setting.set, connection.create
	Target string    `json:"target"` // what was changed: an email, a token id, a setting's key
	Detail string    `json:"detail"` // never a secret: "(set)" stands for one
}

// Record stores one change inside tx.
func Record(ctx context.Context, tx *store.Tx, now time.Time, actor, action, target, detail string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`,
		now.Unix(), actor, action, target, detail)
	return err
}

// List returns the newest changes first, at most limit (100 when 0).
func List(ctx context.Context, db *store.DB, limit int) ([]Entry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := db.Query(ctx, `SELECT id, at, actor, action, target, detail FROM audit_log ORDER BY at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
