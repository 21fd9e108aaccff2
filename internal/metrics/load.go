package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// loader reads raw rows into day facts for one or more cuts at once: each
// table is read once, and every row is added to the store's facts and to
// its group under each cut. The rollup asks for every cut in one pass; a
// raw query for one.
type loader struct {
	db     *store.DB
	loc    *time.Location
	lo, hi int64 // Unix range [lo, hi)
	dims   []string
	window time.Duration
	data   map[string]dayGroups // by cut ("" is the store without a cut)
}

func newLoader(db *store.DB, loc *time.Location, from, to time.Time, dims []string, window time.Duration) *loader {
	l := &loader{db: db, loc: loc, lo: from.Unix(), hi: nextMidnight(to).Unix(), dims: dims, window: window, data: map[string]dayGroups{}}
	for _, d := range dims {
		l.data[d] = dayGroups{}
	}
	return l
}

// load reads what a metric needs.
func (l *loader) load(ctx context.Context, metric string) error {
	needs := map[string][]func(context.Context) error{
		"orders":                   {l.orders},
		"net_revenue":              {l.orders},
		"returns_cost":             {l.orders},
		"cpo_cohort":               {l.orders},
		"cpo_lag_adjusted":         {l.orders},
		"contact_rate":             {l.orders},
		"contacts":                 {l.contacts},
		"repeat_contact_rate":      {l.contacts},
		"cpo":                      {l.orders, l.contacts},
		"support_cost":             {l.orders, l.contacts, l.fixedCosts},
		"support_cost_per_order":   {l.orders, l.contacts, l.fixedCosts},
		"contribution_per_order":   {l.orders, l.contacts, l.fixedCosts},
		"return_cost_ratio":        {l.orders},
		"variable_cost_ratio":      {l.orders, l.contacts, l.fixedCosts},
		"demand":                   {l.contacts, l.sessions},
		"self_service_rate":        {l.contacts, l.sessions},
		"owner_completion_rate":    {l.actions},
		"first_contact_resolution": {l.conversations},
		"first_response_time":      {l.firstResponses},
		"resolution_time":          {l.resolutions},
		"replies_per_contact":      {l.resolutions},
		"csat":                     {l.satisfaction},
		"csat_responses":           {l.satisfaction},
	}
	return l.run(ctx, needs[metric])
}

// everything reads every fact, for the rollup.
func (l *loader) everything(ctx context.Context) error {
	return l.run(ctx, []func(context.Context) error{l.orders, l.contacts, l.fixedCosts, l.sessions, l.actions, l.conversations,
		l.firstResponses, l.resolutions, l.satisfaction})
}

func (l *loader) run(ctx context.Context, fns []func(context.Context) error) error {
	for _, fn := range fns {
		if err := fn(ctx); err != nil {
			return err
		}
	}
	return nil
}

// each calls fn with every cut's store-wide facts for the day.
func (l *loader) each(day string, fn func(dim string, all *facts)) {
	for _, d := range l.dims {
		fn(d, l.data[d].at(day, noGroup))
	}
}

// orderGroup is the SQL for an order dimension's value of order o.
func orderGroup(dim string) string {
	switch dim {
	case "customer_type":
		return `CASE WHEN o.customer_id IS NULL OR NOT EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = o.customer_id
			AND (p.placed_at < o.placed_at OR (p.placed_at = o.placed_at AND p.id < o.id))) THEN 'new' ELSE 'returning' END`
	case "first_order_month":
		// The month is cut in the store's time zone in Go (see groupValue).
		return `CAST(COALESCE((SELECT MIN(p.placed_at) FROM orders p WHERE p.customer_id = o.customer_id), o.placed_at) AS TEXT)`
	default:
		return `o.` + dim
	}
}

// groupValue turns a cut's raw value into its group name.
func (l *loader) groupValue(dim string, raw sql.NullString) string {
	if !raw.Valid {
		return NoOrder
	}
	v := raw.String
	if dim == "first_order_month" {
		var unix int64
		fmt.Sscan(v, &unix)
		return time.Unix(unix, 0).In(l.loc).Format("2006-01")
	}
	if v == "" {
		return NoValue
	}
	return v
}

// groupColumns returns, for the cuts that apply, SQL expressions of their
// group values (each may be NULL for "no order"), by a rule per cut.
func (l *loader) groupColumns(rule func(dim string) string) (dims []string, cols string) {
	var exprs []string
	for _, d := range l.dims {
		if d == "" {
			continue
		}
		if e := rule(d); e != "" {
			dims = append(dims, d)
			exprs = append(exprs, e)
		}
	}
	if len(exprs) == 0 {
		return nil, ""
	}
	return dims, ", " + strings.Join(exprs, ", ")
}

func scanGroups(n int) ([]sql.NullString, []any) {
	vals := make([]sql.NullString, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, ptrs
}

// processed is docs/metrics.md#orders-processed: not a test order, and not cancelled before it
// was fulfilled.
const processed = `o.status <> 'test' AND NOT ((o.cancelled_at IS NOT NULL OR o.status = 'cancelled')
	AND (o.fulfilled_at IS NULL OR (o.cancelled_at IS NOT NULL AND o.cancelled_at < o.fulfilled_at)))`

// orders loads the orders placed in the range, with their returns (as of
// now, whenever they came) and their contacts within the attribution window.
func (l *loader) orders(ctx context.Context) error {
	dims, cols := l.groupColumns(func(d string) string {
		if slices.Contains(OrderDimensions, d) {
			return orderGroup(d)
		}
		return ""
	})
	rows, err := l.db.Query(ctx, `SELECT o.placed_at,
			o.item_revenue - o.discounts + o.shipping_charged, o.cogs, o.fulfillment_cost, o.payment_fees,
			COALESCE((SELECT SUM(r.refund_amount + r.return_shipping_cost - r.restocked_cogs) FROM returns r WHERE r.order_id = o.id), 0),
			(SELECT COUNT(*) FROM contacts c WHERE c.order_id = o.id AND c.started_at < o.placed_at + ?),
			CASE WHEN o.revenue_unknown THEN 1 ELSE 0 END`+cols+`
		FROM orders o WHERE o.placed_at >= ? AND o.placed_at < ? AND `+processed, int64(l.window/time.Second), l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, ptrs := scanGroups(len(dims))
	for rows.Next() {
		var placed, net, cogs, ful, fees, ret, cohort, unknown int64
		if err := rows.Scan(append([]any{&placed, &net, &cogs, &ful, &fees, &ret, &cohort, &unknown}, ptrs...)...); err != nil {
			return err
		}
		add := func(f *facts) {
			f.orders++
			if unknown == 1 {
				// Its amounts are not zero but unknown: only its count
				// and its returns are kept (docs/metrics.md#unknown-revenue).
				f.revenueUnknown++
				f.unknownReturns += float64(ret) / 100
			} else {
				f.netRevenue += float64(net) / 100
				f.cogs += float64(cogs) / 100
				f.fulfillment += float64(ful) / 100
				f.paymentFees += float64(fees) / 100
			}
			f.returnsCost += float64(ret) / 100
			f.cohortContacts += float64(cohort)
			if cohort > 0 {
				f.ordersWithContact++
			}
		}
		day := dayOf(placed, l.loc)
		l.each(day, func(_ string, all *facts) { add(all) })
		for i, d := range dims {
			add(l.data[d].at(day, l.groupValue(d, groups[i])))
		}
	}
	return rows.Err()
}

// contacts loads contacts started in the range, with what each cost:
// handle time at its team's rate that day plus the per-contact fees.
func (l *loader) contacts(ctx context.Context) error {
	rates, fees, err := costTables(ctx, l)
	if err != nil {
		return err
	}
	dims, cols := l.groupColumns(func(d string) string {
		switch {
		case slices.Contains(OrderDimensions, d):
			return `CASE WHEN o.id IS NULL THEN NULL ELSE ` + orderGroup(d) + ` END`
		case d == "team":
			return contactTeam
		case slices.Contains(ContactDimensions, d):
			return `c.` + d
		}
		return ""
	})
	rows, err := l.db.Query(ctx, `SELECT c.started_at, c.channel, `+contactTeam+`, c.handle_seconds,
			CASE WHEN c.is_repeat THEN 1 ELSE 0 END`+cols+`
		FROM contacts c LEFT JOIN orders o ON o.id = c.order_id
		WHERE c.started_at >= ? AND c.started_at < ?`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, ptrs := scanGroups(len(dims))
	for rows.Next() {
		var started, handle, repeat int64
		var channel, team string
		if err := rows.Scan(append([]any{&started, &channel, &team, &handle, &repeat}, ptrs...)...); err != nil {
			return err
		}
		day := dayOf(started, l.loc)
		cost := float64(handle)/3600*effective(rates[strings.ToLower(team)], day) + effective(fees[channel], day) + effective(fees[""], day)
		l.each(day, func(_ string, all *facts) {
			all.contacts++
			all.repeats += float64(repeat)
			all.supportCost += cost
		})
		for i, d := range dims {
			g := l.data[d].at(day, l.groupValue(d, groups[i]))
			g.contacts++
			g.repeats += float64(repeat)
			if !groups[i].Valid {
				// Linked to no order: the cut's orders share its cost.
				l.data[d].at(day, noGroup).unownedCost += cost
			} else {
				g.supportCost += cost
			}
		}
	}
	return rows.Err()
}

// fixedCosts spreads each fixed cost evenly over the days from its start to
// its end date, and keeps the days in the range. No group owns it.
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
		// The days are counted, not listed: only those in the range are
		// visited, so a cost spread over centuries costs no more than one
		// spread over a month.
		perDay := float64(amount) / 100 / float64(calendarDays(s, e))
		from, to := time.Unix(l.lo, 0).In(l.loc), time.Unix(l.hi-1, 0).In(l.loc)
		from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, l.loc)
		if s.After(from) {
			from = s
		}
		if e.Before(to) {
			to = e
		}
		for _, d := range days(from, to) {
			l.each(d.Format(dateLayout), func(_ string, all *facts) {
				all.supportCost += perDay
				all.unownedCost += perDay
			})
		}
	}
	return rows.Err()
}

// calendarDays is how many calendar days from s to e, both included.
func calendarDays(s, e time.Time) int {
	utc := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	return int(utc(e).Sub(utc(s))/(24*time.Hour)) + 1
}

// sessions loads self-service sessions; the resolved ones are demand that
// never became a contact.
func (l *loader) sessions(ctx context.Context) error {
	dims, cols := l.groupColumns(func(d string) string {
		switch {
		case slices.Contains(OrderDimensions, d):
			return `CASE WHEN o.id IS NULL THEN NULL ELSE ` + orderGroup(d) + ` END`
		case d == "topic":
			return `s.topic`
		}
		return ""
	})
	rows, err := l.db.Query(ctx, `SELECT s.started_at`+cols+` FROM self_service_sessions s LEFT JOIN orders o ON o.id = s.order_id
		WHERE s.outcome = 'resolved' AND s.started_at >= ? AND s.started_at < ?`, l.lo, l.hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, ptrs := scanGroups(len(dims))
	for rows.Next() {
		var started int64
		if err := rows.Scan(append([]any{&started}, ptrs...)...); err != nil {
			return err
		}
		day := dayOf(started, l.loc)
		l.each(day, func(_ string, all *facts) { all.selfResolved++ })
		for i, d := range dims {
			l.data[d].at(day, l.groupValue(d, groups[i])).selfResolved++
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
		add := func(f *facts) {
			f.actionsDue++
			if onTime {
				f.actionsOnTime++
			}
		}
		l.each(due, func(_ string, all *facts) { add(all) })
		if slices.Contains(l.dims, "owner") {
			add(l.data["owner"].at(due, l.groupValue("owner", sql.NullString{String: owner, Valid: true})))
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
		l.each(dayOf(closed, l.loc), func(_ string, all *facts) {
			all.closedConversations++
			if n == 1 {
				all.oneContactClosed++
			}
		})
	}
	return rows.Err()
}
