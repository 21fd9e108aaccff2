package decide_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/ingest/ingesttest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The scenario stores run in UTC from Monday 5 January 2026 (2026-W02),
// and "now" is the Wednesday after their last week.
var firstMonday = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// cohortWeek is what one cohort does in one week.
type cohortWeek struct {
	orders   int
	revenue  float64 // item revenue per order
	cogs     float64 // per order
	contacts float64 // contacts per order (spread evenly)
	returned float64 // share of orders refunded in full, a few days later
}

// scenario builds a store week by week: spec says what each cohort (a
// carrier) does in week i.
type scenario struct {
	weeks   int
	cohorts []string
	spec    func(week int, cohort string) cohortWeek
}

// build writes the scenario's orders, contacts and returns through the CSV
// importer, as a brand's exports would arrive.
func (s scenario) build(t *testing.T, db *store.DB) {
	t.Helper()
	var orders, contacts, returns []string
	n := 0
	for w := range s.weeks {
		for _, c := range s.cohorts {
			cw := s.spec(w, c)
			owed := 0.0
			for i := range cw.orders {
				n++
				placed := firstMonday.AddDate(0, 0, 7*w+i%7).Add(time.Duration(9+i%10) * time.Hour)
				id := fmt.Sprintf("O%d", n)
				orders = append(orders, fmt.Sprintf("%s,%s,%.2f,%.2f,%s,fulfilled,%s", id, placed.Format(time.DateTime), cw.revenue, cw.cogs, c, placed.Add(20*time.Hour).Format(time.DateTime)))
				owed += cw.contacts
				for ; owed >= 1-1e-9; owed-- {
					contacts = append(contacts, fmt.Sprintf("C%d-%d,%s,email,%s", n, len(contacts), placed.Add(2*time.Hour).Format(time.DateTime), id))
				}
				if float64(i) < cw.returned*float64(cw.orders) {
					returns = append(returns, fmt.Sprintf("R%d,%s,%s,%.2f", n, id, placed.Add(72*time.Hour).Format(time.DateTime), cw.revenue))
				}
			}
		}
	}
	ingesttest.ImportCSV(t, db, "orders", "order_id,placed_at,item_revenue,cogs,carrier,status,fulfilled_at", orders)
	if len(contacts) > 0 {
		ingesttest.ImportCSV(t, db, "contacts", "contact_id,started_at,channel,order_id", contacts)
	}
	if len(returns) > 0 {
		ingesttest.ImportCSV(t, db, "returns", "return_id,order_id,returned_at,refund_amount", returns)
	}
}

// now is the Wednesday after the scenario's last week.
func (s scenario) now() time.Time { return firstMonday.AddDate(0, 0, 7*s.weeks+2).Add(12 * time.Hour) }

// lastWeek is its last complete week.
func (s scenario) lastWeek() decide.Week {
	return decide.WeekOf(firstMonday, time.UTC).Add(s.weeks - 1)
}

func newDecider(db *store.DB, now time.Time) *decide.Decider {
	clock := func() time.Time { return now }
	return &decide.Decider{DB: db, Metrics: &metrics.Engine{DB: db, Now: clock}, Now: clock}
}

// configure replaces the decision table with one guardrail.
func configure(t *testing.T, db *store.DB, g decide.Guardrail) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Exec(ctx, `UPDATE guardrails SET enabled = FALSE`); err != nil {
		t.Fatal(err)
	}
	e := decide.Edit{Metric: &g.Metric, Trigger: &g.Trigger, Dimension: &g.Dimension, Owner: &g.Owner, Weeks: &g.Weeks, MinOrders: &g.MinOrders, Threshold: g.Threshold}
	on := true
	e.Enabled = &on
	if _, err := decide.SetGuardrail(ctx, db, g.Name, e, true, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func ptr(v float64) *float64 { return &v }

// scopes lists the scopes of the alerts firing, as "group@since".
func scopes(list []decide.Alert) string {
	var out []string
	for _, a := range list {
		s := a.Scope.Group
		if s == "" {
			s = "store"
		}
		out = append(out, s+"@"+a.Since)
	}
	return strings.Join(out, " ")
}

// noisy returns a value around mean, ± spread, reproducibly.
func noisy(r *rand.Rand, mean, spread float64) float64 { return mean + spread*(2*r.Float64()-1) }

func TestCeilingFiresAfterConsecutiveWeeksPerCohort(t *testing.T) {
	// Three carriers over 10 weeks, CPO ceiling 0.30 for 2 weeks:
	//   Late:  0.20, then 0.50 from week 7 (2026-W08) on: fires from its
	//          second week above, 2026-W09, the alert's since.
	//   Blip:  0.50 in week 5 only: one week is not two.
	//   Tiny:  0.60 all along but 10 orders a week, under min orders.
	s := scenario{weeks: 10, cohorts: []string{"Late", "Blip", "Tiny"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 40, revenue: 100, cogs: 40, contacts: 0.2}
		switch {
		case c == "Late" && w >= 6, c == "Blip" && w == 4:
			cw.contacts = 0.5
		case c == "Tiny":
			cw.orders, cw.contacts = 10, 0.6
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		configure(t, db, decide.Guardrail{Name: "cpo_carriers", Metric: "cpo", Trigger: decide.AboveCeiling, Dimension: "carrier", Weeks: 2, MinOrders: 30, Owner: "Dana", Threshold: ptr(0.3)})
		d := newDecider(db, s.now())
		last := s.lastWeek()
		res, err := d.Evaluate(ctx, last)
		if err != nil {
			t.Fatal(err)
		}
		if got := scopes(res.Alerts); got != "Late@2026-W09" {
			t.Fatalf("alerts %q, want Late@2026-W09 (W08 and W09 above)", got)
		}
		a := res.Alerts[0]
		if a.Owner != "Dana" || *a.Threshold != 0.3 || *a.Value != 0.5 || a.Scope.Dimension != "carrier" {
			t.Errorf("alert %+v", a)
		}
		// The week Late first crossed is not yet two weeks in a row.
		if res, _ := d.Evaluate(ctx, last.Add(-3)); len(res.Alerts) != 0 {
			t.Errorf("week %s: %q, want none", last.Add(-3), scopes(res.Alerts))
		}
	})
}

func TestFloorFiresOnStoreScope(t *testing.T) {
	// Contribution per order: 60 − 40 = 20 then 10 in the last three weeks.
	s := scenario{weeks: 8, cohorts: []string{"DHL"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 50, revenue: 60, cogs: 40}
		if w >= 5 {
			cw.cogs = 50
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		configure(t, db, decide.Guardrail{Name: "floor", Metric: "contribution_per_order", Trigger: decide.BelowFloor, Weeks: 2, Threshold: ptr(15)})
		d := newDecider(db, s.now())
		res, err := d.Evaluate(ctx, s.lastWeek())
		if err != nil {
			t.Fatal(err)
		}
		if got := scopes(res.Alerts); got != "store@2026-W08" {
			t.Fatalf("alerts %q, want store@2026-W08 (below from W07, two weeks by W08)", got)
		}
		if res.Alerts[0].Scope != (decide.Scope{}) {
			t.Errorf("scope %+v, want {} for the store", res.Alerts[0].Scope)
		}
	})
}

func TestAlertIsOneWhileFiringAndResolvesWhenItStops(t *testing.T) {
	// Late is above the ceiling in weeks 3–6 (index 2–5), fine after.
	s := scenario{weeks: 9, cohorts: []string{"Late", "Fine"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 40, revenue: 100, cogs: 40, contacts: 0.1}
		if c == "Late" && w >= 2 && w <= 5 {
			cw.contacts = 0.5
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		configure(t, db, decide.Guardrail{Name: "ceiling", Metric: "cpo", Trigger: decide.AboveCeiling, Dimension: "carrier", Weeks: 2, MinOrders: 30, Threshold: ptr(0.3)})
		d := newDecider(db, s.now())
		first := decide.WeekOf(firstMonday, time.UTC)
		var ids []int64
		for w := 3; w <= 5; w++ {
			res, err := d.Evaluate(ctx, first.Add(w))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Alerts) != 1 || res.Alerts[0].Since != first.Add(3).String() {
				t.Fatalf("week %d: %+v", w, res.Alerts)
			}
			ids = append(ids, res.Alerts[0].ID)
		}
		if ids[0] != ids[1] || ids[1] != ids[2] {
			t.Errorf("one run gave alerts %v, want one id", ids)
		}
		if err := d.SetAlertState(ctx, ids[0], decide.Acknowledged, "carrier called", "test"); err != nil {
			t.Fatal(err)
		}
		// Evaluating a week again changes nothing.
		before := dump(t, db)
		if _, err := d.Evaluate(ctx, first.Add(5)); err != nil {
			t.Fatal(err)
		}
		if after := dump(t, db); after != before {
			t.Errorf("re-evaluation changed the alerts:\n%s\n%s", before, after)
		}
		res, err := d.Evaluate(ctx, first.Add(6))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Alerts) != 0 {
			t.Errorf("week 6 fired %+v", res.Alerts)
		}
		a, err := d.GetAlert(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if a.State != decide.Resolved || a.LastWeek != first.Add(5).String() || a.Note != "carrier called" {
			t.Errorf("after the run: %+v", a)
		}
		// The past stays as it was: in week 5 the alert was firing, and a
		// read of week 5 now still says so.
		before = dump(t, db)
		past, err := d.WeekAlerts(ctx, first.Add(5))
		if err != nil || len(past.Alerts) != 1 || past.Alerts[0].State == decide.Resolved || !past.Evaluated {
			t.Errorf("week 5 read after the run ended: %+v %v", past, err)
		}
		if after := dump(t, db); after != before {
			t.Error("reading a week's alerts changed them")
		}
		// An alert of an incomplete week is refused.
		if _, err := d.Evaluate(ctx, first.Add(s.weeks)); err == nil {
			t.Error("the current week was evaluated")
		}
	})
}

func dump(t *testing.T, db *store.DB) string {
	rows, err := db.Query(context.Background(), `SELECT id, guardrail, grp, since_week, last_week, state, updated_at FROM alerts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, at int64
		var g, grp, since, last, state string
		rows.Scan(&id, &g, &grp, &since, &last, &state, &at)
		out = append(out, fmt.Sprint(id, g, grp, since, last, state, at))
	}
	return strings.Join(out, "\n")
}

func TestCohortSpike(t *testing.T) {
	// Return-cost ratio by carrier over 12 weeks. Spiky jumps from 10% to
	// 40% in the last week; Noisy, 200 orders a week, wanders between 7%
	// and 13% (about a binomial's spread at that size); Small spikes too,
	// with 20 orders a week.
	r := rand.New(rand.NewPCG(7, 7))
	noise := map[int]float64{}
	for w := range 12 {
		noise[w] = noisy(r, 0.10, 0.03)
	}
	s := scenario{weeks: 12, cohorts: []string{"Spiky", "Noisy", "Small"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 50, revenue: 100, cogs: 40, returned: 0.1}
		switch {
		case c == "Spiky" && w == 11:
			cw.returned = 0.4
		case c == "Noisy":
			cw.orders, cw.returned = 200, noise[w]
		case c == "Small":
			cw.orders = 20
			if w == 11 {
				cw.returned = 0.5
			}
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		configure(t, db, decide.Guardrail{Name: "spike", Metric: "return_cost_ratio", Trigger: decide.CohortSpike, Dimension: "carrier", Weeks: 8, MinOrders: 30})
		// Late enough that every return is in: the ratio is the real one.
		d := newDecider(db, s.now().AddDate(0, 2, 0))
		res, err := d.Evaluate(ctx, s.lastWeek())
		if err != nil {
			t.Fatal(err)
		}
		if got := scopes(res.Alerts); got != "Spiky@2026-W13" {
			for _, a := range res.Alerts {
				t.Log(a.Scope, a.Why)
			}
			t.Log(noise)
			t.Fatalf("alerts %q, want Spiky@2026-W13 only", got)
		}
		if a := res.Alerts[0]; *a.Value != 0.4 || *a.Threshold > 0.15 || !strings.Contains(a.Why, "median of 0.100") {
			t.Errorf("alert %+v", a)
		}
		for w := 8; w < 11; w++ {
			if res, _ := d.Evaluate(ctx, decide.WeekOf(firstMonday, time.UTC).Add(w)); len(res.Alerts) != 0 {
				t.Errorf("quiet week %d fired %q", w, scopes(res.Alerts))
			}
		}
	})
}

func TestRisingTrend(t *testing.T) {
	// Variable cost ratio = cogs / revenue on the store: Rising climbs 1
	// point a week (with a wobble); the noisy store and the one with a
	// single holiday peak must not fire.
	r := rand.New(rand.NewPCG(3, 3))
	cases := []struct {
		name string
		cogs func(w int) float64
		want string
	}{
		{"rising", func(w int) float64 { return 50 + float64(w) + []float64{0, 0.4, -0.3, 0.2}[w%4] }, "store@2026-W07"}, // significant from its sixth week
		{"noise", func(w int) float64 { return noisy(r, 50, 3) }, ""},
		{"holiday peak", func(w int) float64 { return map[bool]float64{true: 65, false: 50}[w == 9] }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cogs := map[int]float64{}
			for w := range 12 {
				cogs[w] = c.cogs(w)
			}
			s := scenario{weeks: 12, cohorts: []string{"DHL"}, spec: func(w int, _ string) cohortWeek {
				return cohortWeek{orders: 40, revenue: 100, cogs: cogs[w]}
			}}
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				ctx := context.Background()
				s.build(t, db)
				configure(t, db, decide.Guardrail{Name: "trend", Metric: "variable_cost_ratio", Trigger: decide.RisingTrend, Weeks: 6})
				d := newDecider(db, s.now().AddDate(0, 2, 0))
				res, err := d.Evaluate(ctx, s.lastWeek())
				if err != nil {
					t.Fatal(err)
				}
				if got := scopes(res.Alerts); got != c.want {
					t.Errorf("alerts %q, want %q (cogs %v)", got, c.want, cogs)
				}
			})
		})
	}
}

func TestOwnerCompletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := scenario{weeks: 3, cohorts: []string{"DHL"}, spec: func(int, string) cohortWeek { return cohortWeek{orders: 10, revenue: 50, cogs: 20} }}
		s.build(t, db)
		// In the last week (2026-W04, 19–25 January) Tom did one of three
		// on time (33%), Dana four of five (80%, not below).
		ingesttest.ImportCSV(t, db, "actions", "action_id,owner,title,due_date,completed_at", []string{
			"A1,Tom,Pause SPRING30,2026-01-21,2026-01-20 10:00:00",
			"A2,Tom,Cap affiliates,2026-01-21,2026-01-23 10:00:00",
			"A3,Tom,Fix banner,2026-01-23,",
			"B1,Dana,One,2026-01-21,2026-01-21 10:00:00", "B2,Dana,Two,2026-01-21,2026-01-21 10:00:00",
			"B3,Dana,Three,2026-01-22,2026-01-21 10:00:00", "B4,Dana,Four,2026-01-23,2026-01-21 10:00:00",
			"B5,Dana,Five,2026-01-23,",
		})
		if _, err := db.Exec(ctx, `UPDATE guardrails SET enabled = (name = 'owner_completion'), owner = 'Lead'`); err != nil {
			t.Fatal(err)
		}
		res, err := newDecider(db, s.now()).Evaluate(ctx, s.lastWeek())
		if err != nil {
			t.Fatal(err)
		}
		if got := scopes(res.Alerts); got != "Tom@2026-W04" {
			t.Fatalf("alerts %q", got)
		}
		if a := res.Alerts[0]; a.Owner != "Lead" || *a.Threshold != 0.8 || *a.Value > 0.34 || a.Action != "reduce scope and tighten ownership" {
			t.Errorf("alert %+v", a)
		}
	})
}

func TestProposalsFromTheBaseline(t *testing.T) {
	// CPO by carrier in the first four weeks: A 0.1, B 0.2, C 0.3, D 0.4 →
	// 16 cohort-weeks; the 75th percentile is 0.3 + 0.25 × 0.1 = 0.325.
	// Later weeks (outside the 30 days) are much higher and must not count.
	s := scenario{weeks: 8, cohorts: []string{"A", "B", "C", "D"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 40, revenue: 100, cogs: 40, contacts: map[string]float64{"A": 0.1, "B": 0.2, "C": 0.3, "D": 0.4}[c]}
		if w >= 4 {
			cw.contacts = 0.9
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		d := newDecider(db, s.now())
		props, err := d.Propose(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var cpo *decide.Proposal
		for i := range props {
			if props[i].Guardrail == "cpo_ceiling" {
				cpo = &props[i]
			}
		}
		if cpo == nil || cpo.Proposed != 0.325 || !strings.Contains(cpo.Basis, "16 weekly values") || !strings.Contains(cpo.Basis, "2026-W02 to 2026-W05") {
			t.Fatalf("proposal %+v", cpo)
		}
		if _, err := d.Accept(ctx, []string{"cpo_ceiling"}, "test"); err != nil {
			t.Fatal(err)
		}
		g, _ := decide.GetGuardrail(ctx, db, "cpo_ceiling")
		if g.Threshold == nil || *g.Threshold != 0.325 {
			t.Errorf("accepted threshold %v", g.Threshold)
		}
		changes, _ := decide.Changes(ctx, db, time.Unix(0, 0), time.Now().Add(time.Hour))
		if len(changes) != 1 || changes[0].Change != "threshold (none) → 0.325" || changes[0].By != "test" {
			t.Errorf("changes %+v", changes)
		}
		// Accepting again changes nothing, and records nothing.
		d.Accept(ctx, []string{"cpo_ceiling"}, "test")
		if changes, _ := decide.Changes(ctx, db, time.Unix(0, 0), time.Now().Add(time.Hour)); len(changes) != 1 {
			t.Errorf("%d changes after a second accept", len(changes))
		}
	})
}

// In a volume-surge week, a cohort's CPO that falls under its ceiling by
// dilution alone does not resolve its alert: the ceiling holds through
// the surge.
func TestCeilingHoldsThroughAVolumeSurge(t *testing.T) {
	s := scenario{weeks: 10, cohorts: []string{"Late", "Fine"}, spec: func(w int, c string) cohortWeek {
		cw := cohortWeek{orders: 40, revenue: 100, cogs: 40, contacts: 0.1}
		if c == "Late" && w >= 2 {
			cw.contacts = 0.5
		}
		if w == 9 { // Black Friday: two and a half times the orders
			cw.orders = 100
			if c == "Late" {
				cw.contacts = 0.2
			}
		}
		return cw
	}}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s.build(t, db)
		configure(t, db, decide.Guardrail{Name: "ceiling", Metric: "cpo", Trigger: decide.AboveCeiling, Dimension: "carrier", Weeks: 2, MinOrders: 30, Threshold: ptr(0.3)})
		d := newDecider(db, s.now())
		first := decide.WeekOf(firstMonday, time.UTC)
		for w := 3; w <= 9; w++ {
			if _, err := d.Evaluate(ctx, first.Add(w)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := d.WeekAlerts(ctx, first.Add(9))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Alerts) != 1 || res.Alerts[0].Scope.Group != "Late" || res.Alerts[0].State == decide.Resolved || !strings.Contains(res.Alerts[0].Why, "volume-surge") {
			t.Errorf("in the surge week: %+v", res.Alerts)
		}
	})
}
