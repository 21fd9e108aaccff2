package decide

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
)

// The weekly review (§3.5): four questions answered from the data, for a
// support lead to read in fifteen minutes on Monday.

// WeeklyReview is the review of one week; its JSON is the API's and the
// CLI's.
type WeeklyReview struct {
	Week         string       `json:"week"`
	From         string       `json:"from"`
	To           string       `json:"to"`
	Program      *Program     `json:"program,omitempty"`
	Changed      Changed      `json:"changed"`
	Moved        []Move       `json:"moved"`
	Contribution Contribution `json:"contribution"`
	Decisions    Decisions    `json:"decisions"`
	// Service is the team figures this week and last (review_service.go);
	// empty when the store has none.
	Service []ServiceFigure `json:"service"`
	// Series are the weekly values behind the charts: the headline
	// metrics over the review's trailing weeks.
	Series []Series `json:"series"`
}

// Changed answers "what changed this week?".
type Changed struct {
	CorrectionsStarted  []Correction `json:"corrections_started"`
	CorrectionsReviewed []Correction `json:"corrections_reviewed"`
	CorrectionsEnded    []Correction `json:"corrections_ended"`
	GuardrailsEdited    []Change     `json:"guardrails_edited"`
	Topics              []TopicMove  `json:"topics"`
	// TopicChanges is the taxonomy changed in the week: candidates
	// promoted, topics added, renamed, merged or retired
	// (review_topics.go).
	TopicChanges []TopicChange `json:"topic_changes"`
	// Proactive is the proactive notices that went out, by subject: what
	// customers received.
	Proactive []Campaign `json:"proactive"`
	// ProactiveRules is what was decided: proactive rules switched on or
	// off, and campaigns sent with their counts (docs/proactive.md).
	ProactiveRules []RuleChange `json:"proactive_rules"`
}

// RuleChange is a proactive rule switched on or off, or a campaign sent.
type RuleChange struct {
	Rule   string `json:"rule"`
	Kind   string `json:"kind"`
	Change string `json:"change"` // enabled, disabled or campaign_sent
	By     string `json:"by"`
	At     string `json:"at"` // YYYY-MM-DD in the store's time zone
	// A campaign's orders: its cohort, those scheduled a notice, those
	// held out.
	Orders    int `json:"orders,omitempty"`
	Scheduled int `json:"scheduled,omitempty"`
	HeldOut   int `json:"held_out,omitempty"`
}

// TopicMove is a topic that is new this week or spiking.
type TopicMove struct {
	Topic    string  `json:"topic"`
	Contacts float64 `json:"contacts"`
	Median   float64 `json:"median"` // contacts in the weeks before
	// PerOrder is the week's contacts per order on the topic, and
	// MedianPerOrder that of the weeks before: what it is judged by.
	PerOrder       float64 `json:"per_order"`
	MedianPerOrder float64 `json:"median_per_order"`
	New            bool    `json:"new"`
}

// Campaign is proactive notices sent in the week, by subject.
type Campaign struct {
	Subject string `json:"subject"`
	Notices int    `json:"notices"`
}

// Move is a metric whose week-over-week change is beyond noise.
type Move struct {
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
	Previous float64 `json:"previous"`
	Change   float64 `json:"change"`
	Z        float64 `json:"z"`
	Better   bool    `json:"better"`
	// Why tells the move as the moves of its numerator and denominator:
	// "orders +89%, contacts +41%: CPO fell because orders rose faster".
	Why string `json:"why,omitempty"`
	// VolumeSurge says the week's orders were far outside their normal
	// range: a per-order figure moved with its denominator.
	VolumeSurge bool     `json:"volume_surge,omitempty"`
	By          string   `json:"by,omitempty"`
	Drivers     []Driver `json:"drivers"`
}

// Driver is one cohort's part of a metric's change; the parts of every
// cohort of the dimension add up to the change.
type Driver struct {
	Group        string  `json:"group"`
	Contribution float64 `json:"contribution"`
	Value        float64 `json:"value"`
	Previous     float64 `json:"previous"`
}

// Contribution answers "did contribution quality improve?".
type Contribution struct {
	PerOrder         float64    `json:"per_order"`
	Previous         float64    `json:"previous"`
	Change           float64    `json:"change"`
	EstimatedReturns float64    `json:"estimated_returns"`
	ReturnCostRatio  [2]float64 `json:"return_cost_ratio"` // this week, last week
	CPO              [2]float64 `json:"cpo"`
	Improved         bool       `json:"improved"`
	Verdict          string     `json:"verdict"`
}

// Decisions answers "what do we keep, adjust or stop next week?".
type Decisions struct {
	Verdicts        []Review     `json:"verdicts"`
	Alerts          []Alert      `json:"alerts"`
	Waiting         []string     `json:"waiting,omitempty"`
	OwnerCompletion []OwnerRate  `json:"owner_completion"`
	Open            []Correction `json:"open_corrections"`
}

// OwnerRate is an owner's completion in the week.
type OwnerRate struct {
	Owner string  `json:"owner"`
	Rate  float64 `json:"rate"`
	Done  float64 `json:"done"`
	Due   float64 `json:"due"`
}

// Series is a metric's weekly values.
type Series struct {
	Metric string     `json:"metric"`
	Weeks  []string   `json:"weeks"`
	Values []*float64 `json:"values"`
	// The terms of each week's value, and whether the week was a volume
	// surge.
	num, den []float64
	surge    []bool
}

// reviewMetrics are the metrics whose moves the review looks for, the
// headline ones first: the lag-adjusted CPO, whose recent weeks count the
// contacts still to come, then the period CPO.
// (Other order-cohort metrics such as contact_rate are left out: their
// latest weeks are not mature, so they always seem to fall.)
var reviewMetrics = []string{"cpo_lag_adjusted", "cpo", "support_cost_per_order", "contribution_per_order", "self_service_rate",
	"return_cost_ratio", "variable_cost_ratio", "repeat_contact_rate", "first_contact_resolution", "orders", "contacts"}

// driverDimensions are where the review looks for the cohorts behind a
// move: the dimension whose top cohort explains most of it is shown.
var driverDimensions = []string{"carrier", "discount_code", "category", "sales_channel", "country", "customer_type", "campaign", "warehouse", "channel", "topic"}

// moveZ is "beyond noise": |z| ≥ 2 against the trailing 8 weekly changes.
// A move must also be material, at least minMove of the previous value:
// a very steady series would otherwise flag a change nobody would act on.
const (
	moveZ   = 2
	minMove = 0.02
)

// trailingChanges is how many past weekly changes the noise is read from.
const trailingChanges = 8

// Review writes the review of a complete week from what the store holds:
// the week's alerts as the guardrails task recorded them and the
// corrections due measured as of now. It writes nothing. The program and
// the alerts' states are shown as they stood at the end of the week, so a
// past week's review reads the same later (docs/decisions.md).
func (d *Decider) Review(ctx context.Context, week Week) (WeeklyReview, error) {
	r := WeeklyReview{Week: week.String(), From: week.Start.Format(dateLayout), To: week.Sunday().Format(dateLayout), Moved: []Move{}}
	if p, err := d.ProgramOn(ctx, week.Sunday()); err == nil {
		r.Program = &p
	}
	alerts, err := d.WeekAlerts(ctx, week)
	if err != nil {
		return r, err
	}
	r.Decisions.Alerts, r.Decisions.Waiting = alerts.Alerts, alerts.Waiting
	if err := d.changed(ctx, week, &r); err != nil {
		return r, err
	}
	first := week.Add(-(trailingChanges + 1))
	for _, m := range reviewMetrics {
		s, err := d.storeSeries(ctx, m, first, week)
		if err != nil {
			return r, err
		}
		if slices.Contains([]string{"cpo_lag_adjusted", "support_cost_per_order", "contribution_per_order", "self_service_rate"}, m) {
			r.Series = append(r.Series, s)
		}
		move, ok := moved(m, s.Values)
		if !ok {
			continue
		}
		if n := len(s.Values); n >= 2 && s.num != nil {
			move.Why = explain(m, s.num[n-2], s.den[n-2], s.num[n-1], s.den[n-1])
			move.VolumeSurge = s.surge[n-1]
		}
		if err := d.drivers(ctx, &move, week); err != nil {
			return r, err
		}
		r.Moved = append(r.Moved, move)
	}
	if err := d.contribution(ctx, week, &r); err != nil {
		return r, err
	}
	if err := d.service(ctx, week, &r); err != nil {
		return r, err
	}
	return r, d.decisions(ctx, week, &r)
}

// storeSeries is a metric's weekly store values, return-adjusted where
// returns are still to come.
func (d *Decider) storeSeries(ctx context.Context, metric string, first, last Week) (Series, error) {
	g := Guardrail{Metric: metric}
	all, err := d.weeklySeries(ctx, g, first, last)
	if err != nil {
		return Series{}, err
	}
	s := Series{Metric: metric}
	n := weeksBetween(first, last) + 1
	for i := range n {
		s.Weeks = append(s.Weeks, first.Add(i).String())
	}
	if one := all[""]; one != nil {
		s.Values, s.num, s.den, s.surge = one.values, one.num, one.den, one.surge
	} else {
		s.Values = make([]*float64, n)
	}
	return s, nil
}

// explain tells a ratio's move as the moves of its terms: "orders +89%,
// contacts +41%: contacts per order fell because orders rose faster". A
// per-order figure that falls in a surge of orders has not improved; the
// words make that plain. Empty for metrics that are not ratios.
func explain(metric string, n0, d0, n1, d1 float64) string {
	def, _ := metrics.Lookup(metric)
	if def.Numerator == "" || n0 == 0 || d0 == 0 {
		return ""
	}
	nc, dc := n1/n0-1, d1/d0-1
	// A change under 1% is "held": "fell 0%" would read as a fall.
	const still = 0.01
	verb := func(c float64) string {
		switch {
		case math.Abs(c) < still:
			return "held"
		case c > 0:
			return "rose"
		}
		return "fell"
	}
	way := "rose"
	if n1/d1 < n0/d0 {
		way = "fell"
	}
	var because string
	switch {
	case math.Abs(dc) < still:
		because = fmt.Sprintf("%s %s while %s held", def.Numerator, verb(nc), def.Denominator)
	case math.Abs(nc) < still:
		because = fmt.Sprintf("%s %s while %s held", def.Denominator, verb(dc), def.Numerator)
	case (nc >= 0) != (dc >= 0):
		because = fmt.Sprintf("%s %s while %s %s", def.Numerator, verb(nc), def.Denominator, verb(dc))
	case math.Abs(dc) > math.Abs(nc):
		because = fmt.Sprintf("%s %s faster than %s", def.Denominator, verb(dc), def.Numerator)
	default:
		because = fmt.Sprintf("%s %s faster than %s", def.Numerator, verb(nc), def.Denominator)
	}
	pct := func(c float64) string {
		if math.Abs(c) < 0.005 {
			return "±0%"
		}
		return fmt.Sprintf("%+.0f%%", c*100)
	}
	return fmt.Sprintf("%s %s, %s %s: %s %s because %s", def.Denominator, pct(dc), def.Numerator, pct(nc), strings.ToLower(def.Label), way, because)
}

// moved tests the last change of a series against the trailing changes.
func moved(metric string, values []*float64) (Move, bool) {
	n := len(values)
	if n < 4 || values[n-1] == nil || values[n-2] == nil {
		return Move{}, false
	}
	var past []float64
	for i := 1; i < n-1; i++ {
		if values[i] != nil && values[i-1] != nil {
			past = append(past, *values[i]-*values[i-1])
		}
	}
	if len(past) < 4 {
		return Move{}, false
	}
	var mean, sd float64
	for _, c := range past {
		mean += c
	}
	mean /= float64(len(past))
	for _, c := range past {
		sd += (c - mean) * (c - mean)
	}
	sd = math.Sqrt(sd / float64(len(past)-1))
	change := *values[n-1] - *values[n-2]
	if sd == 0 {
		return Move{}, false
	}
	z := (change - mean) / sd
	if math.Abs(z) < moveZ || math.Abs(change) < minMove*math.Abs(*values[n-2]) {
		return Move{}, false
	}
	return Move{Metric: metric, Value: round6(*values[n-1]), Previous: round6(*values[n-2]), Change: round6(change), Z: math.Round(z*100) / 100,
		Better: improvement(metric, change) > 0, Drivers: []Driver{}}, true
}

// drivers finds the cohorts behind a move. A ratio R = Σn/Σd changes by
// Σ [(n'ᵢ − R·d'ᵢ)/D' − (nᵢ − R·dᵢ)/D] over cohorts i (R the old value, D
// the denominators): each term is how much more or less cohort i pulled
// the store away from last week's level, and the terms add up to the
// change exactly. The dimension whose largest term explains the most of
// the change is the one shown.
func (d *Decider) drivers(ctx context.Context, m *Move, week Week) error {
	prev := week.Add(-1)
	best := 0.0
	for _, dim := range driverDimensions {
		q := metrics.Query{Metric: m.Metric, Grain: "week", By: dim, From: prev.Start.Format(dateLayout), To: week.Sunday().Format(dateLayout), ReturnAdjusted: returnAdjusted(m.Metric)}
		res, err := d.Metrics.Run(ctx, q)
		if domain.ErrorCode(err) == domain.EInvalid {
			continue // the metric cannot be cut that way
		}
		if err != nil {
			return err
		}
		type nd struct{ n, d float64 }
		now, before := map[string]nd{}, map[string]nd{}
		var storeNow, storeBefore nd
		for _, row := range res.Rows {
			if row.Group == nil {
				continue
			}
			target := now
			if row.Period == prev.String() {
				target = before
			}
			target[*row.Group] = nd{row.Numerator, row.Denominator}
		}
		groups := map[string]bool{}
		for g, v := range now {
			groups[g] = true
			storeNow.n, storeNow.d = storeNow.n+v.n, storeNow.d+v.d
		}
		for g, v := range before {
			groups[g] = true
			storeBefore.n, storeBefore.d = storeBefore.n+v.n, storeBefore.d+v.d
		}
		// A dimension with one group explains every change trivially.
		if storeNow.d == 0 || storeBefore.d == 0 || len(groups) < 2 {
			continue
		}
		// Cohorts measured per order of the whole store (a contact
		// dimension) share one denominator: their parts are simply their
		// own changes.
		shared := slices.Contains(metrics.ContactDimensions, dim)
		R := m.Previous
		var list []Driver
		for g := range groups {
			a, b := now[g], before[g]
			var part float64
			if shared {
				part = ratio(a.n, storeDen(res, week)) - ratio(b.n, storeDen(res, prev))
			} else {
				part = (a.n-R*a.d)/storeNow.d - (b.n-R*b.d)/storeBefore.d
			}
			list = append(list, Driver{Group: g, Contribution: round6(part), Value: round6(ratio(a.n, a.d)), Previous: round6(ratio(b.n, b.d))})
		}
		sort.Slice(list, func(i, j int) bool { return math.Abs(list[i].Contribution) > math.Abs(list[j].Contribution) })
		if len(list) == 0 || m.Change == 0 {
			continue
		}
		// How much of the change the top cohort carries, in its direction.
		share := list[0].Contribution / m.Change
		if share > best {
			best = share
			m.By = dim
			m.Drivers = list[:min(3, len(list))]
		}
	}
	return nil
}

// storeDen is the store's denominator in a week of a result cut by a
// contact dimension (every row carries it).
func storeDen(res metrics.Result, w Week) float64 {
	for _, r := range res.Rows {
		if r.Period == w.String() {
			return r.Denominator
		}
	}
	return 0
}

// contribution answers question 3.
func (d *Decider) contribution(ctx context.Context, week Week, r *WeeklyReview) error {
	prev := week.Add(-1)
	get := func(metric string) ([2]float64, float64, error) {
		res, err := d.Metrics.Run(ctx, metrics.Query{Metric: metric, Grain: "week", From: prev.Start.Format(dateLayout), To: week.Sunday().Format(dateLayout), ReturnAdjusted: returnAdjusted(metric)})
		var out [2]float64
		var est float64
		if err != nil {
			return out, 0, err
		}
		for _, row := range res.Rows {
			i := 0
			if row.Period == prev.String() {
				i = 1
			}
			if row.Value != nil {
				out[i] = round6(*row.Value)
			}
			if i == 0 && row.EstimatedReturns != nil && row.Denominator > 0 {
				est = round6(*row.EstimatedReturns / row.Denominator)
			}
		}
		return out, est, nil
	}
	c := &r.Contribution
	perOrder, est, err := get("contribution_per_order")
	if err != nil {
		return err
	}
	c.PerOrder, c.Previous, c.EstimatedReturns = perOrder[0], perOrder[1], est
	c.Change = round6(perOrder[0] - perOrder[1])
	if c.ReturnCostRatio, _, err = get("return_cost_ratio"); err != nil {
		return err
	}
	if c.CPO, _, err = get("cpo"); err != nil {
		return err
	}
	var worse []string
	for _, g := range []struct {
		metric string
		v      [2]float64
	}{{"return_cost_ratio", c.ReturnCostRatio}, {"cpo", c.CPO}} {
		// Worse beyond the guard tolerance, or a move the review calls
		// meaningful (question 2): the verdict must not say "held" of a
		// rise it has just called a worsening.
		meaningful := slices.ContainsFunc(r.Moved, func(m Move) bool { return m.Metric == g.metric && !m.Better })
		if improvement(g.metric, g.v[0]-g.v[1]) < -GuardTolerance*math.Abs(g.v[1]) || meaningful {
			worse = append(worse, fmt.Sprintf("%s rose from %s to %s", g.metric, num(g.v[1]), num(g.v[0])))
		}
	}
	c.Improved = c.Change > 0 && len(worse) == 0
	switch {
	case c.Change > 0 && len(worse) == 0:
		c.Verdict = fmt.Sprintf("Yes: contribution per order rose %s to %s (return-adjusted), and the return-cost ratio and CPO stayed within %.0f%% of last week's.", num(c.Change), num(c.PerOrder), GuardTolerance*100)
	case c.Change > 0:
		c.Verdict = fmt.Sprintf("Not in quality: contribution per order rose %s, but %s.", num(c.Change), joinAnd(worse))
	default:
		c.Verdict = fmt.Sprintf("No: contribution per order moved %s to %s (return-adjusted).", num(c.Change), num(c.PerOrder))
		if len(worse) > 0 {
			c.Verdict += " " + joinAnd(worse) + "."
		}
	}
	return nil
}

// changed answers question 1.
func (d *Decider) changed(ctx context.Context, week Week, r *WeeklyReview) error {
	ch := &r.Changed
	ch.CorrectionsStarted, ch.CorrectionsReviewed, ch.CorrectionsEnded = []Correction{}, []Correction{}, []Correction{}
	ch.Topics, ch.TopicChanges, ch.Proactive, ch.ProactiveRules = []TopicMove{}, []TopicChange{}, []Campaign{}, []RuleChange{}
	from, to := week.Start.Format(dateLayout), week.Sunday().Format(dateLayout)
	list, err := d.Corrections(ctx)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Start >= from && c.Start <= to {
			ch.CorrectionsStarted = append(ch.CorrectionsStarted, c)
		}
		if c.ReviewDate >= from && c.ReviewDate <= to {
			ch.CorrectionsReviewed = append(ch.CorrectionsReviewed, c)
		}
	}
	var ended []int64
	rows, err := d.DB.Query(ctx, `SELECT id FROM corrections WHERE decided_at >= ? AND decided_at < ? AND status IN ('kept', 'adjusted', 'rolled_back')`, week.Start.Unix(), week.End().Unix())
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ended = append(ended, id)
	}
	rows.Close()
	for _, c := range list {
		if slices.Contains(ended, c.ID) {
			ch.CorrectionsEnded = append(ch.CorrectionsEnded, c)
		}
	}
	if ch.GuardrailsEdited, err = Changes(ctx, d.DB, week.Start, week.End()); err != nil {
		return err
	}
	if ch.GuardrailsEdited == nil {
		ch.GuardrailsEdited = []Change{}
	}
	if ch.Topics, err = d.RisingTopics(ctx, week); err != nil {
		return err
	}
	if ch.TopicChanges, err = d.topicChanges(ctx, week); err != nil {
		return err
	}
	if ch.ProactiveRules, err = d.proactiveRuleChanges(ctx, week); err != nil {
		return err
	}
	prows, err := d.DB.Query(ctx, `SELECT subject, COUNT(*) FROM messages WHERE author = 'proactive' AND at >= ? AND at < ? GROUP BY subject ORDER BY 2 DESC`, week.Start.Unix(), week.End().Unix())
	if err != nil {
		return err
	}
	defer prows.Close()
	for prows.Next() {
		var c Campaign
		if err := prows.Scan(&c.Subject, &c.Notices); err != nil {
			return err
		}
		ch.Proactive = append(ch.Proactive, c)
	}
	return prows.Err()
}

// proactiveRuleChanges are the week's proactive rules switched on or off
// and campaigns sent, in order. Edits of a rule's text are left out: they
// change no one's experience enough to review.
func (d *Decider) proactiveRuleChanges(ctx context.Context, week Week) ([]RuleChange, error) {
	loc, err := d.loc(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := d.DB.Query(ctx, `SELECT r.name, r.kind, c.change, c.by_whom, c.at, c.detail FROM proactive_rule_changes c JOIN proactive_rules r ON r.id = c.rule_id
		WHERE c.at >= ? AND c.at < ? AND c.change IN ('enabled', 'disabled', 'campaign_sent') ORDER BY c.at, c.id`, week.Start.Unix(), week.End().Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []RuleChange{}
	for rows.Next() {
		var c RuleChange
		var at int64
		var detail string
		if err := rows.Scan(&c.Rule, &c.Kind, &c.Change, &c.By, &at, &detail); err != nil {
			return nil, err
		}
		c.At = time.Unix(at, 0).In(loc).Format(dateLayout)
		if c.Change == "campaign_sent" && detail != "" {
			var n struct{ Orders, Scheduled, HeldOut int }
			if err := json.Unmarshal([]byte(strings.ReplaceAll(detail, `"held_out"`, `"heldout"`)), &n); err != nil {
				return nil, fmt.Errorf("campaign %s: its recorded counts %q: %w", c.Rule, detail, err)
			}
			c.Orders, c.Scheduled, c.HeldOut = n.Orders, n.Scheduled, n.HeldOut
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RisingTopics are the topics new in a week or spiking in it: the
// cohort-spike rule on each topic's contacts per order over the previous 8
// weeks, for topics with at least 10 contacts in the week. Per order, not
// by count: in a week of twice the orders every topic has about twice the
// contacts, and none of them is rising.
func (d *Decider) RisingTopics(ctx context.Context, week Week) ([]TopicMove, error) {
	out := []TopicMove{}
	topics, err := d.weeklySeries(ctx, Guardrail{Metric: "cpo", Dimension: "topic"}, week.Add(-8), week)
	if err != nil {
		return nil, err
	}
	for _, t := range sortedKeys(topics) {
		s := topics[t]
		v := s.values[8]
		if v == nil || s.num[8] < 10 || t == "" || t == "(none)" {
			continue
		}
		prev, prevContacts := make([]float64, 8), make([]float64, 8)
		for i, p := range s.values[:8] {
			if p != nil {
				prev[i] = *p
			}
			prevContacts[i] = s.num[i]
		}
		limit, med := spikeLimit(prev)
		if *v > limit {
			out = append(out, TopicMove{Topic: t, Contacts: s.num[8], Median: median(prevContacts), PerOrder: round6(*v), MedianPerOrder: round6(med),
				New: slices.Max(prevContacts) == 0})
		}
	}
	return out, nil
}

// decisions answers question 4: the verdicts of corrections due, alerts
// in priority order (already there) and owners' completion.
func (d *Decider) decisions(ctx context.Context, week Week, r *WeeklyReview) error {
	dec := &r.Decisions
	dec.Verdicts, dec.OwnerCompletion, dec.Open = []Review{}, []OwnerRate{}, []Correction{}
	list, err := d.Corrections(ctx)
	if err != nil {
		return err
	}
	to := week.Sunday().Format(dateLayout)
	for _, c := range list {
		switch {
		case c.ReviewDate <= week.End().Format(dateLayout) && c.ReviewDate > week.Add(-1).Sunday().Format(dateLayout) || c.Status == ReviewDue:
			// Due by the review day (the Monday after the week).
			if c.ReviewDate > d.todayOr(ctx, to) {
				dec.Open = append(dec.Open, c)
				continue
			}
			rev, err := d.MeasureCorrection(ctx, c.ID)
			if domain.ErrorCode(err) == domain.EInvalid {
				// Said in the review rather than failing it.
				rev = Review{ID: c.ID, Title: c.Title, Metric: c.Metric, Scope: c.Scope, Expected: c.Expected, Guards: []Guard{}, Status: c.Status,
					Reason: "cannot be measured: " + err.Error()}
			} else if err != nil {
				return err
			}
			dec.Verdicts = append(dec.Verdicts, rev)
		case c.Status == Planned || c.Status == Running:
			dec.Open = append(dec.Open, c)
		}
	}
	res, err := d.Metrics.Run(ctx, metrics.Query{Metric: "owner_completion_rate", Grain: "week", By: "owner", From: week.Start.Format(dateLayout), To: to})
	if err != nil {
		return err
	}
	for _, row := range res.Rows {
		if row.Group != nil && row.Value != nil {
			dec.OwnerCompletion = append(dec.OwnerCompletion, OwnerRate{Owner: *row.Group, Rate: *row.Value, Done: row.Numerator, Due: row.Denominator})
		}
	}
	sort.Slice(dec.OwnerCompletion, func(i, j int) bool { return dec.OwnerCompletion[i].Rate < dec.OwnerCompletion[j].Rate })
	return nil
}

// todayOr is today's date in the store, or fallback if it cannot be read.
func (d *Decider) todayOr(ctx context.Context, fallback string) string {
	t, err := d.today(ctx)
	if err != nil {
		return fallback
	}
	return t
}
