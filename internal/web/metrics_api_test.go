package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestMetricsAPIWorkedExample runs the real engine behind the API: 2 orders
// and 8 contacts in week 2026-W10 give CPO 4.0, as the worked example of docs/metrics.md#formulas
// (1,000 contacts, 250 orders) does.
func TestMetricsAPIWorkedExample(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		var orders, contacts []obj
		for i := range 2 {
			orders = append(orders, obj{"order_id": fmt.Sprint("W", i), "placed_at": "2026-03-03T10:00:00Z", "item_revenue": 50, "sales_channel": []string{"online", "retail"}[i]})
		}
		for i := range 8 {
			contacts = append(contacts, obj{"contact_id": fmt.Sprint("C", i), "started_at": "2026-03-04T10:00:00Z", "channel": "email", "order_id": fmt.Sprint("W", i%2)})
		}
		a.wantCounts(a.post("/api/v1/orders", batch(orders...)), counts{Created: 2})
		a.wantCounts(a.post("/api/v1/contacts", batch(contacts...)), counts{Created: 8})

		r := a.do("GET", "/api/v1/metrics?metric=cpo&from=2026-03-02&to=2026-03-15", "Bearer "+a.read, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET metrics: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
		}
		var got struct {
			Metric, Grain string
			By            *string
			Rows          []map[string]any
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if got.Metric != "cpo" || got.Grain != "week" || got.By != nil || len(got.Rows) != 2 {
			t.Fatalf("result %s", r.body)
		}
		want := map[string]any{"period": "2026-W10", "start": "2026-03-02", "value": 4.0, "numerator": 8.0, "denominator": 2.0}
		if fmt.Sprint(got.Rows[0]) != fmt.Sprint(want) {
			t.Errorf("week 10: %v, want %v", got.Rows[0], want)
		}
		if v, ok := got.Rows[1]["value"]; !ok || v != nil {
			t.Errorf("week 11 has no orders: value %v, want null", got.Rows[1]["value"])
		}
		if _, ok := got.Rows[0]["group"]; ok {
			t.Error("group is present in a series that is not cut")
		}

		r = a.do("GET", "/api/v1/metrics?metric=cpo&from=2026-03-02&to=2026-03-08&by=sales_channel&format=csv", "Bearer "+a.read, nil)
		wantCSV := "period,start,sales_channel,cpo,numerator,denominator,volume_surge,partial\n2026-W10,2026-03-02,online,4,4,1,false,false\n2026-W10,2026-03-02,retail,4,4,1,false,false\n"
		if r.status != 200 || string(r.body) != wantCSV || r.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.header.Get("Content-Disposition") != `attachment; filename="cpo-week-by-sales_channel-2026-03-02-2026-03-08.csv"` {
			t.Errorf("CSV: %d %v\n%s\nwant\n%s", r.status, r.header, r.body, wantCSV)
		}
	})
}

func TestMetricsAPIRefusals(t *testing.T) {
	a := start(t, storetest.Open(t, store.SQLite))
	for _, c := range []struct {
		query, auth string
		status      int
		want        string
	}{
		{"metric=cpo&from=2026-03-02&to=2026-03-08", "", 401, "send an API token"},
		{"metric=cpo&from=2026-03-02&to=2026-03-08", "Bearer " + a.ingest, 403, "this needs scope read"},
		{"", "Bearer " + a.read, 400, `"field":"metric","reason":"is required"}]`},
		{"metric=cpo&return_adjusted=maybe", "Bearer " + a.read, 400, `"field":"return_adjusted","reason":"\"maybe\" is not true or false"`},
		{"metric=cpo&from=2026-03-02&to=2026-03-08&format=table", "Bearer " + a.read, 400, `"field":"format","reason":"\"table\" is not one of json, csv"`},
		{"metric=cpo&from=2026-03-02&to=2026-03-08&grian=day", "Bearer " + a.read, 400, `"field":"grian","reason":"is not a parameter: use metric, from, to, grain, by, return_adjusted, format"`},
		{"metric=happiness&from=2026-03-02&to=2026-03-08", "Bearer " + a.read, 400, `\"happiness\" is not a metric`},
		{"metric=cpo&from=2026-03-09&to=2026-03-08", "Bearer " + a.read, 400, `"field":"to","reason":"2026-03-08 is before from 2026-03-09"`},
		{"metric=cpo&from=2026-03-02&to=2026-03-08&by=mood", "Bearer " + a.read, 400, `\"mood\" is not a dimension`},
		// Unbounded ranges are refused at once, before any work.
		{"metric=cpo&from=0001-01-01&to=9999-12-31&grain=day", "Bearer " + a.read, 400, `reaches outside 1990-01-01 to 2100-01-01`},
		{"metric=cpo&from=2020-01-01&to=2026-01-01&grain=day", "Bearer " + a.read, 400, `longer than 1098 days, the most a day query covers`},
		{"metric=cpo&from=2000-01-01&to=2026-01-01", "Bearer " + a.read, 400, `longer than 3660 days, the most a week query covers`},
	} {
		r := a.do("GET", "/api/v1/metrics?"+c.query, c.auth, nil)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("?%s: %d %s, want %d with %q", c.query, r.status, r.body, c.status, c.want)
		}
	}
}

// The pages' CSV links use the API with the browser's session.
func TestMetricsAPIWithASession(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("analyst@example.com")
	r := v.get("/api/v1/metrics?metric=cpo&from=2026-03-16&to=2026-03-22&by=carrier&format=csv")
	if r.status != 200 || !strings.HasPrefix(string(r.body), "period,start,carrier,cpo,numerator,denominator,volume_surge,partial\n2026-W12,2026-03-16,DHL,") {
		t.Errorf("CSV with a session: %d\n%s", r.status, r.body)
	}
	// As the CLI: the 12 complete weeks before now (Wednesday 2026-03-25).
	if r := v.get("/api/v1/metrics?metric=contribution_per_order&return_adjusted=1"); r.status != 200 {
		t.Errorf("defaults: %d\n%s", r.status, r.body)
	}
	if q := s.metrics.last(); q != (metrics.Query{Metric: "contribution_per_order", From: "2025-12-29", To: "2026-03-22", ReturnAdjusted: true}) {
		t.Errorf("query with the defaults: %+v", q)
	}
	// An expired or forged session is refused as the API refuses: JSON.
	forged := s.visitor()
	forged.header.Set("Cookie", "qd_session=forged")
	if r := forged.get("/api/v1/metrics?metric=cpo&from=2026-03-16&to=2026-03-22"); r.status != http.StatusUnauthorized || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("forged session: %d %s", r.status, r.header.Get("Content-Type"))
	}
	// A token wins over a cookie: an ingest token is refused even beside a
	// good session.
	v.header.Set("Authorization", "Bearer "+s.ingest)
	if r := v.get("/api/v1/metrics?metric=cpo&from=2026-03-16&to=2026-03-22"); r.status != http.StatusForbidden {
		t.Errorf("ingest token beside a session: %d", r.status)
	}
}
