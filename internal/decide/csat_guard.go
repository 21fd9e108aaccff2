package decide

import (
	"context"
	"fmt"
	"math"
	"time"
)

// CSAT as a guard (docs/decisions.md#corrections-and-verdicts): fewer
// contacts must not be bought with worse service. CSAT is a share of a
// few dozen answers a week, so its week-to-week wobble is large: a guard
// that failed on any dip would roll back good corrections at random. It
// fails only on a drop that is both material and beyond chance, measured
// on enough answers.
const (
	// CSATDrop is the largest fall of CSAT, in points of the share of
	// satisfied answers (difference-in-differences, as every guard), that
	// a kept correction may show.
	CSATDrop = 0.05
	// CSATMinAnswers is how many answers each window (the 7 days before
	// the start and the 7 from it) needs for CSAT to be judged. At 30
	// answers a CSAT of 85% has a standard error of 6.5 points, the same
	// as the drop tested; fewer, and no drop of a few points can be told
	// from chance, so the guard says it was not judged.
	CSATMinAnswers = 30
	// csatZ is the one-sided 95% bound of the two-proportion test a drop
	// must pass.
	csatZ = 1.645
)

// csatGuard judges CSAT over a correction's windows in scope. ran is
// false when no survey was answered in either window (surveys do not run):
// then CSAT is no guard. why, when set, is the reason it failed.
func (d *Decider) csatGuard(ctx context.Context, scope Scope, start time.Time) (g Guard, why string, ran bool, err error) {
	g = Guard{Metric: "csat", OK: true}
	pre, err := d.sums(ctx, "csat", scope, start.AddDate(0, 0, -ReviewAfter), start.AddDate(0, 0, -1))
	if err != nil {
		return g, "", false, err
	}
	post, err := d.sums(ctx, "csat", scope, start, start.AddDate(0, 0, ReviewAfter-1))
	if err != nil {
		return g, "", false, err
	}
	if pre.storeDen == 0 && post.storeDen == 0 {
		return g, "", false, nil
	}
	if pre.den > 0 && post.den > 0 {
		g.Change = post.value() - pre.value()
		if scope.Dimension != "" {
			g.Change -= post.rest("csat", scope.Dimension) - pre.rest("csat", scope.Dimension)
		}
		g.Change = round6(g.Change)
	}
	if pre.den < CSATMinAnswers || post.den < CSATMinAnswers {
		g.Note = fmt.Sprintf("not judged: %.0f answers before and %.0f after, fewer than %d in a window", pre.den, post.den, CSATMinAnswers)
		return g, "", true, nil
	}
	// The scope's own fall must be beyond chance: a two-proportion test
	// on its satisfied answers before and after.
	fall := pre.value() - post.value()
	pooled := (pre.num + post.num) / (pre.den + post.den)
	se := math.Sqrt(pooled * (1 - pooled) * (1/pre.den + 1/post.den))
	if g.Change < -CSATDrop && se > 0 && fall/se >= csatZ {
		g.OK = false
		why = fmt.Sprintf("csat fell by %.1f points (more than %.0f, beyond chance: %s of %.0f answers satisfied before, %s of %.0f after)",
			-g.Change*100, CSATDrop*100, pct(pre.value()), pre.den, pct(post.value()), post.den)
	}
	return g, why, true, nil
}
