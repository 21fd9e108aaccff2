package decide

import (
	"context"
	"net/mail"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Owner is a person named by guardrails, corrections and actions, with
// the address the weekly review goes to.
type Owner struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Owners lists the owners by name.
func Owners(ctx context.Context, db *store.DB) ([]Owner, error) {
	rows, err := db.Query(ctx, `SELECT name, email FROM owners ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Owner{}
	for rows.Next() {
		var o Owner
		if err := rows.Scan(&o.Name, &o.Email); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SetOwner records an owner's address ("" removes it).
func SetOwner(ctx context.Context, db *store.DB, o Owner) error {
	var p domain.Problems
	p.Require("name", strings.TrimSpace(o.Name))
	if o.Email != "" {
		if a, err := mail.ParseAddress(o.Email); err != nil || a.Address != o.Email {
			p.Add("email", "%q is not an email address", o.Email)
		}
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "bad owner", Fields: p}
	}
	_, err := db.Exec(ctx, `INSERT INTO owners (name, email) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET email = excluded.email`, o.Name, o.Email)
	return err
}
