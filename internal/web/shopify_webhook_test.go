package web_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// Real Shopify bodies from the fixtures of Shopify's own client libraries
// (internal/shopify/testdata/SOURCE.md).
const shopifyFixtures = "../shopify/testdata/"

const shopifySecret = "hush-7f3a9c"

// shopifyBody is a fixture's object as a webhook sends it: the order, not
// {"order": ...}.
func shopifyBody(t *testing.T, file, key string) []byte {
	t.Helper()
	data, err := os.ReadFile(shopifyFixtures + file)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	if top[key] == nil {
		t.Fatalf("%s has no %q", file, key)
	}
	return top[key]
}

// shopifyPost posts body as Shopify does: signed with HMAC-SHA256 over the
// raw bytes, base64 in X-Shopify-Hmac-Sha256. A nil signature signs with
// the store's secret.
func (a *app) shopifyPost(topic, webhookID string, body []byte, signature *string) reply {
	a.t.Helper()
	req, err := http.NewRequest("POST", a.url+"/webhooks/shopify", bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	sig := shopifySign(body, shopifySecret)
	if signature != nil {
		sig = *signature
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Hmac-Sha256", sig)
	req.Header.Set("X-Shopify-Shop-Domain", "test-shop.myshopify.com")
	if webhookID != "" {
		req.Header.Set("X-Shopify-Webhook-Id", webhookID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, data}
}

func shopifySign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func startShopify(t *testing.T, db *store.DB) *app {
	t.Helper()
	if err := db.SetSetting(context.Background(), "shopify.webhook_secret", shopifySecret); err != nil {
		t.Fatal(err)
	}
	return start(t, db)
}

// storedOrder is the order row as the metrics and the order panel read it.
type storedOrder struct {
	Name, Status, Currency, Channel, Code, Category, SKU, Country, Carrier, Tags string
	Placed, Revenue, Discounts, Shipping                                         int64
	Fulfilled, Delivered, Cancelled                                              *int64
	Lines                                                                        int
}

func shopifyOrderRow(t *testing.T, db *store.DB, externalID string) storedOrder {
	t.Helper()
	var o storedOrder
	err := db.QueryRow(context.Background(), `SELECT name, status, currency, sales_channel, discount_code, category, sku, country, carrier, tags,
		placed_at, item_revenue, discounts, shipping_charged, fulfilled_at, delivered_at, cancelled_at,
		(SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) FROM orders o WHERE external_id = ?`, externalID).
		Scan(&o.Name, &o.Status, &o.Currency, &o.Channel, &o.Code, &o.Category, &o.SKU, &o.Country, &o.Carrier, &o.Tags,
			&o.Placed, &o.Revenue, &o.Discounts, &o.Shipping, &o.Fulfilled, &o.Delivered, &o.Cancelled, &o.Lines)
	if err != nil {
		t.Fatalf("order %s: %v", externalID, err)
	}
	return o
}

type shopifyEvent struct {
	Kind   string
	At     time.Time
	Detail string
}

func shopifyEvents(t *testing.T, db *store.DB) []shopifyEvent {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT kind, at, detail FROM fulfillment_events ORDER BY at, kind`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []shopifyEvent
	for rows.Next() {
		var e shopifyEvent
		var at int64
		if err := rows.Scan(&e.Kind, &at, &e.Detail); err != nil {
			t.Fatal(err)
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out
}

// shopifyCounts is the number of rows of every table Shopify writes.
func shopifyCounts(a *app) map[string]int {
	out := map[string]int{}
	for _, t := range []string{"orders", "order_lines", "fulfillment_events", "returns", "customers", "customer_identities", "shopify_objects", "shopify_webhooks"} {
		out[t] = a.count(t)
	}
	return out
}

func sameCounts(t *testing.T, before, after map[string]int, what string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed %s: %d rows, was %d", what, k, after[k], v)
		}
	}
}

func unix(s string) int64 {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

// TestShopifyWebhookFixtures posts each real body, signed, and checks the
// exact rows it leaves.
func TestShopifyWebhookFixtures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := startShopify(t, db)
		order := shopifyBody(t, "shopify_python_api/order.json", "order")

		r := a.shopifyPost("orders/create", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", order, nil)
		if r.status != 200 {
			t.Fatalf("orders/create: %d %s", r.status, r.body)
		}
		got := shopifyOrderRow(t, db, "450789469")
		want := storedOrder{Name: "#1001", Status: "placed", Currency: "USD", Channel: "web", Code: "TENOFF", SKU: "IPOD2008GREEN",
			Country: "US", Placed: unix("2008-01-10T11:00:00-05:00"), Revenue: 59700, Lines: 3}
		if !sameOrder(got, want) {
			t.Errorf("order #1001\n got %+v\nwant %+v", got, want)
		}
		// Its one fulfilment failed: an exception, and no carrier, since it
		// names no tracking company (the shipping rate "Free Shipping" is
		// not one).
		wantEvents := []shopifyEvent{{"exception", time.Date(2014, 1, 22, 20, 58, 27, 0, time.UTC),
			"tracking 1Z2345 http://wwwapps.ups.com/etracking/tracking.cgi?InquiryNumber1=1Z2345&TypeOfInquiryNumber=T&AcceptUPSLicenseAgreement=yes&submit=Track (failure)"}}
		if ev := shopifyEvents(t, db); !equalEvents(ev, wantEvents) {
			t.Errorf("events %+v, want %+v", ev, wantEvents)
		}
		var customer int64
		var name string
		if err := db.QueryRow(context.Background(), `SELECT c.id, c.name FROM customers c JOIN customer_identities i ON i.customer_id = c.id
			WHERE i.kind = 'shopify' AND i.value = '207119551'`).Scan(&customer, &name); err != nil || name != "Bob Norman" {
			t.Fatalf("Shopify customer 207119551: %v %q", err, name)
		}
		var byEmail int64
		db.QueryRow(context.Background(), `SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = 'bob.norman@hostmail.com'`).Scan(&byEmail)
		if byEmail != customer {
			t.Errorf("the email belongs to customer %d, the Shopify id to %d", byEmail, customer)
		}

		// The fulfilment fixture is the same fulfilment (255858046) as of
		// 2013, older than the order's copy of 2014: it changes nothing.
		before := shopifyCounts(a)
		fulfilment := shopifyBody(t, "shopify_python_api/fulfillment.json", "fulfillment")
		r = a.shopifyPost("fulfillments/create", "f-1", fulfilment, nil)
		if v := r.json(t); r.status != 200 || v["created"] != 0.0 || v["updated"] != 0.0 {
			t.Fatalf("older fulfilment: %d %s", r.status, r.body)
		}
		if got := shopifyOrderRow(t, db, "450789469"); got.Carrier != "" {
			t.Errorf("an older fulfilment set the carrier to %q", got.Carrier)
		}
		before["shopify_objects"]++ // the fulfilment is kept
		before["shopify_webhooks"]++
		sameCounts(t, before, shopifyCounts(a), "an older fulfilment")

		// The same fulfilment once the carrier reports it delivered: newer,
		// so its tracking company becomes the carrier and its delivery
		// the order's.
		delivered := bytes.Replace(fulfilment, []byte(`"updated_at": "2013-11-01T16:06:08-04:00"`), []byte(`"updated_at": "2014-02-03T09:30:00-05:00"`), 1)
		delivered = bytes.Replace(delivered, []byte(`"service": "manual",`), []byte(`"service": "manual", "shipment_status": "delivered",`), 1)
		r = a.shopifyPost("fulfillments/update", "f-2", delivered, nil)
		if r.status != 200 {
			t.Fatalf("fulfillments/update: %d %s", r.status, r.body)
		}
		got = shopifyOrderRow(t, db, "450789469")
		deliveredAt := unix("2014-02-03T09:30:00-05:00")
		if got.Carrier != "null-company" || got.Delivered == nil || *got.Delivered != deliveredAt || got.Status != "placed" {
			t.Errorf("after delivery: carrier %q, delivered %v, status %s; want null-company, %d, placed", got.Carrier, got.Delivered, got.Status, deliveredAt)
		}
		detail := "null-company tracking 1Z2345 http://www.google.com/search?q=1Z2345 (delivered)"
		wantEvents = []shopifyEvent{
			{"fulfilled", time.Date(2013, 11, 1, 20, 6, 8, 0, time.UTC), detail},
			wantEvents[0],
			{"delivered", time.Date(2014, 2, 3, 14, 30, 0, 0, time.UTC), detail},
		}
		if ev := shopifyEvents(t, db); !equalEvents(ev, wantEvents) {
			t.Errorf("events\n got %+v\nwant %+v", ev, wantEvents)
		}

		// The refund becomes the order's return: the money of its refund
		// transactions, on the day of the refund.
		r = a.shopifyPost("refunds/create", "r-1", shopifyBody(t, "shopify_python_api/refund.json", "refund"), nil)
		if r.status != 200 {
			t.Fatalf("refunds/create: %d %s", r.status, r.body)
		}
		var ext, reason string
		var at, amount int64
		if err := db.QueryRow(context.Background(), `SELECT r.external_id, r.returned_at, r.refund_amount, r.reason FROM returns r JOIN orders o ON o.id = r.order_id WHERE o.external_id = '450789469'`).
			Scan(&ext, &at, &amount, &reason); err != nil {
			t.Fatal(err)
		}
		if ext != "450789469-refund" || at != unix("2016-06-20T13:35:06-04:00") || amount != 20900 || reason != "refunded in Shopify: it broke during shipping" {
			t.Errorf("return %s at %d of %d (%q)", ext, at, amount, reason)
		}

		// The customer topic names the same person: no new customer.
		nCustomers := a.count("customers")
		r = a.shopifyPost("customers/update", "c-1", shopifyBody(t, "shopify_python_api/customer.json", "customer"), nil)
		if r.status != 200 || a.count("customers") != nCustomers {
			t.Errorf("customers/update: %d %s; customers %d, was %d", r.status, r.body, a.count("customers"), nCustomers)
		}
	})
}

func sameOrder(a, b storedOrder) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Name == b.Name && a.Status == b.Status && a.Currency == b.Currency && a.Channel == b.Channel && a.Code == b.Code &&
		a.Category == b.Category && a.SKU == b.SKU && a.Country == b.Country && a.Carrier == b.Carrier && a.Tags == b.Tags &&
		a.Placed == b.Placed && a.Revenue == b.Revenue && a.Discounts == b.Discounts && a.Shipping == b.Shipping &&
		eq(a.Fulfilled, b.Fulfilled) && eq(a.Delivered, b.Delivered) && eq(a.Cancelled, b.Cancelled) && a.Lines == b.Lines
}

func equalEvents(a, b []shopifyEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || !a[i].At.Equal(b[i].At) || a[i].Detail != b[i].Detail {
			return false
		}
	}
	return true
}

// A product type is the line's category and the order's; a fulfilled
// order is fulfilled when its last fulfilment was made.
func TestShopifyWebhookCategoryAndFulfilled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := startShopify(t, db)
		order := shopifyBody(t, "shopify_python_api/order.json", "order")
		// Shopify sends product_type on line items where the API version
		// has it; the fixture predates it.
		order = bytes.ReplaceAll(order, []byte(`"sku": "IPOD2008RED",`), []byte(`"sku": "IPOD2008RED", "product_type": "Music players",`))
		order = bytes.Replace(order, []byte(`"fulfillment_status": null,
    "gateway"`), []byte(`"fulfillment_status": "fulfilled",
    "gateway"`), 1)
		order = bytes.Replace(order, []byte(`"status": "failure",
        "tracking_company": null,`), []byte(`"status": "success",
        "tracking_company": "UPS",`), 1)
		if r := a.shopifyPost("orders/fulfilled", "", order, nil); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		got := shopifyOrderRow(t, db, "450789469")
		fulfilled := unix("2014-01-22T15:58:27-05:00")
		if got.Category != "Music players" || got.Carrier != "UPS" || got.Status != "fulfilled" || got.Fulfilled == nil || *got.Fulfilled != fulfilled {
			t.Errorf("got %+v; want category Music players, carrier UPS, fulfilled at %d", got, fulfilled)
		}
		var category string
		db.QueryRow(context.Background(), `SELECT category FROM order_lines WHERE line_key = 'IPOD2008RED'`).Scan(&category)
		if category != "Music players" {
			t.Errorf("line IPOD2008RED category %q", category)
		}
	})
}

// A wrong signature, a changed byte, a repeated webhook id and a body
// that does not read all leave every table as it was.
func TestShopifyWebhookRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := startShopify(t, db)
		order := shopifyBody(t, "shopify_python_api/order.json", "order")
		if r := a.shopifyPost("orders/create", "w-1", order, nil); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		before := shopifyCounts(a)

		// One byte changed after signing: #1001 becomes #1002.
		sig := shopifySign(order, shopifySecret)
		tampered := bytes.Replace(order, []byte(`"#1001"`), []byte(`"#1002"`), 1)
		if r := a.shopifyPost("orders/updated", "w-2", tampered, &sig); r.status != 401 {
			t.Errorf("tampered body: %d %s, want 401", r.status, r.body)
		}
		empty := ""
		if r := a.shopifyPost("orders/updated", "w-3", order, &empty); r.status != 401 {
			t.Errorf("no signature: %d, want 401", r.status)
		}
		other := shopifySign(order, "another-secret")
		if r := a.shopifyPost("orders/updated", "w-4", order, &other); r.status != 401 {
			t.Errorf("other secret: %d, want 401", r.status)
		}
		sameCounts(t, before, shopifyCounts(a), "refused signatures")
		if got := shopifyOrderRow(t, db, "450789469"); got.Name != "#1001" {
			t.Errorf("the tampered name was stored: %q", got.Name)
		}

		// The same webhook id again, even with a newer body: 200, nothing.
		newer := bytes.Replace(order, []byte(`"updated_at": "2008-01-10T11:00:00-05:00"`), []byte(`"updated_at": "2008-01-12T11:00:00-05:00"`), 1)
		newer = bytes.Replace(newer, []byte(`"total_tax"`), []byte(`"tags": "vip", "total_tax"`), 1)
		r := a.shopifyPost("orders/updated", "w-1", newer, nil)
		if r.status != 200 || r.json(t)["duplicate"] != true {
			t.Errorf("repeated webhook id: %d %s", r.status, r.body)
		}
		sameCounts(t, before, shopifyCounts(a), "a repeated webhook id")
		if got := shopifyOrderRow(t, db, "450789469"); got.Tags != "" {
			t.Errorf("a repeated webhook changed tags to %q", got.Tags)
		}

		// Malformed: not JSON, and a quantity that is text. 400 naming
		// the field; nothing stored (not even the webhook id).
		if r := a.shopifyPost("orders/updated", "w-5", []byte(`{"id": 450789469, "line_items": [`), nil); r.status != 400 {
			t.Errorf("cut-off JSON: %d %s", r.status, r.body)
		}
		bad := bytes.Replace(newer, []byte(`"quantity": 1,`), []byte(`"quantity": "one",`), 1)
		r = a.shopifyPost("orders/updated", "w-6", bad, nil)
		if r.status != 400 || !strings.Contains(string(r.body), "line_items.quantity") {
			t.Errorf("text quantity: %d %s, want 400 naming line_items.quantity", r.status, r.body)
		}
		bad = bytes.Replace(newer, []byte(`"price": "199.00"`), []byte(`"price": "1 99"`), 1)
		r = a.shopifyPost("orders/updated", "w-7", bad, nil)
		if r.status != 400 || !strings.Contains(string(r.body), "line_items[0].price") {
			t.Errorf("bad price: %d %s, want 400 naming line_items[0].price", r.status, r.body)
		}
		sameCounts(t, before, shopifyCounts(a), "malformed bodies")

		// A topic Quietdesk does not take: 200, so Shopify keeps the
		// endpoint; only the webhook id is recorded.
		r = a.shopifyPost("products/update", "w-8", []byte(`{"id": 632910392}`), nil)
		if r.status != 200 || r.json(t)["ignored"] == nil {
			t.Errorf("unknown topic: %d %s", r.status, r.body)
		}
		before["shopify_webhooks"]++
		sameCounts(t, before, shopifyCounts(a), "an unknown topic")
	})
}

// An older orders/updated after a newer one changes nothing.
func TestShopifyWebhookOutOfOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := startShopify(t, db)
		order := shopifyBody(t, "shopify_python_api/order.json", "order")
		newer := bytes.Replace(order, []byte(`"updated_at": "2008-01-10T11:00:00-05:00"`), []byte(`"updated_at": "2008-01-12T11:00:00-05:00"`), 1)
		newer = bytes.Replace(newer, []byte(`"cancelled_at": null`), []byte(`"cancelled_at": "2008-01-12T10:00:00-05:00"`), 1)
		newer = bytes.Replace(newer, []byte(`"total_tax"`), []byte(`"tags": "vip, fraud-check", "total_tax"`), 1)
		if r := a.shopifyPost("orders/cancelled", "n-1", newer, nil); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r := a.shopifyPost("orders/create", "n-2", order, nil)
		if r.status != 200 || r.json(t)["ignored"] != "older than the version already stored" {
			t.Errorf("older order: %d %s", r.status, r.body)
		}
		got := shopifyOrderRow(t, db, "450789469")
		if got.Status != "cancelled" || got.Tags != "vip, fraud-check" || got.Cancelled == nil || *got.Cancelled != unix("2008-01-12T10:00:00-05:00") {
			t.Errorf("the older update won: %+v", got)
		}
	})
}

// A fulfilment that arrives before its order waits for it.
func TestShopifyWebhookFulfilmentBeforeOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := startShopify(t, db)
		f := shopifyBody(t, "shopify_python_api/fulfillment.json", "fulfillment")
		f = bytes.Replace(f, []byte(`"updated_at": "2013-11-01T16:06:08-04:00"`), []byte(`"updated_at": "2014-02-03T09:30:00-05:00"`), 1)
		r := a.shopifyPost("fulfillments/create", "e-1", f, nil)
		if r.status != 200 || r.json(t)["waiting_for_order"] != true || a.count("orders") != 0 {
			t.Fatalf("early fulfilment: %d %s", r.status, r.body)
		}
		if r := a.shopifyPost("orders/create", "e-2", shopifyBody(t, "shopify_python_api/order.json", "order"), nil); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if got := shopifyOrderRow(t, db, "450789469"); got.Carrier != "null-company" {
			t.Errorf("carrier %q, want the waiting fulfilment's null-company", got.Carrier)
		}
	})
}

// Without a secret the store takes no webhook.
func TestShopifyWebhookNeedsASecret(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	a := start(t, db)
	order := shopifyBody(t, "shopify_python_api/order.json", "order")
	if r := a.shopifyPost("orders/create", "", order, nil); r.status != 401 || a.count("orders") != 0 {
		t.Errorf("no secret: %d %s", r.status, r.body)
	}
}

// BenchmarkShopifyWebhook is one signed orders/updated delivery over HTTP,
// end to end, on SQLite: each a new webhook id for the same order, so the
// work is the verify, the duplicate check, the ordering check and the
// mapping of an unchanged order.
func BenchmarkShopifyWebhook(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	if err := db.SetSetting(context.Background(), "shopify.webhook_secret", shopifySecret); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(shopifyFixtures + "shopify_python_api/order.json")
	if err != nil {
		b.Fatal(err)
	}
	var top map[string]json.RawMessage
	json.Unmarshal(data, &top)
	body := []byte(top["order"])
	sig := shopifySign(body, shopifySecret)
	// A clock a second further on at every reading, so that the per-source
	// limit never holds the loop back.
	var ticks atomic.Int64
	srv := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time {
		return clocktest.Default.Add(time.Duration(ticks.Add(1)) * time.Second)
	})
	addr, err := srv.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest("POST", "http://"+addr+"/webhooks/shopify", bytes.NewReader(body))
		req.Header.Set("X-Shopify-Topic", "orders/updated")
		req.Header.Set("X-Shopify-Hmac-Sha256", sig)
		req.Header.Set("X-Shopify-Webhook-Id", fmt.Sprint("bench-", i))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
