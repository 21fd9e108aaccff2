package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// customerStore fills a store through the ingest API with two customers
// whose names and words cannot be mistaken for each other's: Annabel
// Quince, who has one of everything, and Zebedee Marchbanks.
func customerStore(t *testing.T, a *app) {
	t.Helper()
	ok := func(r reply) {
		t.Helper()
		if r.status != http.StatusOK {
			t.Fatalf("seeding: %d %s", r.status, r.body)
		}
	}
	ok(a.post("/api/v1/orders", batch(
		obj{"order_id": "Q-1", "order_name": "#Q-1", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 78, "shipping_charged": 5, "status": "fulfilled",
			"fulfilled_at": "2026-03-03T08:00:00Z", "customer_email": "annabel@example.com", "customer_name": "Annabel Quince", "customer_id": "SHOP-77",
			"lines": []obj{{"sku": "QUINCE-JAM", "product": "Quince jam jar", "quantity": 2, "unit_price": 39}}},
		obj{"order_id": "Z-1", "order_name": "#Z-1", "placed_at": "2026-03-02T11:00:00Z", "item_revenue": 12, "customer_email": "zebedee@example.com",
			"customer_name": "Zebedee Marchbanks", "lines": []obj{{"sku": "MARCH-HARE", "product": "Marchbanks hare plush", "quantity": 1, "unit_price": 12}}},
	)))
	ok(a.post("/api/v1/fulfillment_events", obj{"order_id": "Q-1", "kind": "shipped", "at": "2026-03-03T09:00:00Z", "detail": "tracking https://track.example/Q1"}))
	ok(a.post("/api/v1/returns", obj{"return_id": "QR-1", "order_id": "Q-1", "returned_at": "2026-03-20T09:00:00Z", "refund_amount": 39, "reason": "one jar cracked"}))
	ok(a.post("/api/v1/self_service", obj{"session_id": "QS-1", "started_at": "2026-03-04T08:00:00Z", "outcome": "resolved", "kind": "order_status",
		"order_id": "Q-1", "customer_email": "annabel@example.com"}))
	ok(a.post("/api/v1/contacts", obj{"contact_id": "QZ-1", "started_at": "2026-03-05T08:00:00Z", "channel": "voice", "customer_email": "annabel@example.com",
		"subject": "Phoned about the jam", "text": "Annabel phoned about quince season"}))
	ok(a.post("/api/v1/messages", batch(
		obj{"message_id": "q-m1", "channel": "email", "sent_at": "2026-03-04T09:00:00Z", "customer_email": "annabel@example.com", "subject": "Quince jam order", "body": "Annabel asks where her quince jam is"},
		obj{"message_id": "q-m2", "channel": "email", "sent_at": "2026-03-04T10:00:00Z", "customer_email": "annabel@example.com", "author": "agent", "agent": "Maya", "body": "Your quince jam ships today"},
		obj{"message_id": "q-m3", "channel": "sms", "sent_at": "2026-03-03T07:00:00Z", "customer_email": "annabel@example.com", "author": "proactive", "body": "Quince jam delayed a day"},
		obj{"message_id": "z-m1", "channel": "chat", "sent_at": "2026-03-04T09:30:00Z", "customer_email": "zebedee@example.com", "body": "Zebedee wonders about his marchbanks plush"},
	)))
}

// customerID finds a customer by email through the API.
func customerID(t *testing.T, a *app, auth, email string) int64 {
	t.Helper()
	r := a.do("GET", "/api/v1/customers?q="+email, auth, nil)
	var got struct {
		Customers []struct {
			ID int64 `json:"id"`
		} `json:"customers"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &got) != nil || len(got.Customers) != 1 {
		t.Fatalf("find %s: %d %s", email, r.status, r.body)
	}
	return got.Customers[0].ID
}

// checked sends a request and validates it and its answer against the
// OpenAPI document.
type checked struct {
	t      *testing.T
	a      *app
	router routers.Router
}

func (c checked) do(method, path, authorization string, body any, wantStatus int) map[string]any {
	c.t.Helper()
	var data []byte
	if body != nil {
		data, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, c.a.url+path, bytes.NewReader(data))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Fatalf("%s %s is not in the document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if wantStatus < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			c.t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantStatus, out)
	}
	val := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: &openapi3filter.Options{MultiError: true}}
	val.SetBodyBytes(out)
	if err := openapi3filter.ValidateResponse(context.Background(), val); err != nil {
		c.t.Errorf("%s %s: the %d answer does not match the document: %v\n%s", method, path, resp.StatusCode, err, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		c.t.Fatalf("%s %s: %s is not a JSON object", method, path, out)
	}
	return v
}

func fieldOf(v map[string]any) string {
	e, _ := v["error"].(map[string]any)
	fields, _ := e["fields"].([]any)
	if len(fields) != 1 {
		return ""
	}
	f, _ := fields[0].(map[string]any)
	s, _ := f["field"].(string)
	return s
}

func TestCustomerAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		_, router := loadDoc(t, a)
		c := checked{t, a, router}
		customerStore(t, a)
		desk := "Bearer " + a.token("desk")
		ann, zeb := customerID(t, a, desk, "annabel@example.com"), customerID(t, a, desk, "zebedee@example.com")

		found := c.do("GET", "/api/v1/customers?q=%23Q-1", desk, nil, 200)["customers"].([]any)
		if len(found) != 1 || found[0].(map[string]any)["name"] != "Annabel Quince" || found[0].(map[string]any)["matched"] != "order" {
			t.Errorf("search by order number: %v", found)
		}
		c.do("GET", "/api/v1/customers?q="+strings.Repeat("x", 201), desk, nil, 400)

		p := c.do("GET", fmt.Sprintf("/api/v1/customers/%d", ann), desk, nil, 200)
		orders := p["orders"].(map[string]any)
		if p["name"] != "Annabel Quince" || orders["count"] != 1.0 || orders["value"] != 83.0 || p["contacts"] != 2.0 || p["cpo"] != 2.0 {
			t.Errorf("profile: %v", p)
		}
		c.do("GET", "/api/v1/customers/999", desk, nil, 404)
		c.do("GET", "/api/v1/customers/nope", desk, nil, 404)

		// The whole timeline, three items a page.
		var types []string
		next := ""
		for pages := 0; ; pages++ {
			path := fmt.Sprintf("/api/v1/customers/%d/timeline?limit=3", ann)
			if next != "" {
				path += "&before=" + next
			}
			page := c.do("GET", path, desk, nil, 200)
			items := page["items"].([]any)
			for _, it := range items {
				types = append(types, it.(map[string]any)["type"].(string))
			}
			if page["next"] == nil {
				break
			}
			if len(items) != 3 || pages > 20 {
				t.Fatalf("page %d has %d items and more to come", pages, len(items))
			}
			next = page["next"].(string)
		}
		want := "return contact message contact message self_service fulfillment notice order"
		if got := strings.Join(types, " "); got != want {
			t.Errorf("timeline types\n  %s\nwant\n  %s", got, want)
		}
		for _, bad := range []string{"?limit=0", "?limit=201", "?limit=many", "?before=42"} {
			v := c.do("GET", fmt.Sprintf("/api/v1/customers/%d/timeline%s", ann, bad), desk, nil, 400)
			if f := fieldOf(v); f != "limit" && f != "before" {
				t.Errorf("%s: %v", bad, v)
			}
		}

		// Merge Zebedee into Annabel: his id answers with hers.
		mergePath := fmt.Sprintf("/api/v1/customers/%d/merge", ann)
		m := c.do("POST", mergePath, desk, obj{"customer_id": zeb}, 200)
		mergeID := int64(m["id"].(float64))
		if m["survivor_id"] != float64(ann) || m["merged_id"] != float64(zeb) || m["undone_at"] != nil {
			t.Errorf("merge: %v", m)
		}
		if again := c.do("POST", mergePath, desk, obj{"customer_id": zeb}, 200); again["id"] != m["id"] {
			t.Errorf("the same merge again made another: %v", again)
		}
		if p := c.do("GET", fmt.Sprintf("/api/v1/customers/%d", zeb), desk, nil, 200); p["id"] != float64(ann) || len(p["merged_ids"].([]any)) != 1 {
			t.Errorf("the merged-away id answers %v", p)
		}
		tl := c.do("GET", fmt.Sprintf("/api/v1/customers/%d/timeline?limit=1", zeb), desk, nil, 200)
		if tl["customer_id"] != float64(ann) || tl["items"].([]any)[0].(map[string]any)["type"] != "merge" {
			t.Errorf("the merged-away timeline: %v", tl)
		}
		for _, bad := range []struct {
			body  any
			field string
		}{{obj{"customer_id": ann}, "customer_id"}, {obj{"customer_id": "zeb"}, "customer_id"}, {obj{}, "customer_id"}, {obj{"customer_id": 99}, "customer_id"}} {
			if v := c.do("POST", mergePath, desk, bad.body, 400); fieldOf(v) != bad.field {
				t.Errorf("merge %v: %v", bad.body, v)
			}
		}
		if v := c.do("POST", fmt.Sprintf("/api/v1/customers/%d/merge", zeb), desk, obj{"customer_id": ann}, 400); fieldOf(v) != "id" {
			t.Errorf("a merge into a merged-away customer: %v", v)
		}
		c.do("POST", fmt.Sprintf("/api/v1/customers/%d/merge", ann), desk, obj{"customer_id": zeb, "force": true}, 400)
		undone := c.do("POST", fmt.Sprintf("/api/v1/customer_merges/%d/undo", mergeID), desk, nil, 200)
		if undone["undone_at"] == nil {
			t.Errorf("undo: %v", undone)
		}
		if p := c.do("GET", fmt.Sprintf("/api/v1/customers/%d", zeb), desk, nil, 200); p["id"] != float64(zeb) || p["name"] != "Zebedee Marchbanks" {
			t.Errorf("after the undo Zebedee is %v", p)
		}
		c.do("POST", "/api/v1/customer_merges/999/undo", desk, nil, 404)

		// A share link, opened without a login, then revoked.
		link := c.do("POST", fmt.Sprintf("/api/v1/customers/%d/share_links", ann), desk, obj{"days": 3}, 201)
		u := link["url"].(string)
		if !strings.HasPrefix(u, a.url+"/share/") || link["expires_at"] != "2026-12-05T10:00:00Z" {
			t.Errorf("share link: %v", link)
		}
		if r := a.do("GET", strings.TrimPrefix(u, a.url), "", nil); r.status != 200 || !strings.Contains(string(r.body), "Annabel Quince") {
			t.Errorf("the link's page: %d", r.status)
		}
		if l := c.do("POST", fmt.Sprintf("/api/v1/customers/%d/share_links", ann), desk, nil, 201); l["expires_at"] != "2026-12-09T10:00:00Z" {
			t.Errorf("a link without days lives 7: %v", l)
		}
		for _, bad := range []obj{{"days": 31}, {"days": 0}, {"days": 1.5}, {"hours": 3}} {
			if v := c.do("POST", fmt.Sprintf("/api/v1/customers/%d/share_links", ann), desk, bad, 400); fieldOf(v) == "" {
				t.Errorf("share link %v: %v", bad, v)
			}
		}
		revoked := c.do("DELETE", fmt.Sprintf("/api/v1/share_links/%d", int64(link["id"].(float64))), desk, nil, 200)
		if revoked["revoked_at"] == nil {
			t.Errorf("revoke: %v", revoked)
		}
		if r := a.do("GET", strings.TrimPrefix(u, a.url), "", nil); r.status != 404 {
			t.Errorf("a revoked link's page: %d", r.status)
		}
		c.do("DELETE", "/api/v1/share_links/999", desk, nil, 404)

		// Who may not.
		id := fmt.Sprintf("/api/v1/customers/%d", ann)
		c.do("GET", id, "", nil, 401)
		c.do("GET", id, "Bearer "+a.read, nil, 403)
		c.do("GET", id, "Bearer "+a.ingest, nil, 403)
		c.do("POST", mergePath, "Bearer "+a.read, obj{"customer_id": zeb}, 403)
	})
}
