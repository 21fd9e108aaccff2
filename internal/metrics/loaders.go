package metrics

import (
	"context"
	"sort"
	"strings"
)

// dated is a cost that applies from a day on: a team's hourly rate, or a
// fee per contact.
type dated struct {
	from   string // YYYY-MM-DD
	amount float64
}

// effective returns the amount in force on day: the latest entry that
// started on or before it.
func effective(list []dated, day string) float64 {
	i := sort.Search(len(list), func(i int) bool { return list[i].from > day })
	if i == 0 {
		return 0
	}
	return list[i-1].amount
}

// costTables reads team rates (by lower-cased team) and per-contact fees (by
// channel; "" applies to every channel, on top of a channel's own fee).
func costTables(ctx context.Context, l *loader) (rates, fees map[string][]dated, err error) {
	rates, fees = map[string][]dated{}, map[string][]dated{}
	rows, err := l.db.Query(ctx, `SELECT kind, team, channel, start_date, amount FROM cost_entries WHERE kind IN ('team_rate', 'contact_fee') ORDER BY start_date`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, team, channel, start string
		var amount int64
		if err := rows.Scan(&kind, &team, &channel, &start, &amount); err != nil {
			return nil, nil, err
		}
		d := dated{start, float64(amount) / 100}
		if kind == "team_rate" {
			rates[strings.ToLower(team)] = append(rates[strings.ToLower(team)], d)
		} else {
			fees[channel] = append(fees[channel], d)
		}
	}
	return rates, fees, rows.Err()
}

// contactTeam is a contact's team: its own, else its agent's.
const contactTeam = `COALESCE(NULLIF(c.team, ''), (SELECT t.name FROM agents a JOIN teams t ON t.id = a.team_id WHERE a.name = c.agent), '')`
