package decide

import (
	"context"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
)

// A correction's lever may name a proactive rule or campaign:
// "proactive:late_shipment". Its verdict then also reads the rule's
// holdout comparison (docs/decisions.md#a-proactive-rule-as-the-lever):
// orders notified against orders held out by the stable hash, which a
// store-wide change cannot move, so it is the better evidence once its
// interval excludes zero.

// LeverProactive is the prefix of a lever that names a proactive rule.
const LeverProactive = "proactive:"

// ProactiveLever returns the proactive rule a lever names, or "".
func ProactiveLever(lever string) string {
	name, ok := strings.CutPrefix(strings.TrimSpace(lever), LeverProactive)
	if !ok {
		return ""
	}
	return strings.TrimSpace(name)
}

// checkLever refuses a lever naming a proactive rule that does not exist
// (a rule, or a rule named by imported notices).
func (d *Decider) checkLever(ctx context.Context, c Correction, p *domain.Problems) error {
	if !strings.HasPrefix(strings.TrimSpace(c.Lever), LeverProactive) {
		return nil
	}
	name := ProactiveLever(c.Lever)
	if name == "" {
		p.Add("lever", "%q names no rule: write proactive:RULE, like proactive:late_shipment", c.Lever)
		return nil
	}
	var n int
	err := d.DB.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM proactive_rules WHERE name = ?) + (SELECT COUNT(*) FROM proactive_decisions WHERE rule = ?)`, name, name).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		p.Add("lever", "there is no proactive rule %q: quietdesk proactive rules lists them", name)
	}
	return nil
}

// Holdout is the holdout comparison of a correction's proactive rule over
// the correction's seven days: the rule's decisions made then, and the
// contacts that followed within the report's window.
type Holdout struct {
	Rule     string  `json:"rule"`
	Notified int     `json:"notified"`
	HeldOut  int     `json:"held_out"`
	Pending  int     `json:"pending"`
	CPO      float64 `json:"cpo_notified"`
	CPOHeld  float64 `json:"cpo_held_out"`
	// Difference is notified minus held out, in contacts per order, with
	// its 95% interval; Known once the interval excludes zero.
	Difference float64    `json:"difference"`
	CI95       [2]float64 `json:"ci95"`
	Known      bool       `json:"known"`
}

// sentence tells the comparison with its verdict on the effect.
func (h Holdout) sentence() string {
	s := fmt.Sprintf("the holdout of %s: %d notified orders at %s contacts per order against %d held out at %s, a difference of %s (95%% interval %s to %s)",
		h.Rule, h.Notified, num(h.CPO), h.HeldOut, num(h.CPOHeld), signed(h.Difference), num(h.CI95[0]), num(h.CI95[1]))
	if h.Pending > 0 {
		s += fmt.Sprintf(", %d orders still in their window", h.Pending)
	}
	if !h.Known {
		return s + ": the effect is not yet known (the interval includes zero)"
	}
	if h.Difference < 0 {
		return s + ": the notices cut contacts"
	}
	return s + ": the notices added contacts"
}

// holdoutVerdict reads the holdout comparison of the correction's
// proactive rule, when its lever names one and the rule decided orders in
// the correction's seven days, and lets it decide the verdict once known:
// keep when the notices cut contacts and no guard worsened, roll back when
// they added contacts. While it is not known the verdict stays the
// difference-in-differences one, and its reason says so.
func (d *Decider) holdoutVerdict(ctx context.Context, c Correction, start time.Time, r *Review, worse []string) error {
	rule := ProactiveLever(c.Lever)
	if rule == "" {
		return nil
	}
	rep, err := proactive.BuildReport(ctx, d.DB, rule, start, start.AddDate(0, 0, ReviewAfter), d.now())
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil // the rule was removed since: nothing to compare
	}
	if err != nil {
		return err
	}
	if rep.Eligible == 0 {
		return nil
	}
	h := Holdout{Rule: rule, Notified: rep.Notified.Orders, HeldOut: rep.HeldOut.Orders, Pending: rep.Pending,
		CPO: rep.Notified.CPO, CPOHeld: rep.HeldOut.CPO, Difference: rep.Difference.CPO, CI95: rep.Difference.CI95, Known: rep.Known}
	r.Holdout = &h
	switch {
	case h.Known && h.Difference > 0:
		r.Verdict, r.Reason = "roll_back", "roll back: "+h.sentence()+"; "+measuredPart(r.Reason)
	case h.Known && h.Difference < 0 && len(worse) == 0:
		r.Verdict, r.Reason = "keep", "keep: "+h.sentence()+", and no guard metric worsened; "+measuredPart(r.Reason)
	default:
		r.Reason += "; " + h.sentence()
	}
	return nil
}

// measuredPart is a verdict's reason without its leading verdict word.
func measuredPart(reason string) string {
	_, rest, ok := strings.Cut(reason, ": ")
	if !ok {
		return reason
	}
	return "the difference-in-differences: " + rest
}
