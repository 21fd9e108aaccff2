package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// firstRunSite is a new store whose figures are its own: the metrics
// engine over its database.
func firstRunSite(t *testing.T, db *store.DB) *site {
	return startSite(t, db, func(srv *web.Server) { srv.Metrics = metrics.NewEngine(db, srv.Now) })
}

// firstWeeks are the seeded weeks: 2026-W06 (Monday 2 February) to
// 2026-W12, the last complete week on the tests' "today".
var firstWeeks = func() []time.Time {
	var out []time.Time
	for d := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 3, 23, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 7) {
		out = append(out, d)
	}
	return out
}()

// seedOrders posts forty orders a week (a carrier cohort large enough for
// the CPO ceiling's proposal) through the API; seedContacts twelve
// contacts a week, sixteen in the last, each of ten minutes by the
// Support team.
func seedOrders(t *testing.T, s *site) {
	var items []obj
	for w, monday := range firstWeeks {
		for i := range 40 {
			items = append(items, obj{"order_id": fmt.Sprintf("o%d-%d", w, i), "placed_at": monday.Add(time.Duration(i*4) * time.Hour).Format(time.RFC3339), "item_revenue": "40.00", "currency": "EUR", "carrier": "DHL"})
		}
	}
	s.wantCounts(s.post("/api/v1/orders", batch(items...)), counts{Created: len(items)})
}

func seedContacts(t *testing.T, s *site) {
	var items []obj
	for w, monday := range firstWeeks {
		n := 12
		if w == len(firstWeeks)-1 {
			n = 16
		}
		for i := range n {
			items = append(items, obj{"contact_id": fmt.Sprintf("c%d-%d", w, i), "started_at": monday.Add(time.Duration(i*9+13) * time.Hour).Format(time.RFC3339),
				"channel": "email", "order_id": fmt.Sprintf("o%d-%d", w, i), "team": "Support", "handle_seconds": "600", "customer_email": fmt.Sprintf("c%d@example.com", i)})
		}
	}
	s.wantCounts(s.post("/api/v1/contacts", batch(items...)), counts{Created: len(items)})
}

// step reads whether a first-run step is done on a page.
func stepDone(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `id="step-`+id+`" data-done="`)
	if i < 0 {
		t.Fatalf("no step %s on the page:\n%s", id, body)
	}
	rest := body[i+len(`id="step-`+id+`" data-done="`):]
	return rest[:strings.Index(rest, `"`)]
}

// tableRows counts what a GET must not write.
func tableRows(t *testing.T, s *site) string {
	var parts []string
	for _, table := range []string{"settings", "audit_log", "cost_entries", "guardrails", "guardrail_changes"} {
		parts = append(parts, table+"="+strconv.Itoa(s.count(table)))
	}
	return strings.Join(parts, " ")
}

func TestFirstRunEmptyStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := firstRunSite(t, db)
		admin := s.visitor().login("admin@example.com")
		before := tableRows(t, s)
		body := admin.page("/", http.StatusOK)
		if after := tableRows(t, s); after != before {
			t.Errorf("GET / wrote: %s, then %s", before, after)
		}
		for _, id := range []string{"orders", "contacts", "costs"} {
			if got := stepDone(t, body, id); got != "false" {
				t.Errorf("step %s done=%s on an empty store", id, got)
			}
		}
		mustContain(t, body, "Unlocks <strong>order counts and cohorts</strong>", "Unlocks <strong>contacts per order (CPO)</strong>", "Unlocks <strong>support cost per order</strong>",
			"The store holds 0 orders.", "The store holds 0 contacts.", "The store holds 0 cost lines.",
			`<a href="/settings/connections">Connect Shopify</a> or <a href="/import">Upload an orders file</a>`,
			`<a href="/settings/connections">Connect Zendesk or Gorgias</a> or <a href="/import">Upload a contacts file</a>`,
			`id="cost-form"`, `name="hourly_rate"`, `name="monthly_fixed"`, `id="dismiss-first-run"`, `href="/" aria-current="page"`)
		if strings.Contains(body, `class="chart"`) || strings.Contains(body, `id="first-figures"`) || strings.Contains(body, `id="first-proposals"`) {
			t.Error("an empty store shows charts, figures or proposals")
		}
		// Analysts see how far the steps are, without the forms.
		analyst := s.visitor().login("analyst@example.com")
		body = analyst.page("/", http.StatusOK)
		mustContain(t, body, `id="step-orders" data-done="false"`, "An admin takes them")
		for _, form := range []string{`id="cost-form"`, `id="dismiss-first-run"`, "Upload an orders file"} {
			if strings.Contains(body, form) {
				t.Errorf("an analyst is offered %s", form)
			}
		}
		tok := analyst.csrf(reply{body: []byte(body)})
		if r := analyst.post("/first-run/costs", url.Values{"csrf": {tok}, "team": {"Support"}, "hourly_rate": {"30"}, "start_date": {"2026-02-02"}}); r.status != http.StatusForbidden {
			t.Errorf("an analyst's cost form: %d", r.status)
		}
		if r := analyst.post("/first-run/dismiss", url.Values{"csrf": {tok}}); r.status != http.StatusForbidden {
			t.Errorf("an analyst's dismiss: %d", r.status)
		}

		// An admin's dismiss shows the usual Overview, and is recorded.
		if r := admin.post("/first-run/dismiss", url.Values{"csrf": {admin.csrf(admin.get("/"))}}); r.status != http.StatusSeeOther {
			t.Fatalf("dismiss: %d %s", r.status, r.body)
		}
		mustContain(t, admin.page("/", http.StatusOK), `id="card-cpo_lag_adjusted"`)
		var actor, detail string
		if err := db.QueryRow(context.Background(), `SELECT actor, detail FROM audit_log WHERE action = 'setting.set' AND target = ?`, web.FirstRunSetting).Scan(&actor, &detail); err != nil || actor != "admin@example.com" || detail != `set to "dismissed"` {
			t.Errorf("audit: %q %q %v", actor, detail, err)
		}
	})
}

func TestFirstRunSteps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := firstRunSite(t, db)
		admin := s.visitor().login("admin@example.com")

		seedOrders(t, s)
		body := admin.page("/", http.StatusOK)
		if a, b, c := stepDone(t, body, "orders"), stepDone(t, body, "contacts"), stepDone(t, body, "costs"); a+b+c != "truefalsefalse" {
			t.Errorf("after orders: steps %s %s %s", a, b, c)
		}
		mustContain(t, body, "The store holds 280 orders.")
		if strings.Contains(body, `id="first-figures"`) {
			t.Error("figures before contacts")
		}

		seedContacts(t, s)
		before := tableRows(t, s)
		body = admin.page("/", http.StatusOK)
		if after := tableRows(t, s); after != before {
			t.Errorf("GET / wrote: %s, then %s", before, after)
		}
		if a, b, c := stepDone(t, body, "orders"), stepDone(t, body, "contacts"), stepDone(t, body, "costs"); a+b+c != "truetruefalse" {
			t.Errorf("after contacts: steps %s %s %s", a, b, c)
		}
		// The first CPO is the metrics API's for the last week with orders.
		m := s.do("GET", "/api/v1/metrics?metric=cpo&grain=week&from=2026-03-16&to=2026-03-22", "Bearer "+s.read, nil)
		var res metrics.Result
		if err := json.Unmarshal(m.body, &res); err != nil || len(res.Rows) != 1 || res.Rows[0].Value == nil {
			t.Fatalf("metrics: %d %s", m.status, m.body)
		}
		want := strconv.FormatFloat(*res.Rows[0].Value, 'f', 3, 64)
		if want != "0.400" {
			t.Errorf("the API's CPO for 2026-W12 is %s, want 16 contacts ÷ 40 orders", want)
		}
		mustContain(t, body, `id="first-figures"`, "week 2026-W12, 2026-03-16 to 2026-03-22", `<p class="value">`+want+`</p>`, "16 contacts ÷ 40 orders",
			`href="/api/v1/metrics?from=2026-03-16&amp;grain=week&amp;metric=cpo&amp;to=2026-03-22"`, "Needs step 3")
		// The proposed guardrails, with the decision table's accept action.
		mustContain(t, body, `id="first-proposals"`, `<table id="proposals">`, `<form method="post" action="/guardrails/accept">`)

		// A team rate through the form: written as the costs kind writes
		// it; sending it twice changes nothing.
		tok := admin.csrf(reply{body: []byte(body)})
		form := url.Values{"csrf": {tok}, "team": {"Support"}, "hourly_rate": {"30.00"}, "start_date": {"2026-02-02"}}
		for range 2 {
			if r := admin.post("/first-run/costs", form); r.status != http.StatusSeeOther || r.header.Get("Location") != "/#step-costs" {
				t.Fatalf("cost form: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
			}
		}
		var kind, team, start string
		var amount int64
		if err := db.QueryRow(ctx, `SELECT kind, team, start_date, amount FROM cost_entries`).Scan(&kind, &team, &start, &amount); err != nil || kind != "team_rate" || team != "Support" || start != "2026-02-02" {
			t.Fatalf("stored cost: %s %s %s %d %v", kind, team, start, amount, err)
		}
		if n := s.count("cost_entries"); n != 1 {
			t.Errorf("%d cost lines after the same form twice", n)
		}
		// All three done: the usual Overview, whose support cost per order
		// is the API's: 16 contacts × 10 minutes × 30.00/h ÷ 40 orders.
		body = admin.page("/", http.StatusOK)
		m = s.do("GET", "/api/v1/metrics?metric=support_cost_per_order&grain=week&from=2026-03-16&to=2026-03-22", "Bearer "+s.read, nil)
		if err := json.Unmarshal(m.body, &res); err != nil || len(res.Rows) != 1 || res.Rows[0].Value == nil || *res.Rows[0].Value != 2 {
			t.Fatalf("support cost per order: %d %s", m.status, m.body)
		}
		i := strings.Index(body, `id="card-support_cost_per_order"`)
		if i < 0 || strings.Contains(body, `id="first-run"`) {
			t.Fatalf("all steps done, but not the usual Overview:\n%s", body)
		}
		mustContain(t, body[i:], `<p class="value">2.00</p>`)
	})
}

func TestFirstRunCostFormChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := firstRunSite(t, db)
		admin := s.visitor().login("admin@example.com")
		tok := admin.csrf(admin.get("/"))
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"team": {"Support"}, "start_date": {"2026-02-02"}}, "give a team&#39;s hourly rate, a monthly fixed cost, or both"},
			{url.Values{"team": {`<script>alert("team")</script>`}, "hourly_rate": {"-5"}, "start_date": {"2026-02-02"}}, "team_rate amount: must not be negative"},
			{url.Values{"team": {"Support"}, "hourly_rate": {"thirty"}, "start_date": {"2026-02-02"}}, "team_rate amount:"},
			{url.Values{"team": {""}, "hourly_rate": {"30"}, "start_date": {"2026-02-02"}}, "team_rate team: is required"},
			{url.Values{"team": {"Support"}, "monthly_fixed": {"100"}, "start_date": {"soon"}}, "from: &#34;soon&#34; is not a date"},
			{url.Values{"team": {"Support"}, "monthly_fixed": {"100"}, "start_date": {"2026-05-01"}}, "from: 2026-05-01 is after this month"},
		} {
			tc.form.Set("csrf", tok)
			r := admin.post("/first-run/costs", tc.form)
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), tc.want) {
				t.Errorf("%v: %d, want 400 with %q\n%s", tc.form, r.status, tc.want, r.body)
			}
			if strings.Contains(string(r.body), `<script>alert("team")`) {
				t.Error("the team name is written unescaped")
			}
		}
		if n := s.count("cost_entries"); n != 0 {
			t.Fatalf("%d cost lines from refused forms", n)
		}
		// A monthly fixed cost: one line per month, February to March
		// (the tests' today is 25 March), each spread over its month.
		r := admin.post("/first-run/costs", url.Values{"csrf": {tok}, "team": {"Support"}, "monthly_fixed": {"1200"}, "start_date": {"2026-02-10"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("fixed: %d %s", r.status, r.body)
		}
		rows, err := db.Query(ctx, `SELECT kind, start_date, end_date, amount FROM cost_entries ORDER BY start_date`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var kind, start, end string
			var amount int64
			rows.Scan(&kind, &start, &end, &amount)
			got = append(got, fmt.Sprintf("%s %s %s %d", kind, start, end, amount))
		}
		if want := "[fixed 2026-02-01 2026-02-28 120000 fixed 2026-03-01 2026-03-31 120000]"; fmt.Sprint(got) != want {
			t.Errorf("fixed costs %v, want %s", got, want)
		}
	})
}
