package proactive

import (
	"context"
	"math"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// The holdout report (docs/proactive.md#report): what a rule's notices did
// to contacts per order and to the share of orders with a
// where-is-my-order contact, notified orders against held-out ones. The
// page, GET /api/v1/proactive/report and `quietdesk proactive report` all
// read it from BuildReport; imported decisions are measured exactly like
// Quietdesk's own.

// Window is how long after its decision an order's contacts count: the
// metrics' attribution window, so a saved contact is one the contact
// figures would have counted.
const Window = metrics.DefaultAttributionWindow

// z95 is the normal quantile of a two-sided 95% interval.
const z95 = 1.96

// Group is the figures of one side of the comparison.
type Group struct {
	Orders   int `json:"orders"`
	Contacts int `json:"contacts"`
	// CPO is Contacts ÷ Orders: contacts per order.
	CPO float64 `json:"cpo"`
	// WismoRate is the share of Orders with a where-is-my-order contact.
	WismoRate   float64 `json:"wismo_rate"`
	WismoOrders int     `json:"wismo_orders"`
}

// Difference is notified minus held out, with 95% intervals.
type Difference struct {
	CPO       float64    `json:"cpo"`
	CI95      [2]float64 `json:"ci95"`
	WismoRate float64    `json:"wismo_rate"`
	WismoCI95 [2]float64 `json:"wismo_rate_ci95"`
}

// Saved is what the notices spared, once the effect is known.
type Saved struct {
	Contacts    float64 `json:"contacts"`
	SupportCost float64 `json:"support_cost"`
	// CostPerContact is the period's support cost ÷ its contacts, as the
	// metrics compute them (docs/metrics.md#formulas).
	CostPerContact float64 `json:"cost_per_contact"`
}

// Week is one week's comparison, by the week of the decision.
type Week struct {
	Week     string `json:"week"`
	Eligible int    `json:"eligible"`
	Notified Group  `json:"notified"`
	HeldOut  Group  `json:"held_out"`
}

// Report is one rule's holdout report over a period of decisions.
type Report struct {
	Rule string    `json:"rule"`
	From time.Time `json:"from"` // first instant of the decisions, included
	To   time.Time `json:"to"`   // the instant after the last, excluded
	AsOf time.Time `json:"as_of"`
	// Eligible counts every decision of the period, whatever became of it.
	Eligible int `json:"eligible"`
	// Pending counts decisions whose window has not ended by AsOf: they
	// are in Eligible and in neither group yet.
	Pending    int        `json:"pending"`
	WindowDays int        `json:"window_days"`
	Notified   Group      `json:"notified"`
	HeldOut    Group      `json:"held_out"`
	Difference Difference `json:"difference"`
	Saved      Saved      `json:"saved"`
	// Known is true once the contacts-per-order interval excludes zero.
	Known bool   `json:"known"`
	Weeks []Week `json:"weeks,omitempty"`

	outcomes []outcome
	cpoDiff  float64 // the difference before rounding
}

// outcome is one decision and what followed it.
type outcome struct {
	decidedAt time.Time
	side      int // sideNotified, sideHeldOut, or sideNeither
	pending   bool
	contacts  int
	wismo     bool
}

const (
	sideNeither = iota
	sideNotified
	sideHeldOut
)

// BuildReport measures the rule's decisions made in [from, to), as of now.
//
// Eligible is every decision. Held out are the decisions in the holdout;
// notified those not held out whose notice went (status sent, or for an
// imported decision a sent_at). Decisions that were not held out and sent
// nothing (opted out, capped, failed, dry run) are in neither group. A
// decision counts the contacts linked to its order (contacts.order_id)
// started at or after the decision and within Window of it; a decision
// whose window has not ended by now is pending and left out of both
// groups, so both are measured over whole windows.
func BuildReport(ctx context.Context, db *store.DB, rule string, from, to time.Time, now time.Time) (*Report, error) {
	var p domain.Problems
	if rule == "" {
		p.Add("rule", "is required: name a rule (quietdesk proactive rules lists them)")
	}
	if !to.After(from) {
		p.Add("to", "must be after from")
	}
	if len(p) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "bad proactive report", Fields: p}
	}
	if err := ruleExists(ctx, db, rule); err != nil {
		return nil, err
	}
	rep := &Report{Rule: rule, From: from, To: to, AsOf: now.UTC().Truncate(time.Second), WindowDays: int(Window / (24 * time.Hour))}
	if err := rep.load(ctx, db, now); err != nil {
		return nil, err
	}
	rep.Notified, rep.HeldOut = summarise(rep.outcomes, func(int) bool { return true })
	rep.Eligible = len(rep.outcomes)
	for _, o := range rep.outcomes {
		if o.pending {
			rep.Pending++
		}
	}
	rep.compare()
	if rep.Known {
		cpc, err := costPerContact(ctx, db, from, to, now)
		if err != nil {
			return nil, err
		}
		rep.Saved.CostPerContact = round(cpc, 4)
		rep.Saved.Contacts = round6(-rep.cpoDiff * float64(rep.Notified.Orders))
		rep.Saved.SupportCost = round(rep.Saved.Contacts*cpc, 2)
	}
	return rep, nil
}

// ruleExists refuses a name that is neither a rule nor named by any
// decision (imported notices may name rules defined elsewhere).
func ruleExists(ctx context.Context, db *store.DB, rule string) error {
	var n int
	err := db.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM proactive_rules WHERE name = ?) + (SELECT COUNT(*) FROM proactive_decisions WHERE rule = ?)`, rule, rule).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return domain.Errorf(domain.ENotFound, "no rule and no decision is named %q: quietdesk proactive rules lists the rules", rule)
	}
	return nil
}

// load reads the period's decisions and the contacts that followed them.
func (r *Report) load(ctx context.Context, db *store.DB, now time.Time) error {
	window := int64(Window / time.Second)
	rows, err := db.Query(ctx, `SELECT d.decided_at, d.held_out, d.status, d.sent_at, d.source,
			COUNT(c.id), COALESCE(SUM(CASE WHEN c.topic = ? THEN 1 ELSE 0 END), 0)
		FROM proactive_decisions d
		LEFT JOIN contacts c ON c.order_id = d.order_id AND c.started_at >= d.decided_at AND c.started_at < d.decided_at + ? AND c.started_at < ?
		WHERE d.rule = ? AND d.decided_at >= ? AND d.decided_at < ?
		GROUP BY d.id, d.decided_at, d.held_out, d.status, d.sent_at, d.source
		ORDER BY d.decided_at, d.id`, topics.WhereIsMyOrder, window, now.Unix(), r.Rule, r.From.Unix(), r.To.Unix())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var decided int64
		var held bool
		var status, source string
		var sent *int64
		var contacts, wismo int
		if err := rows.Scan(&decided, &held, &status, &sent, &source, &contacts, &wismo); err != nil {
			return err
		}
		o := outcome{decidedAt: time.Unix(decided, 0), contacts: contacts, wismo: wismo > 0}
		switch {
		case held:
			o.side = sideHeldOut
		case status == StatusSent || source == "import" && sent != nil:
			o.side = sideNotified
		}
		o.pending = decided+window > now.Unix()
		r.outcomes = append(r.outcomes, o)
	}
	return rows.Err()
}

// summarise sums the measured outcomes that keep admits, per side.
func summarise(outcomes []outcome, keep func(i int) bool) (notified, heldOut Group) {
	for i, o := range outcomes {
		if o.pending || !keep(i) {
			continue
		}
		g := &notified
		switch o.side {
		case sideHeldOut:
			g = &heldOut
		case sideNeither:
			continue
		}
		g.Orders++
		g.Contacts += o.contacts
		if o.wismo {
			g.WismoOrders++
		}
	}
	for _, g := range []*Group{&notified, &heldOut} {
		if g.Orders > 0 {
			g.CPO = round6(float64(g.Contacts) / float64(g.Orders))
			g.WismoRate = round6(float64(g.WismoOrders) / float64(g.Orders))
		}
	}
	return notified, heldOut
}

// compare fills the differences and their intervals.
//
// Contacts per order is a mean of per-order counts: its difference has
// the Welch standard error √(s²ₙ/nₙ + s²ₕ/nₕ) with each side's sample
// variance. The where-is-my-order rate is a proportion: √(pₙ(1−pₙ)/nₙ +
// pₕ(1−pₕ)/nₕ). Each interval is the difference ± 1.96 standard errors,
// clipped to what the notified figure can be given the held-out one (a
// notified rate between 0 and 1, a notified cpo not below 0). With fewer
// than two orders on a side there is no interval: it stays [0, 0] and the
// effect is not known.
func (r *Report) compare() {
	n, h := r.Notified, r.HeldOut
	d := &r.Difference
	if n.Orders == 0 || h.Orders == 0 {
		return
	}
	cpoN, cpoH := float64(n.Contacts)/float64(n.Orders), float64(h.Contacts)/float64(h.Orders)
	pN, pH := float64(n.WismoOrders)/float64(n.Orders), float64(h.WismoOrders)/float64(h.Orders)
	r.cpoDiff = cpoN - cpoH
	d.CPO = round6(r.cpoDiff)
	d.WismoRate = round6(pN - pH)
	if n.Orders < 2 || h.Orders < 2 {
		return
	}
	varN, varH := r.variances(cpoN, cpoH)
	se := math.Sqrt(varN/float64(n.Orders) + varH/float64(h.Orders))
	diff := cpoN - cpoH
	d.CI95 = [2]float64{round6(max(diff-z95*se, -cpoH)), round6(diff + z95*se)}
	seP := math.Sqrt(pN*(1-pN)/float64(n.Orders) + pH*(1-pH)/float64(h.Orders))
	diffP := pN - pH
	d.WismoCI95 = [2]float64{round6(max(diffP-z95*seP, -pH)), round6(min(diffP+z95*seP, 1-pH))}
	r.Known = d.CI95[0] > 0 || d.CI95[1] < 0
}

// variances are each side's sample variance of contacts per order.
func (r *Report) variances(meanN, meanH float64) (varN, varH float64) {
	var ssN, ssH float64
	var nN, nH int
	for _, o := range r.outcomes {
		if o.pending {
			continue
		}
		switch o.side {
		case sideNotified:
			ssN += (float64(o.contacts) - meanN) * (float64(o.contacts) - meanN)
			nN++
		case sideHeldOut:
			ssH += (float64(o.contacts) - meanH) * (float64(o.contacts) - meanH)
			nH++
		}
	}
	return ssN / float64(nN-1), ssH / float64(nH-1)
}

// SplitByWeek fills Weeks with each week's comparison, weekOf naming the
// week a decision falls in (the project's one week: decide.WeekOf in the
// store's zone). Weeks come in the order of their decisions.
func (r *Report) SplitByWeek(weekOf func(time.Time) string) {
	r.Weeks = nil
	index := map[string]int{}
	of := make([]int, len(r.outcomes))
	for k, o := range r.outcomes {
		w := weekOf(o.decidedAt)
		i, seen := index[w]
		if !seen {
			i = len(r.Weeks)
			index[w] = i
			r.Weeks = append(r.Weeks, Week{Week: w})
		}
		r.Weeks[i].Eligible++
		of[k] = i
	}
	for i := range r.Weeks {
		r.Weeks[i].Notified, r.Weeks[i].HeldOut = summarise(r.outcomes, func(k int) bool { return of[k] == i })
	}
}

// costPerContact is the period's support cost ÷ its contacts, both as the
// metrics engine computes them for the days of [from, to) in the store's
// zone; 0 when the period has no contact.
func costPerContact(ctx context.Context, db *store.DB, from, to, now time.Time) (float64, error) {
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return 0, err
	}
	eng := metrics.NewEngine(db, clock.Fixed(now))
	sum := func(metric string) (float64, error) {
		res, err := eng.Run(ctx, metrics.Query{Metric: metric, Grain: "month",
			From: from.In(loc).Format(time.DateOnly), To: to.Add(-time.Second).In(loc).Format(time.DateOnly)})
		if err != nil {
			return 0, err
		}
		var total float64
		for _, row := range res.Rows {
			total += row.Numerator
		}
		return total, nil
	}
	cost, err := sum("support_cost")
	if err != nil {
		return 0, err
	}
	contacts, err := sum("contacts")
	if err != nil || contacts == 0 {
		return 0, err
	}
	return cost / contacts, nil
}

func round6(v float64) float64 { return round(v, 6) }

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
