package decide

import (
	"context"
	"fmt"
	"math"
	"quietdesk/internal/clock"
	"slices"
	"time"

	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// MetricsSource computes a metric's series, as metrics.Engine does.
type MetricsSource interface {
	Run(ctx context.Context, q metrics.Query) (metrics.Result, error)
}

// Decider runs the decision loop over one store.
type Decider struct {
	DB      *store.DB
	Metrics MetricsSource
	// Now is the clock. Required.
	Now clock.Clock
}

// New is the decider over db with the metrics engine over it, both reading
// the time from now.
func New(db *store.DB, now clock.Clock) *Decider {
	return &Decider{DB: db, Metrics: metrics.NewEngine(db, now), Now: now}
}

func (d *Decider) now() time.Time { return d.Now() }

func (d *Decider) loc(ctx context.Context) (*time.Location, error) {
	return store.TimeZone(ctx, d.DB)
}

// sinceLookback is how far back a firing run is followed to find its
// first week.
const sinceLookback = 26

// Scope is the whole store ({}) or one cohort.
type Scope struct {
	Dimension string `json:"dimension,omitempty"`
	Group     string `json:"group,omitempty"`
}

// String is "store" or "dimension=group".
func (s Scope) String() string {
	if s.Dimension == "" {
		return "store"
	}
	return s.Dimension + "=" + s.Group
}

// Firing is a guardrail's trigger firing for one scope in one week: the
// evidence an alert is made of.
type Firing struct {
	Guardrail string   `json:"guardrail"`
	Metric    string   `json:"metric"`
	Trigger   string   `json:"trigger"`
	Scope     Scope    `json:"scope"`
	Week      string   `json:"week"`
	Value     *float64 `json:"value"`
	// Threshold is the guardrail's for floors, ceilings and completion;
	// the spike limit for a cohort spike; nil for a trend.
	Threshold *float64 `json:"threshold"`
	Since     string   `json:"since"`
	// Orders is the cohort's orders in the week (0 where orders do not
	// apply, as for owners).
	Orders float64 `json:"orders,omitempty"`
	// Why says what fired, in words and figures.
	Why string `json:"why"`
	// before is the week before Since: an alert whose run reached it is
	// the same run.
	before string
}

// series is one scope's weekly values, oldest first.
type series struct {
	values   []*float64
	orders   []float64
	num, den []float64
	surge    []bool // weeks of a volume surge (metrics.IsSurge)
}

// weeklySeries fetches a guardrail's metric for the weeks first..last, by
// its dimension, as one series per scope.
func (d *Decider) weeklySeries(ctx context.Context, g Guardrail, first, last Week) (map[string]*series, error) {
	q := metrics.Query{Metric: g.Metric, Grain: "week", By: g.Dimension,
		From: first.Start.Format(dateLayout), To: last.Sunday().Format(dateLayout),
		// Recent weeks' returns are still to come: without the estimate a
		// contribution floor would only ever fire weeks late, and a
		// return-cost spike never in the weeks that matter.
		ReturnAdjusted: returnAdjusted(g.Metric)}
	res, err := d.Metrics.Run(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("guardrail %s: %w", g.Name, err)
	}
	n := weeksBetween(first, last) + 1
	out := map[string]*series{}
	index := map[string]int{}
	for i := range n {
		index[first.Add(i).String()] = i
	}
	for _, r := range res.Rows {
		group := ""
		if r.Group != nil {
			group = *r.Group
		}
		s := out[group]
		if s == nil {
			s = &series{values: make([]*float64, n), orders: make([]float64, n), num: make([]float64, n), den: make([]float64, n), surge: make([]bool, n)}
			out[group] = s
		}
		if i, ok := index[r.Period]; ok {
			s.values[i], s.orders[i], s.num[i], s.den[i], s.surge[i] = r.Value, r.Orders, r.Numerator, r.Denominator, r.VolumeSurge
		}
	}
	return out, nil
}

func returnAdjusted(metric string) bool { return metrics.ReturnAdjustable(metric) }

// history is how many weeks before the evaluated one a trigger reads.
func history(g Guardrail) int {
	switch g.Trigger {
	case CohortSpike:
		return g.Weeks
	case CompletionBelow:
		return 0
	}
	return g.Weeks - 1
}

// sized says whether a scope is big enough in week i to be tested.
func (g Guardrail) sized(s *series, i int) bool {
	if g.Dimension == "" || g.MinOrders == 0 || !slices.Contains(metrics.OrderDimensions, g.Dimension) {
		return true
	}
	return s.orders[i] >= float64(g.MinOrders)
}

// minTrendRise is the smallest rise over a trend's window, relative to its
// level, that fires.
const minTrendRise = 0.02

// beyondNoise says whether a cohort's count in week i is off the threshold
// by more than its Poisson noise (one-sided, 95%): a carrier of 200 orders
// a week at a CPO of 0.2 moves by ±0.03 from week to week by chance alone,
// and two such weeks in a row above a ceiling set at the cohorts' 75th
// percentile happen every few weeks. The whole store, and metrics that are
// not counts, are taken as they are.
func (g Guardrail) beyondNoise(s *series, i int) bool {
	if def, _ := metrics.Lookup(g.Metric); g.Dimension == "" || !def.Count || g.Threshold == nil {
		return true
	}
	expected := *g.Threshold * s.den[i]
	return math.Abs(s.num[i]-expected) > 1.645*math.Sqrt(math.Max(expected, 1))
}

// fires tests a guardrail's trigger on one scope's series at week i, and
// says why when it fires.
func (g Guardrail) fires(s *series, i int) (bool, *float64, string) {
	v := s.values[i]
	// In a volume-surge week a contacts-per-order figure falls by dilution
	// alone, its contacts still to come: a floor or ceiling that fired the
	// week before holds through it, rather than resolving on the surge
	// (docs/decisions.md#triggers).
	if def, _ := metrics.Lookup(g.Metric); def.Count && (g.Trigger == BelowFloor || g.Trigger == AboveCeiling) && i > 0 && s.surge != nil && s.surge[i] {
		if ok, th, why := g.fires(s, i-1); ok {
			return true, th, why + "; held through this volume-surge week, whose contacts are still to come"
		}
	}
	switch g.Trigger {
	case BelowFloor, AboveCeiling:
		th := *g.Threshold
		for k := range g.Weeks {
			j := i - k
			if j < 0 || s.values[j] == nil || !g.sized(s, j) {
				return false, nil, ""
			}
			if x := *s.values[j]; (g.Trigger == BelowFloor && x >= th) || (g.Trigger == AboveCeiling && x <= th) || !g.beyondNoise(s, j) {
				return false, nil, ""
			}
		}
		word := map[string]string{BelowFloor: "below the floor", AboveCeiling: "above the ceiling"}[g.Trigger]
		if g.Weeks == 1 {
			return true, g.Threshold, fmt.Sprintf("%s %s %s this week", num(*v), word, num(th))
		}
		return true, g.Threshold, fmt.Sprintf("%s %s %s, %d weeks in a row", num(*v), word, num(th), g.Weeks)
	case CompletionBelow:
		if v == nil || *v >= *g.Threshold {
			return false, nil, ""
		}
		return true, g.Threshold, fmt.Sprintf("%s of actions due completed on time, below %s", pct(*v), pct(*g.Threshold))
	case CohortSpike:
		if v == nil || i < g.Weeks || !g.sized(s, i) {
			return false, nil, ""
		}
		var prev []float64
		for j := i - g.Weeks; j < i; j++ {
			if s.values[j] != nil && g.sized(s, j) {
				prev = append(prev, *s.values[j])
			}
		}
		// Half the history at least, or the median means little.
		if len(prev) < (g.Weeks+1)/2 {
			return false, nil, ""
		}
		limit, med := spikeLimit(prev)
		if *v <= limit {
			return false, nil, ""
		}
		return true, &limit, fmt.Sprintf("%s against a median of %s over the previous %d weeks (spike limit %s)", num(*v), num(med), len(prev), num(limit))
	case RisingTrend:
		if i < g.Weeks-1 {
			return false, nil, ""
		}
		ys := make([]float64, 0, g.Weeks)
		for j := i - g.Weeks + 1; j <= i; j++ {
			if s.values[j] == nil || !g.sized(s, j) {
				return false, nil, ""
			}
			ys = append(ys, *s.values[j])
		}
		slope := theilSen(ys)
		_, p := mannKendall(ys)
		// A rise too small to act on (under minTrendRise of the level over
		// the window) is not a trend worth an alert, however steady.
		if slope <= 0 || p >= 0.05 || slope*float64(g.Weeks-1) < minTrendRise*math.Abs(median(ys)) {
			return false, nil, ""
		}
		return true, nil, fmt.Sprintf("rising %s a week over %d weeks (Theil–Sen), Mann–Kendall p = %.3f", num(slope), g.Weeks, p)
	}
	return false, nil, ""
}

// Fire evaluates one guardrail for a week: every scope it fires for, with
// the first week of the run of consecutive firing weeks it is part of.
func (d *Decider) Fire(ctx context.Context, g Guardrail, week Week) ([]Firing, error) {
	if !g.Ready() {
		return nil, nil
	}
	first := week.Add(-(sinceLookback + history(g)))
	all, err := d.weeklySeries(ctx, g, first, week)
	if err != nil {
		return nil, err
	}
	last := weeksBetween(first, week)
	var out []Firing
	for _, group := range sortedKeys(all) {
		s := all[group]
		ok, th, why := g.fires(s, last)
		if !ok {
			continue
		}
		since := last
		for since-1 >= history(g) {
			if f, _, _ := g.fires(s, since-1); !f {
				break
			}
			since--
		}
		f := Firing{Guardrail: g.Name, Metric: g.Metric, Trigger: g.Trigger, Week: week.String(),
			Value: s.values[last], Threshold: th, Since: first.Add(since).String(), Orders: s.orders[last], Why: why,
			before: first.Add(since - 1).String()}
		if g.Dimension != "" {
			f.Scope = Scope{Dimension: g.Dimension, Group: group}
		}
		if th != nil {
			v := round6(*th)
			f.Threshold = &v
		}
		out = append(out, f)
	}
	return out, nil
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func pct(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }
