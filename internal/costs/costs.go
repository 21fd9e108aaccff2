// Package costs keeps what support costs besides what contacts record:
// loaded hourly rates of teams, fees per contact, and fixed costs spread over
// days (docs/metrics.md#formulas, docs/import.md#generic-csv-formats).
package costs

import (
	"context"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Kinds of cost entry.
var Kinds = []string{"team_rate", "contact_fee", "fixed"}

// Entry is one cost line.
type Entry struct {
	Kind        string
	Amount      domain.Money
	StartDate   string // YYYY-MM-DD
	EndDate     string // YYYY-MM-DD, fixed costs only
	Team        string
	Channel     string
	Description string
}

// Validate checks one entry.
func (e *Entry) Validate() domain.Problems {
	var p domain.Problems
	p.OneOf("kind", e.Kind, Kinds...)
	if e.Amount < 0 {
		p.Add("amount", "must not be negative (got %s)", e.Amount)
	}
	p.Require("start_date", e.StartDate)
	switch e.Kind {
	case "team_rate":
		p.Require("team", e.Team)
	case "fixed":
		if e.EndDate == "" {
			p.Add("end_date", "is required for a fixed cost (the last day it is spread over)")
		} else if e.EndDate < e.StartDate {
			p.Add("end_date", "%s is before start_date %s", e.EndDate, e.StartDate)
		}
	}
	if e.Channel != "" {
		p.OneOf("channel", e.Channel, "email", "chat", "voice", "sms", "social", "other")
	}
	return p
}

// NaturalKey identifies an entry without an id of its own: a team has one
// rate from a given day, a channel one fee from a given day, and a fixed cost
// is its period and description. Re-importing the same line updates it.
func (e *Entry) NaturalKey() string {
	switch e.Kind {
	case "team_rate":
		return "team_rate|" + strings.ToLower(e.Team) + "|" + e.StartDate
	case "contact_fee":
		return "contact_fee|" + e.Channel + "|" + e.StartDate
	default:
		return "fixed|" + e.StartDate + "|" + e.EndDate + "|" + e.Description
	}
}

var entryTable = store.Keyed{Table: "cost_entries", Key: "natural_key",
	Columns: []string{"kind", "amount", "start_date", "end_date", "team", "channel", "description"}}

// Upsert writes entries; a team named by a rate is created if new.
func Upsert(ctx context.Context, tx *store.Tx, entries []Entry) (store.Counts, error) {
	var counts store.Counts
	keys := make([]string, len(entries))
	for i := range entries {
		keys[i] = entries[i].NaturalKey()
	}
	have, err := entryTable.Existing(ctx, tx, keys)
	if err != nil {
		return counts, err
	}
	for i, e := range entries {
		if e.Team != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO teams (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, e.Team); err != nil {
				return counts, err
			}
		}
		h := domain.Hash(e.Kind, e.Amount, e.StartDate, e.EndDate, e.Team, e.Channel, e.Description)
		_, outcome, err := entryTable.Write(ctx, tx, have, keys[i], h, e.Kind, int64(e.Amount), e.StartDate, e.EndDate, e.Team, e.Channel, e.Description)
		if err != nil {
			return counts, err
		}
		counts.Count(outcome)
	}
	return counts, nil
}
