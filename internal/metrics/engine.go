package metrics

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// NewEngine is the engine over db that reads the time from now.
func NewEngine(db *store.DB, now clock.Clock) *Engine { return &Engine{DB: db, Now: now} }

// Engine answers metric queries over one store.
type Engine struct {
	DB *store.DB
	// Now is the clock (default ranges, cohort maturity). Required.
	Now clock.Clock
	// AttributionWindow is how long after an order's placement its
	// contacts count for its cohort; 30 days when zero.
	AttributionWindow time.Duration
	// Raw computes straight from the raw rows instead of the rollup: the
	// baseline the rollup is checked and measured against.
	Raw bool
	// RawBudget bounds the raw rows a read recomputes for days the rollup
	// is behind on; rawBudget when zero (see current).
	RawBudget float64
}

func (e *Engine) window() time.Duration {
	if e.AttributionWindow == 0 {
		return DefaultAttributionWindow
	}
	return e.AttributionWindow
}

// DefaultAttributionWindow is the default of docs/metrics.md#formulas.
const DefaultAttributionWindow = 30 * 24 * time.Hour

// DefaultPeriods is how many complete periods a query without dates covers.
const DefaultPeriods = 12

// DefaultRange fills a query's missing dates with whole, complete periods
// of its grain in the store's time zone: to is the last day of the last
// complete period (last Sunday for weeks, yesterday for days, the end of
// last month for months), from the first day of the DefaultPeriods-th
// period before it (docs/metrics.md, Whole periods).
func (e *Engine) DefaultRange(ctx context.Context, q *Query) error {
	loc, err := store.TimeZone(ctx, e.DB)
	if err != nil {
		return err
	}
	DefaultRange(q, e.Now(), loc)
	return nil
}

// DefaultRange fills q's missing dates as of now in loc, as the engine's
// method does (for callers with a MetricsSource of their own).
func DefaultRange(q *Query, now time.Time, loc *time.Location) {
	grain := q.Grain
	if grain == "" {
		grain = "week"
	}
	now = now.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if q.To == "" {
		_, current := period(today, grain)
		q.To = current.AddDate(0, 0, -1).Format(dateLayout) // the day before this period began
	}
	if to, err := time.ParseInLocation(dateLayout, q.To, loc); err == nil && q.From == "" {
		_, last := period(to, grain)
		var first time.Time
		switch grain {
		case "day":
			first = last.AddDate(0, 0, -(DefaultPeriods - 1))
		case "month":
			first = last.AddDate(0, -(DefaultPeriods - 1), 0)
		default:
			first = last.AddDate(0, 0, -7*(DefaultPeriods-1))
		}
		q.From = first.Format(dateLayout)
	}
}

// trailingMature is how many of a cohort's most recent mature periods give
// the return rate its immature periods are estimated with.
const trailingMature = 4

// check validates a query and fills its defaults.
func (e *Engine) check(ctx context.Context, q *Query) (from, to time.Time, loc *time.Location, err error) {
	var p domain.Problems
	if !slices.Contains(Names, q.Metric) {
		p.Add("metric", "%q is not a metric: use one of %s", q.Metric, strings.Join(Names, ", "))
	}
	if q.Grain == "" {
		q.Grain = "week"
	}
	p.OneOf("grain", q.Grain, Grains...)
	if q.ReturnAdjusted && !ReturnAdjustable(q.Metric) {
		p.Add("return_adjusted", "applies to %s, not %s", strings.Join(returnAdjustable(), ", "), q.Metric)
	}
	if q.By != "" {
		if !slices.Contains(Dimensions, q.By) {
			p.Add("by", "%q is not a dimension: use one of %s", q.By, strings.Join(Dimensions, ", "))
		} else if !Applies(q.Metric, q.By) {
			p.Add("by", "%s cannot be cut by %s: order-side metrics take order dimensions, contact and cost metrics take order and contact dimensions, owner_completion_rate takes owner, team figures and satisfaction take contact dimensions, and age cuts only the backlog", q.Metric, q.By)
		}
	}
	loc, err = store.TimeZone(ctx, e.DB)
	if err != nil {
		return
	}
	from, err1 := time.ParseInLocation(dateLayout, q.From, loc)
	if err1 != nil {
		p.Add("from", "%q is not a date (use YYYY-MM-DD)", q.From)
	}
	to, err2 := time.ParseInLocation(dateLayout, q.To, loc)
	if err2 != nil {
		p.Add("to", "%q is not a date (use YYYY-MM-DD)", q.To)
	}
	if err1 == nil && err2 == nil {
		switch span := int(to.Sub(from).Hours()/24+0.5) + 1; {
		case to.Before(from):
			p.Add("to", "%s is before from %s", q.To, q.From)
		case from.Before(domain.EarliestDate) || to.After(domain.LatestDate):
			p.Add("from", "the range %s to %s reaches outside %s to %s, where the store can hold data", q.From, q.To, domain.EarliestDate.Format(dateLayout), domain.LatestDate.Format(dateLayout))
		case span > maxDays(q.Grain):
			p.Add("to", "the range %s to %s is longer than %d days, the most a %s query covers: ask for a shorter range or a coarser grain", q.From, q.To, maxDays(q.Grain), q.Grain)
		}
	}
	if len(p) > 0 {
		err = &domain.Error{Code: domain.EInvalid, Message: "bad metrics query", Fields: p}
	}
	return
}

// maxDays bounds a query's range by its grain, so that one request cannot
// ask for a series far longer than anyone reads (and hold the server
// computing it): about 3 years of days, 10 years of weeks or months.
func maxDays(grain string) int {
	if grain == "day" {
		return 3 * 366
	}
	return 10 * 366
}

// Applies says whether a dimension can cut a metric, by the metric's side
// (Def.Side).
func Applies(metric, dim string) bool {
	d, _ := Lookup(metric)
	isOrderDim := slices.Contains(OrderDimensions, dim)
	switch d.Side {
	case SideOwner:
		return dim == "owner"
	case SideOrder:
		return isOrderDim
	case SideContact:
		return isOrderDim || slices.Contains(ContactDimensions, dim)
	case SideDemand:
		return isOrderDim || dim == "topic"
	case SideService, SideSatisfaction:
		return slices.Contains(ContactDimensions, dim)
	case SideBacklog:
		return dim == "age" || slices.Contains(ContactDimensions, dim)
	}
	return false
}

// dayFacts reads the facts of q's cut by day over from..to: from the raw
// rows for a Raw engine, else as they are now (current).
func (e *Engine) dayFacts(ctx context.Context, q Query, loc *time.Location, from, to time.Time) (dayGroups, int, error) {
	if e.Raw {
		l := newLoader(e.DB, loc, from, to, []string{q.By}, e.window())
		if err := l.load(ctx, q.Metric); err != nil {
			return nil, 0, err
		}
		return l.data[q.By], 0, nil
	}
	return e.current(ctx, q, loc, from, to)
}

// Run computes a metric's series.
func (e *Engine) Run(ctx context.Context, q Query) (Result, error) {
	from, to, loc, err := e.check(ctx, &q)
	if err != nil {
		return Result{}, err
	}
	res := Result{Metric: q.Metric, Grain: q.Grain, By: q.By, ReturnAdjusted: q.ReturnAdjusted, Rows: []Row{}}
	if def, _ := Lookup(q.Metric); def.Snapshot {
		return e.backlog(ctx, q, loc, from, to, res)
	}
	window := e.window()
	_, firstShown := period(from, q.Grain)
	rangeStart, rangeEnd := from, nextMidnight(to)
	// partial is whether a period is not whole in the range or not over.
	partial := func(start time.Time) bool {
		end := periodEnd(start, q.Grain)
		return start.Before(rangeStart) || end.After(rangeEnd) || end.After(e.Now())
	}
	if q.ReturnAdjusted {
		// Read back far enough to find mature periods to learn from.
		from = time.Date(from.Year(), from.Month(), from.Day()-int(window/(24*time.Hour))-trailingMature*31, 0, 0, 0, 0, loc)
	}
	data, pending, err := e.dayFacts(ctx, q, loc, from, to)
	if err != nil {
		return res, err
	}
	res.PendingDays = pending

	// Sum days into periods, per group.
	type key struct{ period, group string }
	sums := map[key]*facts{}
	starts := map[string]time.Time{}
	var periods []string
	groups := map[string]bool{}
	for _, d := range days(from, to) {
		label, start := period(d, q.Grain)
		if _, ok := starts[label]; !ok {
			starts[label] = start
			periods = append(periods, label)
		}
		for g, f := range data[d.Format(dateLayout)] {
			k := key{label, g}
			if sums[k] == nil {
				sums[k] = &facts{}
			}
			sums[k].add(f)
			if g != noGroup {
				groups[g] = true
			}
		}
	}
	var groupList []string
	for g := range groups {
		groupList = append(groupList, g)
	}
	sort.Strings(groupList)

	now := e.Now()
	orderCut := slices.Contains(OrderDimensions, q.By)
	isMature := func(p string) bool { return !now.Before(periodEnd(starts[p], q.Grain).Add(window)) }
	// rate is each cohort's return rate over its most recent mature periods.
	rate := map[string]float64{}
	if q.ReturnAdjusted {
		for _, g := range append([]string{noGroup}, groupList...) {
			var ret, net float64
			n := 0
			for i := len(periods) - 1; i >= 0 && n < trailingMature; i-- {
				if f := sums[key{periods[i], g}]; f != nil && isMature(periods[i]) && f.orders > 0 {
					ret += f.returnsCost - f.unknownReturns
					net += f.netRevenue
					n++
				}
			}
			if net > 0 {
				rate[g] = ret / net
			}
		}
	}
	// adjust adds a cohort's estimated missing returns to an immature
	// period's facts.
	adjust := func(p, g string, f *facts) (*facts, *float64) {
		if !q.ReturnAdjusted || isMature(p) {
			return f, nil
		}
		est := max(0, round(rate[g]*f.netRevenue-(f.returnsCost-f.unknownReturns)))
		adjusted := *f
		adjusted.returnsCost += est
		return &adjusted, &est
	}
	for _, p := range periods {
		if starts[p].Before(firstShown) {
			continue
		}
		all := sums[key{p, noGroup}] // store-wide facts
		if all == nil {
			all = &facts{}
		}
		mature := isMature(p)
		if q.By == "" {
			f, est := adjust(p, noGroup, all)
			row := value(q.Metric, f, all.supportCost, all.orders, p, starts[p], mature, nil)
			row.EstimatedReturns, row.Orders = est, all.orders
			row.Partial = partial(starts[p])
			if q.ReturnAdjusted {
				row.Mature = &mature
			}
			res.Rows = append(res.Rows, row)
			continue
		}
		for _, g := range groupList {
			f := sums[key{p, g}]
			if f == nil || !present(q.Metric, orderCut, f) {
				continue
			}
			// A group's support cost is what it owns plus its share of
			// what no group owns: by orders for an order dimension
			// (docs/metrics.md#cohorts), by contacts for a contact dimension. The
			// groups' costs then add up to the store's. Contact-side groups
			// are measured per order of the whole store.
			var share float64
			orders := f.orders
			if orderCut {
				if all.orders > 0 {
					share = f.orders / all.orders
				}
			} else {
				orders = all.orders
				if all.contacts > 0 {
					share = f.contacts / all.contacts
				}
			}
			group := g
			adjusted, est := adjust(p, g, f)
			row := value(q.Metric, adjusted, f.supportCost+all.unownedCost*share, orders, p, starts[p], mature, &group)
			row.EstimatedReturns = est
			row.Partial = partial(starts[p])
			if orderCut {
				row.Orders = f.orders
			}
			if q.ReturnAdjusted {
				row.Mature = &mature
			}
			res.Rows = append(res.Rows, row)
		}
	}
	if q.Metric == "cpo_lag_adjusted" {
		if err := e.lagAdjust(ctx, q, loc, data, res.Rows); err != nil {
			return res, err
		}
	}
	if q.Grain == "week" {
		if err := e.markSurges(ctx, loc, rangeStart, to, res.Rows); err != nil {
			return res, err
		}
	}
	return res, nil
}

// present reports whether a group has any of the metric's units in a
// period — orders, contacts, demand or actions due — and so gets a row.
// (A cost metric cut by an order dimension lists groups with orders and no
// contacts too: they still carry a share of the cost.)
func present(metric string, orderCut bool, f *facts) bool {
	switch metric {
	case "contacts", "repeat_contact_rate":
		return f.contacts > 0
	case "cpo", "support_cost", "support_cost_per_order":
		return f.contacts > 0 || orderCut && f.orders > 0
	case "demand", "self_service_rate":
		return f.contacts+f.selfResolved > 0
	case "owner_completion_rate":
		return f.actionsDue > 0
	case "first_response_time":
		return f.answered > 0
	case "resolution_time", "replies_per_contact":
		return f.resolved > 0
	case "csat", "csat_responses":
		return f.csatAnswers > 0
	}
	return f.orders > 0
}

// periodEnd is the first instant after a period.
func periodEnd(start time.Time, grain string) time.Time {
	switch grain {
	case "day":
		return nextMidnight(start)
	case "month":
		return time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, start.Location())
	default:
		return time.Date(start.Year(), start.Month(), start.Day()+7, 0, 0, 0, 0, start.Location())
	}
}

// value computes one row from a group's facts (the store's when the series
// is not cut), its support cost and the orders it is measured per.
func value(metric string, f *facts, supportCost, orders float64, label string, start time.Time, mature bool, group *string) Row {
	row := Row{Period: label, Start: start.Format(dateLayout), Group: group}
	var num, den float64
	// The revenue metrics leave out the orders whose revenue is unknown
	// (docs/metrics.md#unknown-revenue): known is how many they cover, and
	// they carry the support cost of those orders only, a share by count.
	known, knownReturns, knownSupport := f.orders-f.revenueUnknown, f.returnsCost-f.unknownReturns, supportCost
	if f.revenueUnknown > 0 && f.orders > 0 {
		knownSupport = supportCost * known / f.orders
	}
	switch metric {
	case "orders":
		num, den = f.orders, 1
	case "contacts":
		num, den = f.contacts, 1
	case "cpo":
		num, den = f.contacts, orders
	case "cpo_cohort", "cpo_lag_adjusted":
		num, den = f.cohortContacts, f.orders
		row.Mature = &mature
	case "contact_rate":
		num, den = f.ordersWithContact, f.orders
		row.Mature = &mature
	case "demand":
		num, den = f.contacts+f.selfResolved, 1
	case "self_service_rate":
		num, den = f.selfResolved, f.contacts+f.selfResolved
	case "support_cost":
		num, den = supportCost, 1
	case "support_cost_per_order":
		num, den = supportCost, orders
	case "net_revenue":
		num, den = f.netRevenue, 1
	case "returns_cost":
		num, den = f.returnsCost, 1
	case "contribution_per_order":
		num, den = f.netRevenue-f.cogs-f.fulfillment-f.paymentFees-knownReturns-knownSupport, known
	case "return_cost_ratio":
		num, den = knownReturns, f.netRevenue
	case "variable_cost_ratio":
		num, den = f.cogs+f.fulfillment+f.paymentFees+knownReturns+knownSupport, f.netRevenue
	case "owner_completion_rate":
		num, den = f.actionsOnTime, f.actionsDue
	case "repeat_contact_rate":
		num, den = f.repeats, f.contacts
	case "first_contact_resolution":
		num, den = f.oneContactClosed, f.closedConversations
	case "first_response_time":
		num, den = medianTerms(f.firstResponse, f.answered)
	case "resolution_time":
		num, den = medianTerms(f.resolution, f.resolved)
	case "replies_per_contact":
		num, den = f.replies, f.resolved
	case "csat":
		num, den = f.csatSatisfied, f.csatAnswers
	case "csat_responses":
		num, den = f.csatAnswers, 1
	}
	row.Numerator, row.Denominator = round(num), round(den)
	if den != 0 {
		v := round(num / den)
		row.Value = &v
	}
	if def, _ := Lookup(metric); def.Revenue && f.revenueUnknown > 0 {
		row.RevenueUnknown = f.revenueUnknown
		coverage := round(known / f.orders)
		row.RevenueCoverage = &coverage
		if known == 0 {
			// No order's revenue is known: the figure is unknown, not 0.
			row.Value = nil
		}
	}
	return row
}

// round keeps six decimals, so sums of cents print as exact amounts.
func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }
