package decide

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"quietdesk/internal/actions"
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

// ActionFromAlert is the action an alert asks of its guardrail's owner:
// the recommended action for the alert's scope, due a week after the
// alert's last week ends.
func (d *Decider) ActionFromAlert(ctx context.Context, id int64) (actions.Action, error) {
	a, err := d.GetAlert(ctx, id)
	if err != nil {
		return actions.Action{}, err
	}
	loc, err := d.loc(ctx)
	if err != nil {
		return actions.Action{}, err
	}
	w, err := ParseWeek(a.LastWeek, loc)
	if err != nil {
		return actions.Action{}, err
	}
	if a.Owner == "" {
		return actions.Action{}, domain.Errorf(domain.EInvalid, "guardrail %s has no owner to act: quietdesk guardrails set %s --owner WHO", a.Guardrail, a.Guardrail)
	}
	return actions.Action{ExternalID: fmt.Sprintf("alert-%d", a.ID), Owner: a.Owner, Guardrail: a.Guardrail,
		Title:   fmt.Sprintf("%s: %s", strings.ToUpper(a.Action[:1])+a.Action[1:], a.Scope),
		DueDate: w.Add(1).Sunday().Format(dateLayout)}, nil
}
