package decide

import (
	"context"
	"fmt"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
)

// Proposal is a threshold learned from the baseline (§3.2): the 25th
// percentile of the weekly values for a floor, the 75th for a ceiling,
// over the whole store or every cohort big enough to be tested.
type Proposal struct {
	Guardrail string   `json:"guardrail"`
	Metric    string   `json:"metric"`
	Trigger   string   `json:"trigger"`
	Current   *float64 `json:"current"`
	Proposed  float64  `json:"proposed"`
	// Basis says what it was computed from.
	Basis string `json:"basis"`
}

// minBaselineWeeks is the fewest complete weeks a proposal is made from.
const minBaselineWeeks = 2

// Propose computes a threshold for every guardrail that compares with one
// (owner completion keeps its stated rate).
func (d *Decider) Propose(ctx context.Context) ([]Proposal, error) {
	first, last, n, err := d.baselineWeeks(ctx)
	if err != nil {
		return nil, err
	}
	if n < minBaselineWeeks {
		prog, _ := d.Program(ctx)
		return nil, domain.Errorf(domain.EInvalid, "the baseline has %d complete weeks (program started %s): proposals need %d; wait, or set the start earlier with quietdesk settings set %s YYYY-MM-DD",
			n, prog.Start, minBaselineWeeks, ProgramStartSetting)
	}
	guardrails, err := Guardrails(ctx, d.DB)
	if err != nil {
		return nil, err
	}
	out := []Proposal{}
	for _, g := range guardrails {
		if g.Trigger != BelowFloor && g.Trigger != AboveCeiling {
			continue
		}
		all, err := d.weeklySeries(ctx, g, first, last)
		if err != nil {
			return nil, err
		}
		var values []float64
		for _, s := range all {
			for i, v := range s.values {
				if v != nil && g.sized(s, i) {
					values = append(values, *v)
				}
			}
		}
		if len(values) == 0 {
			continue
		}
		q, which := 0.25, "25th"
		if g.Trigger == AboveCeiling {
			q, which = 0.75, "75th"
		}
		what := "weekly values"
		if g.Dimension != "" {
			what = fmt.Sprintf("weekly values of the %s cohorts with at least %d orders", g.Dimension, g.MinOrders)
		}
		out = append(out, Proposal{Guardrail: g.Name, Metric: g.Metric, Trigger: g.Trigger, Current: g.Threshold,
			Proposed: roundTo(quantile(values, q), g.Metric),
			Basis:    fmt.Sprintf("%s percentile of %d %s, %s to %s", which, len(values), what, first, last)})
	}
	return out, nil
}

// roundTo rounds a proposal to what a person would write: cents for money
// per order, three decimals for ratios.
func roundTo(v float64, metric string) float64 {
	digits := 1000.0
	if d, _ := metrics.Lookup(metric); d.Format == "money" {
		digits = 100
	}
	return float64(int64(v*digits+0.5*sign(v))) / digits
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// Accept sets the proposed thresholds of the named guardrails (all of
// them when none is named).
func (d *Decider) Accept(ctx context.Context, names []string, by string) ([]Proposal, error) {
	props, err := d.Propose(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var done []Proposal
	for _, p := range props {
		if len(names) > 0 && !want[p.Guardrail] {
			continue
		}
		delete(want, p.Guardrail)
		th := p.Proposed
		if _, err := SetGuardrail(ctx, d.DB, p.Guardrail, Edit{Threshold: &th}, false, by, d.now()); err != nil {
			return done, err
		}
		done = append(done, p)
	}
	for n := range want {
		return done, domain.Errorf(domain.EInvalid, "no proposal for %q: only floors and ceilings are proposed (quietdesk guardrails propose lists them)", n)
	}
	return done, nil
}
