package metrics

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strings"
	"time"
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

func (l *loader) contactGroup() string {
	switch {
	case slices.Contains(OrderDimensions, l.by):
		return `CASE WHEN o.id IS NULL THEN NULL ELSE ` + orderGroup(l.by) + ` END`
	case l.by == "team":
		return contactTeam
	case slices.Contains(ContactDimensions, l.by):
		return `c.` + l.by
	}
	return `''`
}

// contacts loads contacts started in the range, with what each cost:
// handle time at its team's rate that day plus the per-contact fees.
func (l *loader) contacts(ctx context.Context) error {
	rates, fees, err := costTables(ctx, l)
	if err != nil {
		return err
	}
	orderCut := slices.Contains(OrderDimensions, l.by)
	rows, err := l.db.Query(ctx, `SELECT c.started_at, c.channel, `+contactTeam+`, c.handle_seconds,
			CASE WHEN c.is_repeat THEN 1 ELSE 0 END, `+l.contactGroup()+`
		FROM contacts c LEFT JOIN orders o ON o.id = c.order_id
		WHERE c.started_at >= ? AND c.started_at < ?`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var started, handle, repeat int64
		var channel, team string
		var group sql.NullString
		if err := rows.Scan(&started, &channel, &team, &handle, &repeat, &group); err != nil {
			return err
		}
		day := dayOf(started, l.loc)
		cost := float64(handle)/3600*effective(rates[strings.ToLower(team)], day) + effective(fees[channel], day) + effective(fees[""], day)
		all := l.data.at(day, noGroup)
		all.contacts++
		all.repeats += float64(repeat)
		all.supportCost += cost
		if l.by == "" {
			continue
		}
		g := l.data.at(day, l.groupValue(group))
		g.contacts++
		g.repeats += float64(repeat)
		if orderCut && !group.Valid {
			all.unownedCost += cost // linked to no order: shared by orders
		} else {
			g.supportCost += cost
		}
	}
	return rows.Err()
}

// fixedCosts spreads each fixed cost evenly over the days from its start to
// its end date, and keeps the days in the range.
func (l *loader) fixedCosts(ctx context.Context) error {
	first := time.Unix(l.lo, 0).In(l.loc).Format(dateLayout)
	last := time.Unix(l.hi-1, 0).In(l.loc).Format(dateLayout)
	rows, err := l.db.Query(ctx, `SELECT amount, start_date, end_date FROM cost_entries WHERE kind = 'fixed' AND start_date <= ? AND end_date >= ?`, last, first)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var amount int64
		var start, end string
		if err := rows.Scan(&amount, &start, &end); err != nil {
			return err
		}
		s, err1 := time.ParseInLocation(dateLayout, start, l.loc)
		e, err2 := time.ParseInLocation(dateLayout, end, l.loc)
		if err1 != nil || err2 != nil {
			continue
		}
		span := days(s, e)
		perDay := float64(amount) / 100 / float64(len(span))
		for _, d := range span {
			if day := d.Format(dateLayout); day >= first && day <= last {
				all := l.data.at(day, noGroup)
				all.supportCost += perDay
				all.unownedCost += perDay
			}
		}
	}
	return rows.Err()
}

// sessions loads self-service sessions; the resolved ones are demand that
// never became a contact.
func (l *loader) sessions(ctx context.Context) error {
	group := `''`
	switch {
	case slices.Contains(OrderDimensions, l.by):
		group = `CASE WHEN o.id IS NULL THEN NULL ELSE ` + orderGroup(l.by) + ` END`
	case l.by == "topic":
		group = `s.topic`
	}
	rows, err := l.db.Query(ctx, `SELECT s.started_at, `+group+` FROM self_service_sessions s LEFT JOIN orders o ON o.id = s.order_id
		WHERE s.outcome = 'resolved' AND s.started_at >= ? AND s.started_at < ?`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var started int64
		var g sql.NullString
		if err := rows.Scan(&started, &g); err != nil {
			return err
		}
		day := dayOf(started, l.loc)
		l.data.at(day, noGroup).selfResolved++
		if l.by != "" {
			l.data.at(day, l.groupValue(g)).selfResolved++
		}
	}
	return rows.Err()
}

// actions loads the owners' actions due in the range; one completed before
// the end of its due day (store time) was done on time.
func (l *loader) actions(ctx context.Context) error {
	first := time.Unix(l.lo, 0).In(l.loc).Format(dateLayout)
	last := time.Unix(l.hi-1, 0).In(l.loc).Format(dateLayout)
	rows, err := l.db.Query(ctx, `SELECT due_date, owner, completed_at FROM actions WHERE due_date >= ? AND due_date <= ?`, first, last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var due, owner string
		var completed sql.NullInt64
		if err := rows.Scan(&due, &owner, &completed); err != nil {
			return err
		}
		d, err := time.ParseInLocation(dateLayout, due, l.loc)
		if err != nil {
			continue
		}
		onTime := completed.Valid && completed.Int64 < nextMidnight(d).Unix()
		targets := []*facts{l.data.at(due, noGroup)}
		if l.by == "owner" {
			targets = append(targets, l.data.at(due, l.groupValue(sql.NullString{String: owner, Valid: true})))
		}
		for _, f := range targets {
			f.actionsDue++
			if onTime {
				f.actionsOnTime++
			}
		}
	}
	return rows.Err()
}

// conversations loads the conversations closed in the range, with how many
// contacts each took.
func (l *loader) conversations(ctx context.Context) error {
	rows, err := l.db.Query(ctx, `SELECT v.closed_at, (SELECT COUNT(*) FROM contacts c WHERE c.conversation_id = v.id)
		FROM conversations v WHERE v.state = 'closed' AND v.closed_at >= ? AND v.closed_at < ?`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var closed, n int64
		if err := rows.Scan(&closed, &n); err != nil {
			return err
		}
		f := l.data.at(dayOf(closed, l.loc), noGroup)
		f.closedConversations++
		if n == 1 {
			f.oneContactClosed++
		}
	}
	return rows.Err()
}
