package metrics

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// The rollup keeps every day's facts, for the store and for each dimension,
// in metric_days, so that a series over a year reads a few thousand rows
// instead of every order and contact. Triggers name the days each write
// touched (metric_dirty); Refresh recomputes exactly those days from the
// raw rows with the same loader the direct computation uses, so the two
// cannot disagree.

// rolledDims are the cuts kept: the store ("") and every dimension but
// age, which cuts only the backlog, a snapshot read from the raw rows.
var rolledDims = append([]string{""}, slices.DeleteFunc(slices.Clone(Dimensions), func(d string) bool { return d == "age" })...)

var factColumns = []string{"orders", "orders_with_contact", "cohort_contacts", "net_revenue", "cogs", "fulfillment", "payment_fees", "returns_cost",
	"contacts", "repeats", "support_cost", "unowned_cost", "self_resolved", "actions_due", "actions_on_time", "closed_conversations", "one_contact_closed",
	"answered", "resolved", "replies", "csat_answers", "csat_satisfied", "revenue_unknown", "unknown_returns_cost"}

// histColumns hold the histograms behind the medians; only the median
// metrics read them.
var histColumns = []string{"first_response_hist", "resolution_hist"}

func (f *facts) fields() []any {
	return []any{f.orders, f.ordersWithContact, f.cohortContacts, f.netRevenue, f.cogs, f.fulfillment, f.paymentFees, f.returnsCost,
		f.contacts, f.repeats, f.supportCost, f.unownedCost, f.selfResolved, f.actionsDue, f.actionsOnTime, f.closedConversations, f.oneContactClosed,
		f.answered, f.resolved, f.replies, f.csatAnswers, f.csatSatisfied, f.revenueUnknown, f.unknownReturns, f.firstResponse, f.resolution}
}

func (f *facts) pointers(hists bool) []any {
	out := []any{&f.orders, &f.ordersWithContact, &f.cohortContacts, &f.netRevenue, &f.cogs, &f.fulfillment, &f.paymentFees, &f.returnsCost,
		&f.contacts, &f.repeats, &f.supportCost, &f.unownedCost, &f.selfResolved, &f.actionsDue, &f.actionsOnTime, &f.closedConversations, &f.oneContactClosed,
		&f.answered, &f.resolved, &f.replies, &f.csatAnswers, &f.csatSatisfied, &f.revenueUnknown, &f.unknownReturns}
	if hists {
		out = append(out, &f.firstResponse, &f.resolution)
	}
	return out
}

// Refresh brings the rollup up to date: it recomputes the days that writes
// have touched since the last refresh, or everything when a change reaches
// every day (a rate, a team, the time zone) or the rollup was never built.
//
// Days are recomputed without holding the writer, so writes go on
// meanwhile: their marks are moved to metric_refreshing in a short
// transaction, the days computed from the raw rows, and written with the
// marks cleared in another. A write in between marks its days again, and
// the next refresh redoes them. Everything at once is rebuilt in one
// transaction, holding the writer (on PostgreSQL, the lock of
// metric_dirty): it is rare, and half a rebuilt rollup would mislead.
func (e *Engine) Refresh(ctx context.Context) error {
	// A cheap look first: most calls find nothing to do.
	buckets, all, err := e.dirty(ctx)
	if err != nil || len(buckets) == 0 {
		return err
	}
	loc, err := store.TimeZone(ctx, e.DB)
	if err != nil {
		return err
	}
	if all {
		return e.rebuildAll(ctx, loc)
	}
	// Claim the marks.
	if err := e.DB.WriteTx(ctx, func(tx *store.Tx) error {
		if tx.DB().Dialect == store.Postgres {
			if _, err := tx.Exec(ctx, `LOCK TABLE metric_dirty IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO metric_refreshing (bucket) SELECT bucket FROM metric_dirty WHERE true ON CONFLICT (bucket) DO NOTHING`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM metric_dirty WHERE bucket IN (SELECT bucket FROM metric_refreshing)`)
		return err
	}); err != nil {
		return err
	}
	claimed, err := e.refreshing(ctx)
	if err != nil || len(claimed) == 0 {
		return err
	}
	for _, r := range dayRuns(claimed, loc) {
		// Four weeks at a time keeps memory flat however long the run.
		for from := r[0]; !from.After(r[1]); {
			to := time.Date(from.Year(), from.Month(), from.Day()+27, 0, 0, 0, 0, loc)
			if to.After(r[1]) {
				to = r[1]
			}
			rows, err := e.dayRows(ctx, loc, from, to)
			if err != nil {
				return err
			}
			if err := e.DB.WriteTx(ctx, func(tx *store.Tx) error { return writeDays(ctx, tx, from, to, rows) }); err != nil {
				return err
			}
			from = nextMidnight(to)
		}
	}
	_, err = e.DB.Exec(ctx, `DELETE FROM metric_refreshing WHERE bucket IN (`+store.Placeholders(len(claimed))+`)`, store.Args(claimed)...)
	return err
}

// rebuildAll recomputes the whole rollup in one transaction.
func (e *Engine) rebuildAll(ctx context.Context, loc *time.Location) error {
	return e.DB.WriteTx(ctx, func(tx *store.Tx) error {
		if tx.DB().Dialect == store.Postgres {
			if _, err := tx.Exec(ctx, `LOCK TABLE metric_dirty IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		first, last, ok, err := e.dataSpan(ctx, loc)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM metric_days`); err != nil {
			return err
		}
		for from := first; ok && !from.After(last); {
			to := time.Date(from.Year(), from.Month(), from.Day()+27, 0, 0, 0, 0, loc)
			if to.After(last) {
				to = last
			}
			rows, err := e.dayRows(ctx, loc, from, to)
			if err != nil {
				return err
			}
			if err := writeDays(ctx, tx, from, to, rows); err != nil {
				return err
			}
			from = nextMidnight(to)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM metric_refreshing`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM metric_dirty`)
		return err
	})
}

// refreshing reads the buckets a refresh has claimed (metric_refreshing).
func (e *Engine) refreshing(ctx context.Context) ([]int64, error) {
	rows, err := e.DB.Query(ctx, `SELECT bucket FROM metric_refreshing`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var b int64
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Rebuild recomputes the whole rollup (quietdesk metrics rebuild).
func (e *Engine) Rebuild(ctx context.Context) error {
	if _, err := e.DB.Exec(ctx, `INSERT INTO metric_dirty (bucket) VALUES (-1) ON CONFLICT (bucket) DO NOTHING`); err != nil {
		return err
	}
	return e.Refresh(ctx)
}

// dayRuns turns UTC day buckets into runs of consecutive local days. A UTC
// day overlaps one or two local days; both are refreshed.
func dayRuns(buckets []int64, loc *time.Location) [][2]time.Time {
	set := map[string]time.Time{}
	for _, b := range buckets {
		for _, t := range []int64{b * 86400, b*86400 + 86399} {
			lt := time.Unix(t, 0).In(loc)
			d := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
			set[d.Format(dateLayout)] = d
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var runs [][2]time.Time
	for _, k := range keys {
		d := set[k]
		if n := len(runs); n > 0 && nextMidnight(runs[n-1][1]).Equal(d) {
			runs[n-1][1] = d
			continue
		}
		runs = append(runs, [2]time.Time{d, d})
	}
	return runs
}

// dataSpan is the first and last local day any fact can fall on.
func (e *Engine) dataSpan(ctx context.Context, loc *time.Location) (first, last time.Time, ok bool, err error) {
	var lo, hi *int64
	err = e.DB.QueryRow(ctx, `SELECT MIN(t), MAX(t) FROM (
			SELECT MIN(placed_at) AS t FROM orders UNION ALL SELECT MAX(placed_at) FROM orders
			UNION ALL SELECT MIN(started_at) FROM contacts UNION ALL SELECT MAX(started_at) FROM contacts
			UNION ALL SELECT MIN(started_at) FROM self_service_sessions UNION ALL SELECT MAX(started_at) FROM self_service_sessions
			UNION ALL SELECT MIN(closed_at) FROM conversations UNION ALL SELECT MAX(closed_at) FROM conversations
			UNION ALL SELECT MAX(ended_at) FROM contacts UNION ALL SELECT MAX(answered_at) FROM csat) s`).Scan(&lo, &hi)
	if err != nil {
		return
	}
	var dates [2]string
	err = e.DB.QueryRow(ctx, `SELECT COALESCE(MIN(d), ''), COALESCE(MAX(d), '') FROM (
			SELECT MIN(start_date) AS d FROM cost_entries WHERE kind = 'fixed' UNION ALL SELECT MAX(end_date) FROM cost_entries WHERE kind = 'fixed'
			UNION ALL SELECT MIN(due_date) FROM actions UNION ALL SELECT MAX(due_date) FROM actions) s`).Scan(&dates[0], &dates[1])
	if err != nil {
		return
	}
	day := func(unix int64) time.Time {
		t := time.Unix(unix, 0).In(loc)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	consider := func(d time.Time) {
		if !ok || d.Before(first) {
			first = d
		}
		if !ok || d.After(last) {
			last = d
		}
		ok = true
	}
	if lo != nil {
		consider(day(*lo))
		consider(day(*hi))
	}
	for _, s := range dates {
		if d, perr := time.ParseInLocation(dateLayout, s, loc); perr == nil {
			consider(d)
		}
	}
	// Never a rollup of the calendar: a fixed cost spread far beyond the
	// data (a cost "ending" 9999-12-31, or a contract to 2099) is rolled up
	// only to a year past the last order or contact (docs/metrics.md,
	// Freshness): the rollup holds no days more than a year beyond the data.
	if lo != nil {
		horizon := day(*hi).AddDate(1, 0, 0)
		if last.After(horizon) {
			last = horizon
		}
		if floor := day(*lo).AddDate(-1, 0, 0); first.Before(floor) {
			first = floor
		}
	}
	return
}

// dayRows computes the rollup rows of the local days from..to, every cut,
// from the raw rows. It reads only.
func (e *Engine) dayRows(ctx context.Context, loc *time.Location, from, to time.Time) ([][]any, error) {
	l := newLoader(e.DB, loc, from, to, rolledDims, e.window())
	if err := l.everything(ctx); err != nil {
		return nil, fmt.Errorf("roll up the days from %s to %s: %w", from.Format(dateLayout), to.Format(dateLayout), err)
	}
	var rows [][]any
	for _, dim := range rolledDims {
		for day, groups := range l.data[dim] {
			for g, f := range groups {
				rows = append(rows, append([]any{dim, g, day}, f.fields()...))
			}
		}
	}
	return rows, nil
}

// writeDays replaces the rollup's local days from..to with rows.
func writeDays(ctx context.Context, tx *store.Tx, from, to time.Time, rows [][]any) error {
	if _, err := tx.Exec(ctx, `DELETE FROM metric_days WHERE day >= ? AND day <= ?`, from.Format(dateLayout), to.Format(dateLayout)); err != nil {
		return err
	}
	return store.InsertRows(ctx, tx, "metric_days", append(append([]string{"dim", "grp", "day"}, factColumns...), histColumns...), rows, "")
}

// rawBudget bounds the raw rows (orders and contacts, as the rollup last
// counted them) a read recomputes: on a small store, or a few quiet days,
// a read folds the latest writes in at once; beyond, it answers from the
// rollup and says which days are behind, which the rollups task brings
// up to date within seconds. So a read's cost never grows with the writes
// in flight on a large store.
const rawBudget = 2_000

// current is the facts of one cut over a range, without writing: the
// rollup's days, with the days that writes have touched since the last
// Refresh (metric_dirty) recomputed from the raw rows when they hold no
// more than rawBudget rows. It returns how many days of the range are
// behind the latest writes (docs/metrics.md#freshness).
func (e *Engine) current(ctx context.Context, q Query, loc *time.Location, from, to time.Time) (dayGroups, int, error) {
	def, _ := Lookup(q.Metric)
	data, err := e.rolled(ctx, q.By, from, to, def.Median)
	if err != nil {
		return nil, 0, err
	}
	buckets, all, err := e.dirty(ctx)
	if err != nil || len(buckets) == 0 && !all {
		return data, 0, err
	}
	runs := dayRuns(buckets, loc)
	if all {
		runs = [][2]time.Time{{from, to}}
	}
	// The dirty days of the range, and the rows they held when last rolled up.
	var pending [][2]time.Time
	behind, volume := 0, 0.0
	for _, r := range runs {
		lo, hi := r[0], r[1]
		if lo.Before(from) {
			lo = from
		}
		if hi.After(to) {
			hi = to
		}
		if hi.Before(lo) {
			continue
		}
		pending = append(pending, [2]time.Time{lo, hi})
		for _, d := range days(lo, hi) {
			behind++
			for _, f := range data[d.Format(dateLayout)] {
				volume += f.orders + f.contacts
			}
		}
	}
	budget := e.RawBudget
	if budget == 0 {
		budget = rawBudget
	}
	if volume > budget {
		return data, behind, nil
	}
	for _, r := range pending {
		l := newLoader(e.DB, loc, r[0], r[1], []string{q.By}, e.window())
		if err := l.load(ctx, q.Metric); err != nil {
			return nil, 0, err
		}
		for _, d := range days(r[0], r[1]) {
			day := d.Format(dateLayout)
			if g, ok := l.data[q.By][day]; ok {
				data[day] = g
			} else {
				delete(data, day)
			}
		}
	}
	return data, 0, nil
}

// dirty reads the UTC day buckets not rolled up yet: marked by writes, or
// being recomputed; all means the whole rollup is to be rebuilt.
func (e *Engine) dirty(ctx context.Context) (buckets []int64, all bool, err error) {
	rows, err := e.DB.Query(ctx, `SELECT bucket FROM metric_dirty UNION SELECT bucket FROM metric_refreshing`)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var b int64
		if err := rows.Scan(&b); err != nil {
			return nil, false, err
		}
		all = all || b < 0
		buckets = append(buckets, b)
	}
	return buckets, all, rows.Err()
}

// rolled reads the rollup's facts of one cut over a range of days, with
// the histograms when hists is set.
func (e *Engine) rolled(ctx context.Context, by string, from, to time.Time, hists bool) (dayGroups, error) {
	columns := factColumns
	if hists {
		columns = append(slices.Clone(factColumns), histColumns...)
	}
	rows, err := e.DB.Query(ctx, `SELECT grp, day, `+strings.Join(columns, ", ")+` FROM metric_days WHERE dim = ? AND day >= ? AND day <= ?`,
		by, from.Format(dateLayout), to.Format(dateLayout))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	data := dayGroups{}
	for rows.Next() {
		var grp, day string
		f := &facts{}
		if err := rows.Scan(append([]any{&grp, &day}, f.pointers(hists)...)...); err != nil {
			return nil, err
		}
		data.at(day, grp).add(f)
	}
	return data, rows.Err()
}
