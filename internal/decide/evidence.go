package decide

import (
	"context"
)

// Evidence is what an alert's chart draws: its metric week by week for the
// scope, for the rest of the store, and the threshold.
type Evidence struct {
	Weeks     []string   `json:"weeks"`
	Scope     []*float64 `json:"scope"`
	Rest      []*float64 `json:"rest"` // nil for the whole store
	Threshold *float64   `json:"threshold"`
}

// EvidenceWeeks is how far back an alert's chart reaches.
const EvidenceWeeks = 12

// Evidence reads an alert's chart, over the weeks up to its last one.
func (d *Decider) Evidence(ctx context.Context, a Alert) (Evidence, error) {
	loc, err := d.loc(ctx)
	if err != nil {
		return Evidence{}, err
	}
	last, err := ParseWeek(a.LastWeek, loc)
	if err != nil {
		return Evidence{}, err
	}
	first := last.Add(-(EvidenceWeeks - 1))
	g := Guardrail{Metric: a.Metric, Dimension: a.Scope.Dimension}
	cut, err := d.weeklySeries(ctx, g, first, last)
	if err != nil {
		return Evidence{}, err
	}
	ev := Evidence{Threshold: a.Threshold}
	for i := range EvidenceWeeks {
		ev.Weeks = append(ev.Weeks, first.Add(i).String())
	}
	s := cut[a.Scope.Group]
	if s == nil {
		s = &series{values: make([]*float64, EvidenceWeeks), num: make([]float64, EvidenceWeeks), den: make([]float64, EvidenceWeeks)}
	}
	ev.Scope = s.values
	if a.Scope.Dimension == "" {
		return ev, nil
	}
	store, err := d.weeklySeries(ctx, Guardrail{Metric: a.Metric}, first, last)
	if err != nil {
		return ev, err
	}
	all := store[""]
	ev.Rest = make([]*float64, EvidenceWeeks)
	for i := range EvidenceWeeks {
		if all == nil {
			break
		}
		w := window{num: s.num[i], den: s.den[i], storeNum: all.num[i], storeDen: all.den[i]}
		if w.storeDen-w.den > 0 || w.den == w.storeDen {
			v := round6(w.rest(a.Metric, a.Scope.Dimension))
			ev.Rest[i] = &v
		}
	}
	return ev, nil
}
