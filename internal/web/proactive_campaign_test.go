package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// campaignOrders writes six ParcelNow orders of three customers (one with
// no address) and one cancelled, and a DHL order.
func campaignOrders(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		var ids []int64
		for i, email := range []string{"ann@example.com", `eve"><b>@example.com`, ""} {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES (?, 0) RETURNING id`, fmt.Sprint("C", i)).Scan(&id); err != nil {
				return err
			}
			if email != "" {
				if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', ?, ?)`, email, id); err != nil {
					return err
				}
			}
			ids = append(ids, id)
		}
		for i := range 8 {
			carrier, cancelled := "ParcelNow", any(nil)
			if i == 6 {
				cancelled = int64(1)
			}
			if i == 7 {
				carrier = "DHL"
			}
			placed := time.Date(2026, 11, 10+i, 9, 0, 0, 0, time.UTC).Unix()
			if _, err := tx.Exec(ctx, `INSERT INTO orders (external_id, customer_id, placed_at, carrier, cancelled_at) VALUES (?, ?, ?, ?, ?)`,
				fmt.Sprintf("#30%02d", i), ids[i%3], placed, carrier, cancelled); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Admins create a campaign on the page, see its preview and send it with
// the CSRF token; analysts read; agents see nothing.
func TestProactiveCampaignPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		campaignOrders(t, db)
		if r := s.visitor().login("agent@example.com").get("/proactive/campaigns"); r.status != http.StatusForbidden {
			t.Errorf("an agent got the campaigns: %d", r.status)
		}
		admin := s.visitor().login("admin@example.com")
		page := admin.page("/proactive/campaigns", 200)
		mustContain(t, page, `id="no-campaigns"`, `id="create-campaign"`)

		form := url.Values{"name": {"parcelnow-nov"}, "holdout": {"0"}, "channel": {"email"}, "locale": {"en"}, "subject": {"About your order"},
			"body": {"Your order {{.OrderName}} is running late."}}
		form.Set("csrf", admin.csrf(admin.get("/proactive/campaigns")))
		r := admin.post("/proactive/campaigns", form)
		if r.status != 400 || !strings.Contains(string(r.body), "scope: is empty") {
			t.Fatalf("no cohort: %d %s", r.status, r.body)
		}
		mustContain(t, string(r.body), `value="parcelnow-nov"`)
		form.Set("carrier", "ParcelNow")
		form.Set("csrf", admin.csrf(admin.get("/proactive/campaigns")))
		if r := admin.post("/proactive/campaigns", form); r.status != http.StatusSeeOther || r.header.Get("Location") != "/proactive/campaigns/parcelnow-nov" {
			t.Fatalf("create: %d %s %s", r.status, r.header.Get("Location"), r.body)
		}
		page = admin.page("/proactive/campaigns/parcelnow-nov", 200)
		// Six ParcelNow orders not cancelled, of three customers; the two
		// of the customer with no address are unreachable.
		mustContain(t, page, `data-count="orders">6<`, `data-count="customers">3<`, `data-count="held_out">0<`, `data-count="no_address">2<`,
			`data-count="reachable">4<`, `a***@example.com`, `e***@example.com`, `id="send-campaign"`, "Send to 4 orders, hold out 0")
		if strings.Contains(page, "<b>") {
			t.Error("a customer's address is drawn as markup")
		}

		analyst := s.visitor().login("analyst@example.com")
		ap := analyst.page("/proactive/campaigns/parcelnow-nov", 200)
		if strings.Contains(ap, `id="send-campaign"`) || strings.Contains(analyst.page("/proactive/campaigns", 200), `id="create-campaign"`) {
			t.Error("an analyst is offered to create or send")
		}
		if r := analyst.post("/proactive/campaigns/parcelnow-nov/send", url.Values{"csrf": {analyst.csrf(analyst.get("/proactive/campaigns"))}}); r.status != http.StatusForbidden {
			t.Errorf("an analyst sent: %d", r.status)
		}
		if r := admin.post("/proactive/campaigns/parcelnow-nov/send", url.Values{"csrf": {"forged"}}); r.status != http.StatusForbidden {
			t.Errorf("a send with a forged token: %d", r.status)
		}
		if n := s.count("proactive_decisions"); n != 0 {
			t.Fatalf("%d decisions before sending", n)
		}
		for range 2 {
			if r := admin.post("/proactive/campaigns/parcelnow-nov/send", url.Values{"csrf": {admin.csrf(admin.get("/proactive/campaigns"))}}); r.status != http.StatusSeeOther {
				t.Fatalf("send: %d %s", r.status, r.body)
			}
		}
		if n := s.count("proactive_decisions"); n != 6 {
			t.Errorf("%d decisions after sending twice, want 6", n)
		}
		page = admin.page("/proactive/campaigns/parcelnow-nov", 200)
		mustContain(t, page, `data-count="already_decided">6<`, "by admin@example.com (6 scheduled, 0 held out)")
		if strings.Contains(page, `id="send-campaign"`) {
			t.Error("the send button stays once every order is decided")
		}
		mustContain(t, admin.page("/proactive/campaigns", 200), `data-campaign="parcelnow-nov"`, "carrier=ParcelNow")
	})
}

// The API lists, previews and sends, each answer as the document says.
func TestProactiveCampaignAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		campaignOrders(t, db)
		_, router := loadDoc(t, a)
		admin := "Bearer " + a.token("admin")
		read := "Bearer " + a.read
		exchange := func(method, path, authorization string, body any, want int) map[string]any {
			t.Helper()
			data, _ := json.Marshal(body)
			if body == nil {
				data = nil
			}
			req, _ := http.NewRequest(method, a.url+path, bytes.NewReader(data))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", authorization)
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("%s %s: not in the document: %v", method, path, err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, got)
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: &openapi3filter.Options{MultiError: true}}
			out.SetBodyBytes(got)
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%s %s: the response does not match the document: %v\n%s", method, path, err, got)
			}
			var v map[string]any
			json.Unmarshal(got, &v)
			return v
		}
		c := map[string]any{"name": "parcelnow-nov", "holdout_pct": 0, "scope": map[string]any{"carrier": "ParcelNow"},
			"templates": []any{map[string]any{"channel": "email", "locale": "en", "subject": "Late", "body": "Order {{.OrderName}} is late."}}}
		exchange("POST", "/api/v1/proactive/campaigns", read, c, 403)
		exchange("POST", "/api/v1/proactive/campaigns", admin, map[string]any{"name": "x", "scope": map[string]any{}, "templates": []any{}}, 400)
		exchange("POST", "/api/v1/proactive/campaigns", admin, c, 200)
		p := exchange("GET", "/api/v1/proactive/campaigns/parcelnow-nov/preview", read, nil, 200)
		if p["orders"] != 6.0 || p["reachable"] != 4.0 || p["no_address"] != 2.0 {
			t.Errorf("preview %v", p)
		}
		exchange("GET", "/api/v1/proactive/campaigns/nope/preview", read, nil, 404)
		exchange("POST", "/api/v1/proactive/campaigns/parcelnow-nov/send", read, nil, 403)
		sent := exchange("POST", "/api/v1/proactive/campaigns/parcelnow-nov/send", admin, nil, 200)
		if fmt.Sprint(sent["sent"]) != "map[already:0 held_out:0 orders:6 scheduled:6]" {
			t.Errorf("sent %v", sent)
		}
		again := exchange("POST", "/api/v1/proactive/campaigns/parcelnow-nov/send", admin, nil, 200)
		if fmt.Sprint(again["sent"]) != "map[already:6 held_out:0 orders:6 scheduled:0]" {
			t.Errorf("sent again %v", again)
		}
		list := exchange("GET", "/api/v1/proactive/campaigns", read, nil, 200)
		if cs, _ := list["campaigns"].([]any); len(cs) != 1 || cs[0].(map[string]any)["scheduled"] != 6.0 {
			t.Errorf("list %v", list)
		}
		exchange("POST", "/api/v1/proactive/campaigns", admin, c, 409)
		if _, err := proactive.GetRule(context.Background(), db, "parcelnow-nov"); err != nil {
			t.Error(err)
		}
	})
}
