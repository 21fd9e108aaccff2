package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// The pages write stored values in words ("rolled back", "review due",
// "correction started") and keep the values themselves in data
// attributes; dates stay whole.
func TestPagesShowWordsNotValues(t *testing.T) {
	s := demoSite(t)
	admin := s.visitor().login("admin@example.com")

	body := admin.page("/corrections", http.StatusOK)
	mustContain(t, body, `data-status="rolled_back">rolled back`, `data-status="review_due">review due`, `data-metric="cpo">Contacts per order`,
		`<td class="text dates"><time datetime="2026-11-16">2026-11-16</time> → <time datetime="2026-11-23">2026-11-23</time></td>`)
	for _, raw := range []string{">rolled_back", ">review_due", ">cpo<"} {
		if strings.Contains(body, raw) {
			t.Errorf("the corrections page shows %q", raw)
		}
	}

	body = admin.page("/alerts", http.StatusOK)
	mustContain(t, body, `data-state="correction_started">correction started</span>`, "<p>Contribution per order: ")
	if strings.Contains(body, ">correction_started<") || strings.Contains(body, "<p>contribution_per_order") {
		t.Error("the alerts page shows raw values")
	}

	body = admin.page("/guardrails", http.StatusOK)
	mustContain(t, body, `data-metric="contribution_per_order">Contribution per order</td>`)

	// The review on its page: metrics by their labels.
	body = admin.page("/review", http.StatusOK)
	mustContain(t, body, "<code>cpo_ceiling</code> carrier=ParcelNow: Contacts per order 0.290")
}

// An alert offers only the action its state allows: an open one is
// acknowledged, an acknowledged one reopened, one with a correction
// started links to it.
func TestAlertOffersOnlyTheActionThatApplies(t *testing.T) {
	s := demoSite(t)
	admin := s.visitor().login("admin@example.com")
	body := admin.page("/alerts", http.StatusOK)
	id := between(body, `<section class="alert" id="alert-`, `"`)
	alert := func() string {
		return between(admin.page("/alerts?week=2026-W47", http.StatusOK), `id="alert-`+id+`"`, "</section>")
	}
	set := func(state string) {
		t.Helper()
		r := admin.post("/alerts/"+id+"/state", url.Values{"csrf": {admin.csrf(admin.get("/alerts"))}, "state": {state}, "week": {"2026-W47"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("set %s: %d %s", state, r.status, r.body)
		}
	}
	acknowledge, reopen := `value="acknowledged">Acknowledge</button>`, `value="open">Reopen</button>`

	a := alert()
	mustContain(t, a, "correction started", `See its correction</a>`)
	if strings.Contains(a, acknowledge) || strings.Contains(a, reopen) || strings.Contains(a, "Start a correction") {
		t.Errorf("an alert with a correction started offers a state change:\n%s", a)
	}

	set("open")
	a = alert()
	mustContain(t, a, `data-state="open">open</span>`, acknowledge, "Start a correction")
	if strings.Contains(a, reopen) {
		t.Errorf("an open alert offers Reopen:\n%s", a)
	}

	set("acknowledged")
	a = alert()
	mustContain(t, a, `data-state="acknowledged">acknowledged</span>`, reopen, "Start a correction")
	if strings.Contains(a, acknowledge) {
		t.Errorf("an acknowledged alert offers Acknowledge:\n%s", a)
	}

	// An analyst sees the state and no action.
	analyst := s.visitor().login("analyst@example.com")
	if a := between(analyst.page("/alerts", http.StatusOK), `id="alert-`+id+`"`, "</section>"); strings.Contains(a, "<button") {
		t.Errorf("an analyst is offered an action:\n%s", a)
	}
}

// Wherever the pages show a topic they show its name; its id stays where
// it identifies the topic: data attributes, the chart's data, downloads.
func TestPagesShowTopicNames(t *testing.T) {
	s := demoSite(t)
	admin := s.visitor().login("admin@example.com")

	body := admin.page("/cohorts?metric=cpo&by=topic", http.StatusOK)
	mustContain(t, body, `<tr data-group="where_is_my_order"><th scope="row">Where is my order</th>`, `<tr data-group="change_order"><th scope="row">Change order or address</th>`)
	if strings.Contains(body, `<th scope="row">where_is_my_order</th>`) || strings.Contains(body, `title="where_is_my_order, `) {
		t.Error("the cohorts page shows a topic's id")
	}
	csv := admin.get("/cohorts?metric=cpo&by=topic&format=csv")
	if !strings.Contains(string(csv.body), "\nwhere_is_my_order,") {
		t.Errorf("the cohorts CSV lost the topic ids:\n%s", csv.body)
	}

	body = admin.page("/explore?metric=contacts&by=topic", http.StatusOK)
	mustContain(t, body, `<tr data-group="where_is_my_order">`, `<td class="text">Where is my order</td>`,
		`&#34;label&#34;:&#34;Where is my order&#34;,&#34;id&#34;:&#34;where_is_my_order&#34;`)
	if strings.Contains(body, `<td class="text">where_is_my_order</td>`) || strings.Contains(body, `&#34;label&#34;:&#34;where_is_my_order&#34;`) {
		t.Error("the explorer shows a topic's id")
	}
	// Cut by anything else, groups are as they are.
	mustContain(t, admin.page("/cohorts?by=carrier", http.StatusOK), `<tr data-group="ParcelNow"><th scope="row">ParcelNow</th>`)

	// The review's topics: in 2026-W40 delivery delays rise per order.
	body = admin.page("/review?week=2026-W40", http.StatusOK)
	mustContain(t, body, "<b>Delivery delay</b>")
	if strings.Contains(body, "<b>delivery_delay</b>") {
		t.Error("the review page shows a topic's id")
	}
	if r := s.do("GET", "/api/v1/review?week=2026-W40", "Bearer "+s.token("read"), nil); !strings.Contains(string(r.body), `"topic":"delivery_delay"`) && !strings.Contains(string(r.body), `"topic": "delivery_delay"`) {
		t.Errorf("the review's API lost the topic ids:\n%s", r.body)
	}

	// An alert on a topic: the guardrail cut by topic with a low ceiling,
	// evaluated as the background task does.
	r := admin.post("/guardrails/cpo_ceiling", url.Values{"csrf": {admin.csrf(admin.get("/guardrails"))}, "threshold": {"0.03"}, "weeks": {"1"},
		"owner": {"Malik"}, "action": {"fix the top contact topic at its source"}, "by": {"topic"}, "enabled": {"1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("cut the CPO ceiling by topic: %d %s", r.status, r.body)
	}
	ctx := context.Background()
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	week, err := decide.ParseWeek("2026-W47", loc)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return demoNow }
	if _, err := (&decide.Decider{DB: s.db, Metrics: &metrics.Engine{DB: s.db, Now: clock}, Now: clock}).Evaluate(ctx, week); err != nil {
		t.Fatal(err)
	}
	body = admin.page("/alerts?week=2026-W47", http.StatusOK)
	mustContain(t, body, "<code>cpo_ceiling</code> topic=Where is my order", `&#34;label&#34;:&#34;Where is my order&#34;`)
	if strings.Contains(body, "topic=where_is_my_order") {
		t.Error("the alerts page shows a topic's id")
	}
	mustContain(t, admin.page("/review?week=2026-W38", http.StatusOK), "<code>cpo_ceiling</code> topic=Where is my order")
}

// topicWeeks is a store's weekly orders and contacts by topic, the last
// week last, for the Topics page's rising topics.
type topicWeeks struct {
	orders   []float64
	contacts map[string][]float64
}

// topicMetrics answers the Topics page's queries (contacts, CPO and cost
// per order by topic, week by week) from topicWeeks ending in 2026-W12.
type topicMetrics struct{ topicWeeks }

func (f topicMetrics) Run(ctx context.Context, q metrics.Query) (metrics.Result, error) {
	if q.By != "topic" || q.Grain != "week" {
		return metrics.Result{}, domain.Errorf(domain.EInvalid, "the fake answers weekly queries by topic, not %+v", q)
	}
	from, _ := time.Parse("2006-01-02", q.From)
	to, _ := time.Parse("2006-01-02", q.To)
	last := time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC) // 2026-W12
	res := metrics.Result{Metric: q.Metric, Grain: "week", By: "topic", Rows: []metrics.Row{}}
	for i := range f.orders {
		start := last.AddDate(0, 0, -7*(len(f.orders)-1-i))
		if start.Before(from) || start.After(to) {
			continue
		}
		for topic, contacts := range f.contacts {
			num, den := contacts[i], f.orders[i]
			if q.Metric == "contacts" {
				den = 1
			}
			v := num / den
			res.Rows = append(res.Rows, metrics.Row{Period: periodLabel(start, "week"), Start: start.Format("2006-01-02"), Group: &topic,
				Value: &v, Numerator: num, Denominator: den})
		}
	}
	return res, nil
}

// A week of twice the orders brings about twice the contacts on every
// topic: only a topic whose contacts per order rose is rising.
func TestTopicsRisingIsPerOrder(t *testing.T) {
	steady := func(n, last float64) []float64 {
		out := make([]float64, 9)
		for i := range out {
			out[i] = n + float64(i%3) // a little noise
		}
		out[8] = last
		return out
	}
	data := topicWeeks{
		orders: []float64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 2000},
		contacts: map[string][]float64{
			"sizing":               steady(50, 102),                // twice the contacts, twice the orders
			"where_is_my_order":    steady(80, 160),                // the same
			"damaged_or_defective": steady(20, 86),                 // about twice per order
			"payment":              steady(0, 8),                   // new, but too few to tell
			"refund":               steady(30, 40),                 // fewer per order
			"delivery_delay":       append(make([]float64, 8), 30), // new
		},
	}
	s := startSite(t, storetest.Open(t, store.SQLite), func(srv *web.Server) { srv.Metrics = topicMetrics{data} })
	v := s.visitor().login("analyst@example.com")
	body := v.page("/topics?week=2026-W12", http.StatusOK)
	rising := between(body, `<section id="rising">`, "</section>")
	mustContain(t, rising, `<li data-topic="damaged_or_defective"><b>Damaged or defective</b>: 86 contacts, 0.043 per order against a median of 0.021</li>`,
		`<li data-topic="delivery_delay"><b>Delivery delay</b>: 30 contacts, 0.015 per order, new this week</li>`)
	for _, topic := range [][2]string{{"sizing", "Sizing"}, {"where_is_my_order", "Where is my order"}, {"payment", "Payment"}, {"refund", "Refund"}} {
		if strings.Contains(rising, `data-topic="`+topic[0]+`"`) || strings.Contains(rising, "<b>"+topic[0]+"</b>") || strings.Contains(rising, "<b>"+topic[1]+"</b>") {
			t.Errorf("%s is rising:\n%s", topic[0], rising)
		}
	}
}

// Cohorts and Explore show a return-sensitive metric return-adjusted
// unless the box is unticked; other metrics as they are.
func TestReturnSensitiveMetricsAreAdjustedByDefault(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("analyst@example.com")
	for _, c := range []struct {
		path string
		want bool
	}{
		{"/cohorts?metric=return_cost_ratio&by=discount_code", true},
		{"/cohorts?metric=return_cost_ratio&by=discount_code&return_adjusted=0", false},
		{"/cohorts?metric=return_cost_ratio&by=discount_code&return_adjusted=0&return_adjusted=1", true},
		{"/explore?metric=contribution_per_order", true},
		{"/explore?metric=cpo", false},
	} {
		v.page(c.path, http.StatusOK)
		if q := s.metrics.last(); q.ReturnAdjusted != c.want {
			t.Errorf("%s: return-adjusted %v, want %v", c.path, q.ReturnAdjusted, c.want)
		}
	}
}

// Explore marks the periods whose figures are not final: a week the range
// cuts, an order cohort still maturing, a volume-surge week.
func TestExploreMarksPeriodsThatAreNotFinal(t *testing.T) {
	s := demoSite(t)
	v := s.visitor().login("analyst@example.com")
	body := v.page("/explore?metric=cpo_cohort&from=2026-10-07&to=2026-11-22", http.StatusOK)
	mustContain(t, body, "2026-W41 <span class=\"note\"", "(partial)", "2026-W47 <span class=\"note\"", "(immature)")
	body = v.page("/explore?metric=cpo&from=2026-08-03&to=2026-08-30", http.StatusOK)
	if strings.Contains(body, `class="note"`) {
		t.Error("whole, complete weeks of period CPO are marked")
	}
}
