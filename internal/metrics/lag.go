package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"
)

// Lag adjustment (docs/metrics.md#lag-adjustment). Contacts arrive days
// after their order, so the orders of the last few weeks have not brought
// all their contacts yet, and a surge of orders reads as a falsely low CPO.
// cpo_lag_adjusted is cpo_cohort with, for each day of orders whose
// attribution window is still open, the contacts still to come estimated
// (Bornhuetter–Ferguson): the day's orders × the segment's contacts per
// order over its mature days × the share of a window's contacts that
// usually arrive after the orders' age, from the segment's contact-lag
// profile. The estimate leans on the segment's history, not on the few
// contacts a young day has, so it is steady from the first day.

// lagLearnDays is how many of the most recent mature days teach the
// contacts per order and the lag profile.
const lagLearnDays = 56

// lagMinContacts is how many contacts a segment's profile needs; below,
// the store's profile stands in.
const lagMinContacts = 100

// lagProfile is, for each day of lag, the share of a cohort's window
// contacts that arrive at least that late: late[a] = P(lag >= a).
type lagProfile struct {
	late     []float64
	contacts float64
}

// stillToCome is the share of a window's contacts not yet arrived for
// orders age days old (fractional): those of the later days of lag, and
// of the current one the part of the day still ahead (contacts spread
// evenly over a day of lag).
func (p lagProfile) stillToCome(age float64) float64 {
	a := int(math.Floor(age))
	switch {
	case age < 0:
		return 1
	case a >= len(p.late):
		return 0
	}
	next := 0.0
	if a+1 < len(p.late) {
		next = p.late[a+1]
	}
	return next + (p.late[a]-next)*(float64(a+1)-age)
}

// lagProfiles reads the lag of every window contact of the orders placed
// in [from, to), for the store (noGroup) and each group of by.
func (e *Engine) lagProfiles(ctx context.Context, by string, loc *time.Location, from, to time.Time) (map[string]lagProfile, error) {
	window := e.window()
	days := int(window / (24 * time.Hour))
	groupCol := "''"
	if by != "" {
		groupCol = orderGroup(by)
	}
	rows, err := e.DB.Query(ctx, `SELECT (c.started_at - o.placed_at) / 86400, `+groupCol+`, COUNT(*)
		FROM contacts c JOIN orders o ON o.id = c.order_id
		WHERE o.placed_at >= ? AND o.placed_at < ? AND c.started_at >= o.placed_at AND c.started_at < o.placed_at + ? AND `+processed+`
		GROUP BY 1, 2`, from.Unix(), to.Unix(), int64(window/time.Second))
	if err != nil {
		return nil, fmt.Errorf("contact-lag profile: %w", err)
	}
	defer rows.Close()
	counts := map[string][]float64{}
	l := &loader{loc: loc}
	for rows.Next() {
		var lag, n int64
		var g sql.NullString
		if err := rows.Scan(&lag, &g, &n); err != nil {
			return nil, err
		}
		if lag < 0 || lag >= int64(days) {
			continue
		}
		for _, key := range []string{noGroup, l.groupValue(by, g)} {
			if by == "" && key != noGroup {
				continue
			}
			if counts[key] == nil {
				counts[key] = make([]float64, days)
			}
			counts[key][lag] += float64(n)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]lagProfile{}
	for key, c := range counts {
		var total float64
		for _, n := range c {
			total += n
		}
		p := lagProfile{late: make([]float64, days), contacts: total}
		rest := total
		for a := range days {
			if total > 0 {
				p.late[a] = rest / total
			}
			rest -= c[a]
		}
		out[key] = p
	}
	return out, nil
}

// lagAdjust adds the contacts still to come to every row of a
// cpo_lag_adjusted series whose orders' window is still open.
func (e *Engine) lagAdjust(ctx context.Context, q Query, loc *time.Location, data dayGroups, rows []Row) error {
	now := e.Now()
	window := e.window()
	// The mature days that teach: the most recent lagLearnDays whose
	// window has closed.
	learnTo := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc).Add(-window)
	learnFrom := learnTo.AddDate(0, 0, -lagLearnDays)
	profiles, err := e.lagProfiles(ctx, q.By, loc, learnFrom, learnTo)
	if err != nil {
		return err
	}
	learned, _, err := e.dayFacts(ctx, Query{Metric: "cpo_cohort", By: q.By}, loc, learnFrom, learnTo.AddDate(0, 0, -1))
	if err != nil {
		return err
	}
	perOrder := map[string][2]float64{} // group → contacts, orders over the mature days
	for _, groups := range learned {
		for g, f := range groups {
			v := perOrder[g]
			v[0] += f.cohortContacts
			v[1] += f.orders
			perOrder[g] = v
		}
	}
	rate := func(g string) float64 {
		if v := perOrder[g]; v[1] >= 30 {
			return v[0] / v[1]
		}
		if v := perOrder[noGroup]; v[1] > 0 {
			return v[0] / v[1]
		}
		return 0
	}
	profile := func(g string) lagProfile {
		if p, ok := profiles[g]; ok && p.contacts >= lagMinContacts {
			return p
		}
		return profiles[noGroup]
	}
	for i := range rows {
		r := &rows[i]
		g := noGroup
		if r.Group != nil {
			g = *r.Group
		}
		start, err := time.ParseInLocation(dateLayout, r.Start, loc)
		if err != nil {
			return err
		}
		est := 0.0
		for d := start; d.Before(periodEnd(start, q.Grain)); d = nextMidnight(d) {
			f := data[d.Format(dateLayout)][g]
			if f == nil || f.orders == 0 {
				continue
			}
			// The day's orders are, on average, placed at its middle.
			age := now.Sub(d.Add(12*time.Hour)).Hours() / 24
			est += f.orders * rate(g) * profile(g).stillToCome(age)
		}
		est = round(est)
		mature := est == 0 && !now.Before(periodEnd(start, q.Grain).Add(window))
		r.Mature, r.EstimatedContacts = &mature, &est
		r.Numerator = round(r.Numerator + est)
		if r.Denominator != 0 {
			v := round(r.Numerator / r.Denominator)
			r.Value = &v
		}
	}
	return nil
}

// Volume surges (docs/metrics.md#volume-surges). A week whose orders are
// far outside their normal range — Black Friday, a viral post — moves
// every per-order metric by its denominator alone, so wherever such a
// week's figures are shown they carry the flag.

// surgeWeeks is how many weeks before a week give its normal range.
const surgeWeeks = 8

// IsSurge says whether value is far outside the range of past: beyond 3
// robust standard deviations (1.4826 × the median absolute deviation,
// floored at 10% of the median) of their median, and at least 30% off it.
// Fewer than four past weeks with orders say nothing: a store's first
// weeks are not surges.
func IsSurge(value float64, past []float64) bool {
	active := 0
	for _, v := range past {
		if v > 0 {
			active++
		}
	}
	if active < 4 {
		return false
	}
	med := median(past)
	dev := make([]float64, len(past))
	for i, v := range past {
		dev[i] = math.Abs(v - med)
	}
	mad := max(median(dev), 0.1*med)
	off := math.Abs(value - med)
	return off > 3*1.4826*mad && off >= 0.3*med
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// markSurges flags the weekly rows whose week's store-wide orders are a
// surge against the surgeWeeks before it.
func (e *Engine) markSurges(ctx context.Context, loc *time.Location, from, to time.Time, rows []Row) error {
	learn := from.AddDate(0, 0, -7*surgeWeeks)
	data, _, err := e.dayFacts(ctx, Query{Metric: "orders"}, loc, learn, to)
	if err != nil {
		return err
	}
	weekly := map[string]float64{}
	var order []string
	for _, d := range days(learn, to) {
		label, _ := period(d, "week")
		if _, ok := weekly[label]; !ok {
			order = append(order, label)
			weekly[label] = 0
		}
		if f := data[d.Format(dateLayout)][noGroup]; f != nil {
			weekly[label] += f.orders
		}
	}
	surge := map[string]bool{}
	for i, w := range order {
		if i >= surgeWeeks {
			past := make([]float64, 0, surgeWeeks)
			for _, p := range order[i-surgeWeeks : i] {
				past = append(past, weekly[p])
			}
			surge[w] = IsSurge(weekly[w], past)
		}
	}
	for i := range rows {
		rows[i].VolumeSurge = surge[rows[i].Period]
	}
	return nil
}
