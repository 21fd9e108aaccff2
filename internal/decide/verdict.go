package decide

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
)

// GuardMetrics must not worsen beyond their tolerance for a correction to
// be kept: the return-cost ratio and CPO by GuardTolerance of their value
// before, CSAT (where surveys run) as csatGuard says.
var GuardMetrics = []string{"return_cost_ratio", "cpo", "csat"}

// GuardTolerance is how much worse, relative to before, a guard metric may
// get.
const GuardTolerance = 0.10

// Guard is a guard metric's change over a correction.
type Guard struct {
	Metric string  `json:"metric"`
	Change float64 `json:"change"`
	OK     bool    `json:"ok"`
	// Note says why a guard was not judged (too few survey answers).
	Note string `json:"note,omitempty"`
}

// Review is a correction's realized impact and verdict (§3.3, §7.4).
type Review struct {
	ID     int64   `json:"id"`
	Title  string  `json:"title"`
	Metric string  `json:"metric"`
	Scope  Scope   `json:"scope"`
	Pre    float64 `json:"pre"`
	Post   float64 `json:"post"`
	// ControlPre and ControlPost are the rest of the store's; for a
	// correction on the whole store there is none, and they are zero.
	ControlPre  float64  `json:"control_pre"`
	ControlPost float64  `json:"control_post"`
	Controlled  bool     `json:"controlled"`
	Realized    float64  `json:"realized"`
	Expected    Expected `json:"expected"`
	Guards      []Guard  `json:"guards"`
	Verdict     string   `json:"verdict"`
	Reason      string   `json:"reason"`
	// Status is the decision in force (an override may differ from the
	// verdict).
	Status         string `json:"status"`
	OverrideReason string `json:"override_reason,omitempty"`
	PreFrom        string `json:"pre_from"`
	PostTo         string `json:"post_to"`
	// Holdout is the holdout comparison of the proactive rule the
	// correction's lever names, when it decided orders in its seven days
	// (corrections_proactive.go).
	Holdout *Holdout `json:"holdout,omitempty"`
}

// window is a metric's sums over some days, in a scope and in the store.
type window struct{ num, den, storeNum, storeDen float64 }

func (w window) value() float64 { return ratio(w.num, w.den) }

// rest is the rest of the store: the store minus the scope. Metrics that
// are sums per day, or measured per order of the whole store (a contact
// dimension's CPO), keep the store's denominator.
func (w window) rest(metric, dim string) float64 {
	den := w.storeDen - w.den
	if w.den == w.storeDen || slices.Contains(metrics.ContactDimensions, dim) {
		den = w.storeDen
	}
	return ratio(w.storeNum-w.num, den)
}

func ratio(num, den float64) float64 {
	if den == 0 {
		return 0
	}
	return num / den
}

// sums reads a metric over [from, to] in a scope and in the store.
func (d *Decider) sums(ctx context.Context, metric string, scope Scope, from, to time.Time) (window, error) {
	var w window
	q := metrics.Query{Metric: metric, Grain: "day", From: from.Format(dateLayout), To: to.Format(dateLayout), ReturnAdjusted: returnAdjusted(metric)}
	all, err := d.Metrics.Run(ctx, q)
	if err != nil {
		return w, err
	}
	for _, r := range all.Rows {
		w.storeNum += r.Numerator
		w.storeDen += r.Denominator
	}
	if scope.Dimension == "" {
		w.num, w.den = w.storeNum, w.storeDen
		return w, nil
	}
	q.By = scope.Dimension
	cut, err := d.Metrics.Run(ctx, q)
	if err != nil {
		return w, err
	}
	for _, r := range cut.Rows {
		if r.Group != nil && *r.Group == scope.Group {
			w.num += r.Numerator
			w.den += r.Denominator
		}
	}
	return w, nil
}

// did is a metric's difference-in-differences over a correction: the
// change in the scope over the 7 days after its start against the 7 days
// before, minus the same change in the rest of the store.
type did struct {
	pre, post, controlPre, controlPost, change float64
	controlled                                 bool
}

func (d *Decider) did(ctx context.Context, metric string, scope Scope, start time.Time) (did, error) {
	var r did
	preFrom, preTo := start.AddDate(0, 0, -ReviewAfter), start.AddDate(0, 0, -1)
	postFrom, postTo := start, start.AddDate(0, 0, ReviewAfter-1)
	pre, err := d.sums(ctx, metric, scope, preFrom, preTo)
	if err != nil {
		return r, err
	}
	post, err := d.sums(ctx, metric, scope, postFrom, postTo)
	if err != nil {
		return r, err
	}
	if pre.den == 0 || post.den == 0 {
		return r, domain.Errorf(domain.EInvalid, "%s has no %s to measure in the 7 days before %s or the 7 after", scope, metric, start.Format(dateLayout))
	}
	r.pre, r.post = pre.value(), post.value()
	r.change = r.post - r.pre
	if scope.Dimension != "" {
		r.controlled = true
		r.controlPre, r.controlPost = pre.rest(metric, scope.Dimension), post.rest(metric, scope.Dimension)
		r.change -= r.controlPost - r.controlPre
	}
	return r, nil
}

// ReviewCorrection measures a correction once its seven days are over and
// records the verdict: keep when the realized impact reaches the expected
// low and no guard metric worsened beyond its tolerance; roll back when it
// is not positive or a guard worsened; adjust otherwise. A decision
// already overridden by a person stays; the figures are refreshed.
func (d *Decider) ReviewCorrection(ctx context.Context, id int64) (Review, error) {
	c, err := d.Correction(ctx, id)
	if err != nil {
		return Review{}, err
	}
	r, err := d.measure(ctx, c)
	if err != nil {
		return r, err
	}
	status := verdictStatus[r.Verdict]
	overridden := c.OverrideReason != ""
	if overridden {
		status = c.Status
	}
	_, err = d.DB.Exec(ctx, `UPDATE corrections SET realized = ?, computed_verdict = ?, reason = ?, status = ?, decided_at = COALESCE(decided_at, ?),
		decided_by = CASE WHEN decided_by = '' THEN 'review' ELSE decided_by END WHERE id = ?`,
		r.Realized, r.Verdict, r.Reason, status, d.now().Unix(), c.ID)
	if err != nil {
		return r, err
	}
	// Reviewing it is the owner's action done.
	_, err = d.DB.Exec(ctx, `UPDATE actions SET completed_at = ? WHERE external_id = ? AND completed_at IS NULL`, d.now().Unix(), reviewActionID(c.ID))
	r.Status, r.OverrideReason = status, c.OverrideReason
	return r, err
}

// MeasureCorrection is ReviewCorrection without recording anything: the
// figures and the verdict they give, for pages and reviews that only read.
func (d *Decider) MeasureCorrection(ctx context.Context, id int64) (Review, error) {
	c, err := d.Correction(ctx, id)
	if err != nil {
		return Review{}, err
	}
	r, err := d.measure(ctx, c)
	r.Status, r.OverrideReason = c.Status, c.OverrideReason
	return r, err
}

// measure computes a correction's realized impact, guards and verdict.
func (d *Decider) measure(ctx context.Context, c Correction) (Review, error) {
	id := c.ID
	if c.Status == Planned || c.Status == Running {
		return Review{}, domain.Errorf(domain.EInvalid, "correction %d runs until %s: its review is due on %s", id, c.ReviewDate, c.ReviewDate)
	}
	loc, err := d.loc(ctx)
	if err != nil {
		return Review{}, err
	}
	start, _ := time.ParseInLocation(dateLayout, c.Start, loc)
	r := Review{ID: c.ID, Title: c.Title, Metric: c.Metric, Scope: c.Scope, Expected: c.Expected, Guards: []Guard{},
		PreFrom: start.AddDate(0, 0, -ReviewAfter).Format(dateLayout), PostTo: start.AddDate(0, 0, ReviewAfter-1).Format(dateLayout)}
	target, err := d.did(ctx, c.Metric, c.Scope, start)
	if err != nil {
		return r, err
	}
	r.Pre, r.Post, r.ControlPre, r.ControlPost, r.Controlled = round6(target.pre), round6(target.post), round6(target.controlPre), round6(target.controlPost), target.controlled
	r.Realized = round6(improvement(c.Metric, target.change))

	var worse []string
	for _, m := range GuardMetrics {
		if m == c.Metric {
			continue
		}
		scope := c.Scope
		if scope.Dimension != "" && !metrics.Applies(m, scope.Dimension) {
			scope = Scope{} // the guard cannot be cut that way: watch the store
		}
		if m == "csat" {
			g, why, ran, err := d.csatGuard(ctx, scope, start)
			if err != nil {
				return r, err
			}
			if ran {
				r.Guards = append(r.Guards, g)
			}
			if why != "" {
				worse = append(worse, why)
			}
			continue
		}
		g, err := d.did(ctx, m, scope, start)
		if err != nil {
			return r, err
		}
		ok := improvement(m, g.change) >= -GuardTolerance*math.Abs(g.pre)
		r.Guards = append(r.Guards, Guard{Metric: m, Change: round6(g.change), OK: ok})
		if !ok {
			worse = append(worse, fmt.Sprintf("%s worsened by %s (more than %.0f%% of its %s before)", m, num(math.Abs(g.change)), GuardTolerance*100, num(g.pre)))
		}
	}
	control := "against the rest of the store"
	if !r.Controlled {
		control = "with no control group (a store-wide change: seasonality is not removed)"
	}
	// The sentence states the difference-in-differences as computed: the
	// scope's change, the rest of the store's, and what is left, with its
	// direction in words, so it can never read as the opposite of the
	// verdict beside it.
	scopeName := "the store"
	if c.Scope.Dimension != "" {
		scopeName = c.Scope.String()
	}
	measured := fmt.Sprintf("in %s, %s went from %s to %s (%s)", scopeName, c.Metric, num(r.Pre), num(r.Post), signed(r.Post-r.Pre))
	if r.Controlled {
		measured += fmt.Sprintf("; in the rest of the store from %s to %s (%s)", num(r.ControlPre), num(r.ControlPost), signed(r.ControlPost-r.ControlPre))
	} else {
		measured += "; " + control
	}
	direction := "an improvement"
	switch {
	case r.Realized < 0:
		direction = "a worsening"
	case r.Realized == 0:
		direction = "no change"
	}
	measured += fmt.Sprintf(": a realized impact of %s, %s, against %s expected (low %s)", signed(r.Realized), direction, num(c.Expected.Base), num(c.Expected.Low))
	switch {
	case len(worse) > 0:
		r.Verdict, r.Reason = "roll_back", fmt.Sprintf("roll back: %s; %s", joinAnd(worse), measured)
	case r.Realized <= 0:
		r.Verdict, r.Reason = "roll_back", "roll back: no improvement; "+measured
	case r.Realized >= c.Expected.Low:
		r.Verdict, r.Reason = "keep", "keep: "+measured+", and no guard metric worsened"
	default:
		r.Verdict, r.Reason = "adjust", "adjust: it helps, but less than the expected low; "+measured
	}
	return r, d.holdoutVerdict(ctx, c, start, &r, worse)
}

// reviewActionID is the id of the action that reminds a correction's owner
// of its review.
func reviewActionID(id int64) string { return fmt.Sprintf("correction-%d-review", id) }

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	out := ""
	for i, x := range xs {
		switch {
		case i == 0:
		case i == len(xs)-1:
			out += " and "
		default:
			out += ", "
		}
		out += x
	}
	return out
}

// Decide records a person's verdict on a reviewed correction; one that
// differs from the computed verdict needs a written reason.
func (d *Decider) Decide(ctx context.Context, id int64, verdict, reason, by string) (Correction, error) {
	status, ok := verdictStatus[verdict]
	if !ok {
		return Correction{}, domain.Errorf(domain.EInvalid, "verdict %q: use keep, adjust or roll_back", verdict)
	}
	c, err := d.Correction(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Verdict == "" {
		return c, domain.Errorf(domain.EInvalid, "correction %d has not been reviewed: run quietdesk corrections review %d first (due %s)", id, id, c.ReviewDate)
	}
	override := ""
	if verdict != c.Verdict {
		if len(reason) < 10 {
			return c, domain.Errorf(domain.EInvalid, "the computed verdict is %s: overriding it with %s needs a written reason (--reason, a sentence)", c.Verdict, verdict)
		}
		override = reason
	}
	_, err = d.DB.Exec(ctx, `UPDATE corrections SET status = ?, override_reason = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
		status, override, by, d.now().Unix(), id)
	if err != nil {
		return c, err
	}
	return d.Correction(ctx, id)
}

// signed writes a change with its sign: +2.6, -9.9.
func signed(v float64) string {
	if v > 0 {
		return "+" + num(v)
	}
	return num(v)
}
