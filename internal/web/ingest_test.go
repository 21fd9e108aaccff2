package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

func order(id string) obj {
	return obj{"order_id": id, "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 59.9, "customer_email": "ana@example.com"}
}

// validItems has one valid item per ingest route, in an order where each
// may refer to what the ones before stored.
var validItems = []struct {
	path  string
	table string
	item  obj
}{
	{"/api/v1/orders", "orders", order("1001")},
	{"/api/v1/order_lines", "order_lines", obj{"order_id": "1001", "sku": "TEE-M", "quantity": 2, "unit_price": "19.95", "product": "Tee"}},
	{"/api/v1/returns", "returns", obj{"return_id": "R1", "order_id": 1001, "returned_at": "2026-03-20 09:00:00", "refund_amount": 19.95}},
	{"/api/v1/fulfillment_events", "fulfillment_events", obj{"order_id": 1001, "kind": "delayed", "at": "2026-03-04 08:00:00", "detail": "carrier backlog"}},
	{"/api/v1/contacts", "contacts", obj{"contact_id": "Z-1", "started_at": "2026-03-03T08:00:00Z", "channel": "email", "customer_email": "ana@example.com", "handle_seconds": 300}},
	{"/api/v1/self_service", "self_service_sessions", obj{"session_id": "S1", "started_at": "2026-03-03T08:00:00Z", "outcome": "resolved", "kind": "order_status", "order_id": "1001"}},
	{"/api/v1/costs", "cost_entries", obj{"kind": "team_rate", "amount": 32.5, "start_date": "2026-01-01", "team": "Tier 1"}},
	{"/api/v1/actions", "actions", obj{"action_id": "A1", "owner": "Dana", "title": "Fix the size guide", "due_date": "2026-03-09", "completed_at": nil}},
	{"/api/v1/messages", "messages", obj{"message_id": "m-1", "channel": "email", "sent_at": "2026-03-04T08:00:00Z", "customer_email": "bo@example.com", "body": "Where is my parcel?"}},
}

func TestEachRouteUpsertsOneItemAndResendChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		for _, v := range validItems {
			before := a.count(v.table)
			a.wantCounts(a.post(v.path, v.item), counts{Created: 1})
			a.wantCounts(a.post(v.path, v.item), counts{Unchanged: 1})
			a.wantCounts(a.post(v.path, batch(v.item)), counts{Unchanged: 1})
			if n := a.count(v.table); n != before+1 {
				t.Errorf("%s: %s has %d rows, want %d", v.path, v.table, n, before+1)
			}
		}
	})
}

func TestBatchUpsert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		const n = 1200
		items := make([]obj, n)
		for i := range items {
			items[i] = order(fmt.Sprintf("B%05d", i))
			items[i]["customer_email"] = fmt.Sprintf("c%d@example.com", i%300)
			items[i]["lines"] = []obj{{"sku": "TEE-M", "quantity": 1, "unit_price": 29.95}, {"sku": "CAP", "quantity": 2, "unit_price": "15"}}
		}
		a.wantCounts(a.post("/api/v1/orders", batch(items...)), counts{Created: n})
		a.wantCounts(a.post("/api/v1/orders", batch(items...)), counts{Unchanged: n})

		items[7]["status"] = "fulfilled"
		items[7]["fulfilled_at"] = "2026-03-03T10:00:00Z"
		items[8]["lines"] = []obj{}
		a.wantCounts(a.post("/api/v1/orders", batch(items...)), counts{Updated: 2, Unchanged: n - 2})

		if got := a.count("orders"); got != n {
			t.Fatalf("%d orders stored, want %d", got, n)
		}
		if got := a.count("order_lines"); got != 2*n-2 {
			t.Fatalf("%d order lines stored, want %d (the empty lines array removes an order's lines)", got, 2*n-2)
		}
		if got := a.count("customers"); got != 300 {
			t.Fatalf("%d customers, want 300", got)
		}
	})
}

func TestNumbersKeepTheirExactDecimalText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		// 1234567.895 is not exact as a float64; read as text it rounds half
		// away from zero, as the CSV importer does.
		body := []byte(`{"order_id": "X1", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 1234567.895, "discounts": 0.10, "cogs": 1e1}`)
		r := a.post("/api/v1/orders", body)
		// 1e1 is a number but not a decimal an export would write.
		fields := fieldsOf(t, r)
		if !slices.Equal(fields, []string{"0 cogs"}) {
			t.Fatalf("got %v (%s)", fields, r.body)
		}
		body = []byte(strings.Replace(string(body), `"cogs": 1e1`, `"cogs": 10`, 1))
		a.wantCounts(a.post("/api/v1/orders", body), counts{Created: 1})
		var revenue, discounts, cogs int64
		if err := db.QueryRow(context.Background(), `SELECT item_revenue, discounts, cogs FROM orders WHERE external_id = 'X1'`).Scan(&revenue, &discounts, &cogs); err != nil {
			t.Fatal(err)
		}
		if revenue != 123456790 || discounts != 10 || cogs != 1000 {
			t.Fatalf("stored cents %d, %d, %d; want 123456790, 10, 1000", revenue, discounts, cogs)
		}
	})
}

// fieldsOf returns a 400's fields as "item field" strings, in order.
func fieldsOf(t *testing.T, r reply) []string {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", r.status, r.body)
	}
	var body struct {
		Error struct {
			Code   string
			Fields []domain.FieldError
		}
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Error.Code != "invalid" {
		t.Fatalf("body %s: want an invalid error (%v)", r.body, err)
	}
	var out []string
	for _, f := range body.Error.Fields {
		if f.Reason == "" {
			t.Errorf("item %d field %s has no reason", f.Item, f.Field)
		}
		out = append(out, strings.TrimSpace(fmt.Sprintf("%d %s", f.Item, f.Field)))
	}
	return out
}

func TestBadItemsAreAllNamedAndNothingIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		a.wantCounts(a.post("/api/v1/orders", order("1001")), counts{Created: 1})
		noLines := order("1002")
		cases := []struct {
			name  string
			path  string
			table string
			body  any
			want  []string
		}{
			{"orders", "/api/v1/orders", "orders", batch(
				order("2001"),
				obj{"order_id": "2002", "item_revenue": "abc"},
				obj{"order_id": "2003", "placed_at": "2026-03-02", "item_revenue": 1, "status": "shipped", "placedAt": "x"},
				order("2001"),
				obj{"order_id": "2005", "placed_at": "2026-03-02", "item_revenue": 1, "lines": []any{obj{"sku": "A", "quantity": 0, "unit_price": 1}, obj{"sku": "A", "quantity": 1, "unit_price": -2}, "x"}},
				obj{"order_id": "2006", "placed_at": "2026-03-02", "item_revenue": 1, "currency": obj{"code": "EUR"}},
			), []string{"1 item_revenue", "1 placed_at", "2 placedAt", "2 status", "3 order_id", "4 lines[0].quantity", "4 lines[1].sku", "4 lines[1].unit_price", "4 lines[2]", "5 currency"}},
			{"unknown orders", "/api/v1/returns", "returns", batch(
				obj{"return_id": "R1", "order_id": "1001", "returned_at": "2026-03-10"},
				obj{"return_id": "R2", "order_id": "9999", "returned_at": "2026-03-10"},
				obj{"return_id": "R3", "order_id": "9999", "returned_at": "not a time"},
			), []string{"1 order_id", "2 returned_at"}},
			{"lines of unknown orders", "/api/v1/order_lines", "order_lines", batch(
				obj{"order_id": "1001", "sku": "A", "quantity": 1, "unit_price": 1},
				obj{"order_id": "nope", "sku": "A", "quantity": 1, "unit_price": 1},
			), []string{"1 order_id"}},
			{"messages", "/api/v1/messages", "messages", batch(
				obj{"message_id": "m1", "channel": "email", "sent_at": "2026-03-02T10:00:00Z", "customer_email": "a@example.com"},
				obj{"message_id": "m2", "channel": "fax", "sent_at": "2026-03-02T10:00:00Z", "author": "bot"},
				obj{"message_id": "m1", "channel": "email", "sent_at": "2026-03-02T10:00:00Z", "customer_email": "a@example.com"},
			), []string{"1 author", "1 channel", "1 customer_email", "2 message_id"}},
			{"a message in a conversation that does not exist", "/api/v1/messages", "messages", batch(
				obj{"message_id": "m1", "channel": "email", "sent_at": "2026-03-02T10:00:00Z", "customer_email": "a@example.com"},
				obj{"message_id": "m2", "channel": "email", "sent_at": "2026-03-02T11:00:00Z", "conversation_id": 4242},
			), []string{"1 conversation_id"}},
			{"the same line twice", "/api/v1/order_lines", "order_lines", batch(
				obj{"order_id": "1001", "sku": "A", "quantity": 1, "unit_price": 1},
				obj{"order_id": "1001", "sku": "A", "quantity": 2, "unit_price": 1},
			), []string{"1"}},
			{"every fault of an item at once", "/api/v1/orders", "orders", batch(
				obj{"order_id": "2101", "placed_at": "yesterday", "item_revenue": -1},
			), []string{"0 item_revenue", "0 placed_at"}},
			{"not objects", "/api/v1/costs", "cost_entries", batch(obj{"kind": "fixed", "amount": 1, "start_date": "2026-01-01"}, nil), []string{"1"}},
			{"nested order line in an order without lines", "/api/v1/orders", "orders", obj{"order_id": "1002", "placed_at": noLines["placed_at"], "item_revenue": 1, "lines": "TEE"}, []string{"0 lines"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := a.count(c.table)
				got := fieldsOf(t, a.post(c.path, c.body))
				if !slices.Equal(got, c.want) {
					t.Errorf("named %q, want %q", got, c.want)
				}
				if after := a.count(c.table); after != before {
					t.Errorf("%s went from %d to %d rows: a refused request stored something", c.table, before, after)
				}
			})
		}
		if n := a.count("customers"); n != 1 {
			t.Errorf("%d customers: refused requests created customers", n)
		}
	})
}

func TestMalformedRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db, func(s *web.Server) { s.MaxBodyBytes = 64 << 10 })
		many := make([]obj, web.MaxItems+1)
		for i := range many {
			many[i] = obj{}
		}
		cases := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"empty", []byte(``), 400, "invalid"},
			{"not JSON", []byte(`{"order_id": `), 400, "invalid"},
			{"an array", []byte(`[{"order_id": "1"}]`), 400, "invalid"},
			{"two values", []byte(`{"order_id": "1"} {}`), 400, "invalid"},
			{"items not an array", obj{"items": obj{}}, 400, "invalid"},
			{"items beside other fields", obj{"items": []obj{}, "order_id": "1"}, 400, "invalid"},
			{"too many items", obj{"items": many}, 400, "invalid"},
			{"too large", []byte(`{"order_id": "` + strings.Repeat("x", 70<<10) + `"}`), 413, "too_large"},
		}
		for _, c := range cases {
			r := a.post("/api/v1/orders", c.body)
			if r.status != c.status || r.json(t)["error"].(map[string]any)["code"] != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
			}
		}
		a.wantCounts(a.post("/api/v1/orders", obj{"items": []obj{}}), counts{})
	})
}

func TestTokensAndScopes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		cases := []struct {
			name          string
			authorization string
			status        int
		}{
			{"no token", "", 401},
			{"unknown token", "Bearer qd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401},
			{"not a bearer token", "Basic dXNlcjpwYXNz", 401},
			{"read scope only", "Bearer " + a.read, 403},
			{"admin", "Bearer " + a.token("admin"), 200},
			{"ingest", "bearer " + a.ingest, 200},
		}
		for _, c := range cases {
			r := a.do("POST", "/api/v1/orders", c.authorization, order("1001"))
			if r.status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, r.body)
			}
			if code := r.json(t)["error"]; c.status != 200 && code == nil {
				t.Errorf("%s: no JSON error: %s", c.name, r.body)
			}
			if c.status == 401 && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: a 401 without WWW-Authenticate: Bearer", c.name)
			}
		}
		if n := a.count("orders"); n != 1 {
			t.Fatalf("%d orders stored, want 1", n)
		}
	})
}

func TestRevokedTokenIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		a.wantCounts(a.post("/api/v1/orders", order("1")), counts{Created: 1})
		if _, err := db.Exec(context.Background(), `UPDATE api_tokens SET revoked_at = 1`); err != nil {
			t.Fatal(err)
		}
		r := a.post("/api/v1/orders", order("2"))
		if r.status != 401 || r.json(t)["error"].(map[string]any)["code"] != "unauthorized" {
			t.Fatalf("revoked token: %d %s", r.status, r.body)
		}
	})
}

func TestHealthz(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		r := a.do("GET", "/healthz", "", nil)
		if r.status != 200 || r.json(t)["status"] != "ok" {
			t.Fatalf("healthz: %d %s", r.status, r.body)
		}
		db.Close()
		r = a.do("GET", "/healthz", "", nil)
		if r.status != 503 || r.json(t)["error"].(map[string]any)["code"] != "unavailable" {
			t.Fatalf("healthz on a closed database: %d %s", r.status, r.body)
		}
	})
}

// The API holds a return to its order as the file import does: one dated
// before its order, or refunding a hundred times what it charged, is named
// and nothing is stored.
func TestReturnsAreCheckedAgainstTheirOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		a.wantCounts(a.post("/api/v1/orders", obj{"order_id": "R1", "placed_at": "2026-03-10T10:00:00Z", "item_revenue": 40}), counts{Created: 1})
		r := a.post("/api/v1/returns", batch(
			obj{"return_id": "X1", "order_id": "R1", "returned_at": "2026-03-12T10:00:00Z", "refund_amount": 40},
			obj{"return_id": "X2", "order_id": "R1", "returned_at": "2026-03-01T10:00:00Z"},
			obj{"return_id": "X3", "order_id": "R1", "returned_at": "2026-03-12T10:00:00Z", "refund_amount": 4000},
		))
		body := string(r.body)
		if r.status != http.StatusBadRequest || !strings.Contains(body, `"item":1,"field":"returned_at"`) || !strings.Contains(body, `"item":2,"field":"refund_amount"`) || strings.Contains(body, `"item":0`) {
			t.Fatalf("returns against their order: %d %s", r.status, body)
		}
		if n := a.count("returns"); n != 0 {
			t.Errorf("%d returns stored from a refused batch", n)
		}
	})
}

// A read right after a write through the API includes it: the rollups
// task has not run, but on a small store the read recomputes the days the
// write touched, so the answer is current and says nothing is pending.
func TestAReadAfterAnAPIWriteIsCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		a.wantCounts(a.post("/api/v1/orders", obj{"order_id": "K1", "placed_at": "2026-03-10T10:00:00Z", "item_revenue": 40}), counts{Created: 1})
		a.wantCounts(a.post("/api/v1/contacts", obj{"contact_id": "KC1", "started_at": "2026-03-11T10:00:00Z", "channel": "email", "order_id": "K1"}), counts{Created: 1})
		if n := a.count("metric_dirty"); n == 0 {
			t.Error("the writes marked no day for the rollups task")
		}
		r := a.do("GET", "/api/v1/metrics?metric=cpo&from=2026-03-09&to=2026-03-15", "Bearer "+a.read, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"numerator": 1`) || strings.Contains(string(r.body), "pending_days") {
			t.Errorf("metrics after the writes: %d %s", r.status, r.body)
		}
	})
}

// A field named twice in one item is refused, naming the item and the
// field, rather than taking whichever value came last.
func TestDuplicateJSONKeysAreRefused(t *testing.T) {
	a := start(t, storetest.Open(t, store.SQLite))
	r := a.do("POST", "/api/v1/orders", "Bearer "+a.ingest, []byte(`{"items": [{"order_id": "D1", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 1},
		{"order_id": "D2", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 10, "item_revenue": 1000}]}`))
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"item":1,"field":"item_revenue","reason":"appears twice in the item`) {
		t.Errorf("duplicate key in a batch: %d %s", r.status, r.body)
	}
	r = a.do("POST", "/api/v1/orders", "Bearer "+a.ingest, []byte(`{"order_id": "D3", "order_id": "D4", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 1}`))
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `the field \"order_id\" appears twice`) {
		t.Errorf("duplicate key in one item: %d %s", r.status, r.body)
	}
	if n := a.count("orders"); n != 0 {
		t.Errorf("%d orders stored from refused bodies", n)
	}
}
