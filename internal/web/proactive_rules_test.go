package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// changesOf lists a rule's recorded changes, oldest first.
func changesOf(t *testing.T, db *store.DB, rule string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT c.change, c.by_whom FROM proactive_rule_changes c JOIN proactive_rules r ON r.id = c.rule_id WHERE r.name = ? ORDER BY c.id`, rule)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c, by string
		if err := rows.Scan(&c, &by); err != nil {
			t.Fatal(err)
		}
		out = append(out, c+" by "+by)
	}
	return out
}

// The API: a broken text is refused with its line and reason and nothing
// is stored; a switch is recorded once, even sent twice; reads need a
// token with read, writes one with admin.
func TestProactiveRulesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		admin := "Bearer " + a.token("admin")
		if r := a.do("GET", "/api/v1/proactive/rules", "Bearer "+a.read, nil); r.status != 200 || strings.TrimSpace(string(r.body)) != `{"rules":[]}` {
			t.Fatalf("empty list: %d %s", r.status, r.body)
		}
		broken := map[string]any{"kind": "late_shipment", "holdout_pct": 10, "templates": []map[string]any{
			{"channel": "sms", "locale": "en", "body": "ok {{.OrderName}}"},
			{"channel": "email", "locale": "fr", "subject": "x", "body": "Bonjour\n{{orderr .OrderName}}"}}}
		if r := a.do("PUT", "/api/v1/proactive/rules/late_shipment", "Bearer "+a.read, broken); r.status != http.StatusForbidden {
			t.Errorf("a read token saved a rule: %d", r.status)
		}
		r := a.do("PUT", "/api/v1/proactive/rules/late_parcels", admin, broken)
		if r.status != 400 || !strings.Contains(string(r.body), `"field":"templates[1].body","reason":"email/fr line 2: function \"orderr\" not defined"`) {
			t.Fatalf("broken template: %d %s", r.status, r.body)
		}
		if n := a.count("proactive_rules") + a.count("proactive_templates") + a.count("proactive_rule_changes"); n != 0 {
			t.Fatalf("%d rows stored by a refused save", n)
		}

		// The first save adds the defaults, then the rule.
		ok := map[string]any{"kind": "late_shipment", "enabled": true, "holdout_pct": 20, "scope": map[string]any{"carrier": "ParcelNow"},
			"templates": []map[string]any{{"channel": "sms", "locale": "en", "body": "{{.Brand}}: {{.OrderName}} is late"}}}
		for i, want := range []int{201, 200} {
			if r := a.do("PUT", "/api/v1/proactive/rules/late_parcels", admin, ok); r.status != want {
				t.Fatalf("save %d: %d %s", i, r.status, r.body)
			}
		}
		if got := strings.Join(changesOf(t, db, "late_parcels"), "; "); got != "enabled by test admin" {
			t.Errorf("changes %q: one, however often it is sent", got)
		}
		if a.count("proactive_rules") != 6 {
			t.Errorf("%d rules: the 5 defaults and late_parcels", a.count("proactive_rules"))
		}
		r = a.do("GET", "/api/v1/proactive/rules/late_parcels", "Bearer "+a.read, nil)
		got := r.json(t)
		if got["holdout_pct"] != float64(20) || got["enabled"] != true || got["scope"].(map[string]any)["carrier"] != "ParcelNow" || len(got["templates"].([]any)) != 1 {
			t.Errorf("read back %s", r.body)
		}
		ok["enabled"] = false
		a.do("PUT", "/api/v1/proactive/rules/late_parcels", admin, ok)
		if got := strings.Join(changesOf(t, db, "late_parcels"), "; "); got != "enabled by test admin; disabled by test admin" {
			t.Errorf("changes %q", got)
		}
		if r := a.do("GET", "/api/v1/proactive/rules/nope", "Bearer "+a.read, nil); r.status != 404 {
			t.Errorf("unknown rule: %d", r.status)
		}
	})
}

// The pages: analysts read, admins edit, agents see nothing; a broken
// text is refused with its line and reason next to it; brand text is
// shown as text.
func TestProactiveRulesPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		if r := s.visitor().login("agent@example.com").get("/proactive"); r.status != http.StatusForbidden {
			t.Errorf("an agent got /proactive: %d", r.status)
		}
		analyst := s.visitor().login("analyst@example.com")
		page := analyst.page("/proactive", 200)
		mustContain(t, page, `id="no-rules"`, `href="/proactive" aria-current="page">Proactive</a>`)
		if strings.Contains(page, `action="/proactive/defaults"`) {
			t.Error("an analyst is offered to add the defaults")
		}
		if r := analyst.post("/proactive/defaults", url.Values{"csrf": {analyst.csrf(analyst.get("/proactive"))}}); r.status != http.StatusForbidden {
			t.Errorf("an analyst posted: %d", r.status)
		}

		v := s.visitor().login("admin@example.com")
		if r := v.post("/proactive/defaults", url.Values{"csrf": {v.csrf(v.get("/proactive"))}}); r.status != http.StatusSeeOther {
			t.Fatalf("defaults: %d %s", r.status, r.body)
		}
		if r := v.post("/proactive/defaults", url.Values{"csrf": {"wrong"}}); r.status != http.StatusForbidden {
			t.Errorf("no CSRF: %d", r.status)
		}
		page = v.page("/proactive", 200)
		mustContain(t, page, `<tr data-rule="backorder">`, `href="/proactive/report/late_shipment"`, `href="/proactive/campaigns"`, "created 2026-")

		edit := v.page("/proactive/rules/late_shipment", 200)
		mustContain(t, edit, `name="body.sms.fr"`, `Hi Alex,`, `Your order #1001 is running late`)
		form := url.Values{"csrf": {v.csrf(v.get("/proactive/rules/late_shipment"))}, "kind": {"late_shipment"}, "enabled": {"on"}, "holdout_pct": {"15"},
			"subject.email.en": {"Late"}, "body.email.en": {"Hello\n<script>alert(1)</script> {{.Ordr}}"}, "body.sms.en": {"{{.OrderName}} late"}}
		r := v.post("/proactive/rules/late_shipment", form)
		if r.status != 400 {
			t.Fatalf("broken text saved: %d", r.status)
		}
		mustContain(t, string(r.body), `email/en line 2: can&#39;t evaluate field Ordr`, `&lt;script&gt;alert(1)&lt;/script&gt;`)
		if strings.Contains(string(r.body), "<script>alert(1)") {
			t.Error("the text is not escaped")
		}
		if got := changesOf(t, db, "late_shipment"); len(got) != 1 {
			t.Errorf("a refused save recorded %v", got)
		}

		form.Set("body.email.en", "Hello <script>alert(1)</script> {{.OrderName}}")
		if r := v.post("/proactive/rules/late_shipment", form); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.status, r.body)
		}
		edit = v.page("/proactive/rules/late_shipment?saved=1", 200)
		mustContain(t, edit, `id="rule-saved"`, `Hello &lt;script&gt;alert(1)&lt;/script&gt; #1001`, `value="15"`)
		if got := strings.Join(changesOf(t, db, "late_shipment"), "; "); got != "created by quietdesk defaults; enabled by admin@example.com" {
			t.Errorf("changes %q", got)
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM proactive_templates t JOIN proactive_rules r ON r.id = t.rule_id WHERE r.name = 'late_shipment'`).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d texts kept (the two filled in), %v", n, err)
		}
	})
}
