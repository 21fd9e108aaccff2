// Package actions keeps the owners' actions — created from alerts and
// corrections, imported, or added by hand — whose completion by their due
// date gives each owner's completion rate.
package actions

import (
	"context"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Action is one thing an owner said they would do by a date.
type Action struct {
	ExternalID  string
	Owner       string
	Title       string
	DueDate     string // YYYY-MM-DD
	CompletedAt *time.Time
	Guardrail   string
}

// Validate checks one action.
func (a *Action) Validate() domain.Problems {
	var p domain.Problems
	p.Require("action_id", a.ExternalID)
	p.Require("owner", a.Owner)
	p.Require("title", a.Title)
	p.Require("due_date", a.DueDate)
	return p
}

var actionTable = store.Keyed{Table: "actions", Key: "external_id",
	Columns: []string{"owner", "title", "due_date", "completed_at", "guardrail"}}

// Upsert writes actions keyed on their external id.
func Upsert(ctx context.Context, tx *store.Tx, list []Action) (store.Counts, error) {
	var counts store.Counts
	keys := make([]string, len(list))
	for i := range list {
		keys[i] = list[i].ExternalID
	}
	have, err := actionTable.Existing(ctx, tx, keys)
	if err != nil {
		return counts, err
	}
	for _, a := range list {
		h := domain.Hash(a.Owner, a.Title, a.DueDate, a.CompletedAt, a.Guardrail)
		_, outcome, err := actionTable.Write(ctx, tx, have, a.ExternalID, h, a.Owner, a.Title, a.DueDate, domain.UnixOrNil(a.CompletedAt), a.Guardrail)
		if err != nil {
			return counts, err
		}
		counts.Count(outcome)
	}
	return counts, nil
}
