package shopifysync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/connect"
	"quietdesk/internal/shopifysync"
	"quietdesk/internal/shopifysync/fakeshop"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var day = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func init() { shopifysync.PollInterval = 5 * time.Millisecond }

func fixture(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// realBulkAnswers puts the recorded bulk-operation bodies in the way of
// the polls: RUNNING once, then COMPLETED. The RUNNING body was recorded
// from currentBulkOperation with an id placeholder; the poll asks
// node(id:), so the test renames data.currentBulkOperation to data.node
// and fills in the id. The COMPLETED body's "url" is empty in the
// recording; the test sets it to the fake's JSONL file.
func realBulkAnswers(t testing.TB, shop *fakeshop.Shop) {
	running := bytes.Replace(fixture(t, "ALAppExtensions/BulkOperationRunningResult.txt"), []byte(`"currentBulkOperation"`), []byte(`"node"`), 1)
	running = bytes.Replace(running, []byte("%1"), []byte("7749099028786"), 1)
	completed := fixture(t, "ALAppExtensions/BulkOperationCompletedResult.txt")
	polls := 0
	shop.Hook = func(kind string, vars map[string]any) *fakeshop.Answer {
		if kind != "poll" {
			return nil
		}
		polls++
		if polls == 1 {
			return &fakeshop.Answer{Body: running}
		}
		return &fakeshop.Answer{Body: bytes.Replace(completed, []byte(`"url": ""`), []byte(`"url": "`+shop.FileURL()+`"`), 1)}
	}
}

func connectShop(t testing.TB, db *store.DB, s *connect.Sealer, shop *fakeshop.Shop, token string) {
	t.Helper()
	if err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		_, err := connect.Create(context.Background(), tx, s, "shop", "shopify",
			map[string]string{"shop": "quietdesk-test.myshopify.com", "endpoint": shop.URL()}, map[string]string{"access_token": token}, day)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func assertStored(t *testing.T, db *store.DB, want fakeshop.Counts) {
	t.Helper()
	got := fakeshop.Counts{
		Orders:  count(t, db, `SELECT COUNT(*) FROM orders`),
		Lines:   count(t, db, `SELECT COUNT(*) FROM order_lines`),
		Events:  count(t, db, `SELECT COUNT(*) FROM fulfillment_events`),
		Returns: count(t, db, `SELECT COUNT(*) FROM returns`),
	}
	if got != want {
		t.Fatalf("stored %+v, the shop has %+v", got, want)
	}
	if d := count(t, db, `SELECT COUNT(DISTINCT external_id) FROM orders`); d != want.Orders {
		t.Fatalf("%d distinct order ids for %d orders", d, want.Orders)
	}
}

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestShopifyBackfillStoresExactlyTheShopsOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		orders, want := fakeshop.Generate(1234, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
		shop := fakeshop.New("shpat_good", orders)
		defer shop.Close()
		shop.Cost = costOf(t)
		realBulkAnswers(t, shop)
		s, _ := connect.ParseKey(connect.NewKey())
		connectShop(t, db, s, shop, "shpat_good")

		c, err := connect.Sync(ctx, db, s, "shop", at(day), nil, connect.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.State != connect.StateCurrent || c.Phase != "incremental" || c.BackfilledAt == nil || c.Done != 1234 {
			t.Fatalf("after the backfill: %+v", c)
		}
		assertStored(t, db, want)
		// The first order, as Shopify sent it: lines, carrier, delivery, customer.
		var name, carrier, country string
		var delivered *int64
		if err := db.QueryRow(ctx, `SELECT name, carrier, country, delivered_at FROM orders WHERE external_id = '5000000001'`).Scan(&name, &carrier, &country, &delivered); err != nil {
			t.Fatal(err)
		}
		if name != "#1001" || carrier != "UPS" || country != "US" || delivered == nil || *delivered != time.Date(2026, 1, 7, 8, 0, 0, 0, time.UTC).Unix() {
			t.Fatalf("order 5000000001: %q %q %q %v", name, carrier, country, delivered)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM customer_identities WHERE kind = 'shopify'`); n == 0 {
			t.Fatal("no Shopify customer identity stored")
		}
		kinds := strings.Join(shop.Kinds(), " ")
		if kinds != "run poll poll poll poll orders" {
			t.Fatalf("requests: %s", kinds)
		}
		// Syncing again changes nothing.
		if _, err := connect.Sync(ctx, db, s, "shop", at(day.Add(10*time.Minute)), nil, connect.SyncOptions{}); err != nil {
			t.Fatal(err)
		}
		assertStored(t, db, want)
	})
}

// costOf is the recorded extensions.cost of a real answer.
func costOf(t testing.TB) json.RawMessage {
	var body struct {
		Extensions struct {
			Cost json.RawMessage `json:"cost"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(fixture(t, "shopify_graphql/product.json"), &body); err != nil {
		t.Fatal(err)
	}
	return body.Extensions.Cost
}

func backfilled(t *testing.T, db *store.DB, n int) (*fakeshop.Shop, *connect.Sealer, []fakeshop.Order, fakeshop.Counts) {
	t.Helper()
	orders, want := fakeshop.Generate(n, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	shop := fakeshop.New("shpat_good", orders)
	t.Cleanup(shop.Close)
	shop.Cost = costOf(t)
	s, _ := connect.ParseKey(connect.NewKey())
	connectShop(t, db, s, shop, "shpat_good")
	if _, err := connect.Sync(context.Background(), db, s, "shop", at(day), nil, connect.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	assertStored(t, db, want)
	return shop, s, orders, want
}

func TestShopifyIncrementalPicksUpAnUpdatedOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shop, s, orders, want := backfilled(t, db, 60)
		// Order #1003 (index 2, in transit) is delivered and refunded later.
		o := orders[2]
		o["updatedAt"] = "2026-11-23T10:03:00Z"
		f := o["fulfillments"].([]any)[0].(map[string]any)
		f["displayStatus"], f["deliveredAt"] = "DELIVERED", "2026-11-23T10:02:00Z"
		o["refunds"] = []any{map[string]any{"id": "gid://shopify/Refund/99", "createdAt": "2026-11-23T10:03:00Z", "note": "late",
			"totalRefundedSet": map[string]any{"shopMoney": map[string]any{"amount": "5.5", "currencyCode": "USD"}}}}
		shop.SetOrders(orders)
		c, err := connect.Sync(ctx, db, s, "shop", at(day.Add(6*time.Minute)), nil, connect.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want.Events++
		want.Returns++
		assertStored(t, db, want)
		var delivered int64
		var refund int64
		if err := db.QueryRow(ctx, `SELECT o.delivered_at, r.refund_amount FROM orders o JOIN returns r ON r.order_id = o.id WHERE o.external_id = '5000000003'`).Scan(&delivered, &refund); err != nil {
			t.Fatal(err)
		}
		if delivered != time.Date(2026, 11, 23, 10, 2, 0, 0, time.UTC).Unix() || refund != 550 {
			t.Fatalf("order 5000000003: delivered %d, refund %d", delivered, refund)
		}
		if !strings.Contains(cursor(t, db), `"since":"2026-11-23T10:03:00Z"`) || c.State != connect.StateCurrent {
			t.Fatalf("after the incremental sync: %+v, cursor %s", c, cursor(t, db))
		}
	})
}

func cursor(t testing.TB, db *store.DB) string {
	var c string
	if err := db.QueryRow(context.Background(), `SELECT cursor FROM connections WHERE name = 'shop'`).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestShopifyThrottleWaitsAsLongAsTheBucketNeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shop, s, _, _ := backfilled(t, db, 10)
		// The recorded answer with its cost extension, made a throttle: the
		// test drops "data", adds Shopify's THROTTLED error, and sets
		// requestedQueryCost to 502 and currentlyAvailable to 2. At the
		// recorded restoreRate (50 a second) the bucket needs 10 seconds.
		var body map[string]any
		json.Unmarshal(fixture(t, "shopify_graphql/product.json"), &body)
		delete(body, "data")
		body["errors"] = []any{map[string]any{"message": "Throttled", "extensions": map[string]any{"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}}
		cost := body["extensions"].(map[string]any)["cost"].(map[string]any)
		cost["requestedQueryCost"] = 502
		cost["throttleStatus"].(map[string]any)["currentlyAvailable"] = 2
		throttled, _ := json.Marshal(body)
		shop.Hook = func(kind string, _ map[string]any) *fakeshop.Answer {
			if kind == "orders" {
				return &fakeshop.Answer{Body: throttled}
			}
			return nil
		}
		now := day.Add(6 * time.Minute)
		c, err := connect.Sync(ctx, db, s, "shop", at(now), nil, connect.SyncOptions{})
		var wait *connect.WaitError
		if !errors.As(err, &wait) || c.State != connect.StateWaiting || c.NextSyncAt == nil || !c.NextSyncAt.Equal(now.Add(10*time.Second)) || !strings.Contains(c.Reason, "THROTTLED") {
			t.Fatalf("throttled: %+v, %v", c, err)
		}
		// A 429 waits as its Retry-After says.
		shop.Hook = func(kind string, _ map[string]any) *fakeshop.Answer {
			return &fakeshop.Answer{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}, Body: []byte(`{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`)}
		}
		later := now.Add(11 * time.Second)
		c, _ = connect.Sync(ctx, db, s, "shop", at(later), nil, connect.SyncOptions{})
		if c.State != connect.StateWaiting || !c.NextSyncAt.Equal(later.Add(7*time.Second)) {
			t.Fatalf("429: %+v", c)
		}
		shop.Hook = nil
		if err := connect.RunDue(ctx, db, s, at(later.Add(8*time.Second)), nil); err != nil {
			t.Fatal(err)
		}
		if c, _ = connect.Get(ctx, db, "shop"); c.State != connect.StateCurrent {
			t.Fatalf("after the wait: %+v", c)
		}
	})
}

func TestShopifyRevokedTokenStopsAndResumesAfterReconnecting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		orders, want := fakeshop.Generate(1100, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
		shop := fakeshop.New("shpat_good", orders)
		defer shop.Close()
		shop.BulkRunning = 1
		s, _ := connect.ParseKey(connect.NewKey())
		connectShop(t, db, s, shop, "shpat_good")
		// Start, one poll (running), one chunk of 500 orders.
		if _, err := connect.Sync(ctx, db, s, "shop", at(day), nil, connect.SyncOptions{MaxSteps: 3}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 500 {
			t.Fatalf("after one chunk: %d orders", n)
		}
		shop.Token = "shpat_new" // the old token was revoked
		c, err := connect.Sync(ctx, db, s, "shop", at(day), nil, connect.SyncOptions{})
		var stop *connect.StopError
		if !errors.As(err, &stop) || c.State != connect.StateStopped || !strings.Contains(c.Reason, "Shopify refused the access token (401 Unauthorized)") || !strings.Contains(c.Reason, "read_orders") {
			t.Fatalf("revoked: %+v, %v", c, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders`); n != 500 {
			t.Fatalf("stopped with %d orders", n)
		}
		connectShop(t, db, s, shop, "shpat_new")
		c, err = connect.Sync(ctx, db, s, "shop", at(day), nil, connect.SyncOptions{})
		if err != nil || c.State != connect.StateCurrent || c.Done != 1100 {
			t.Fatalf("reconnected: %+v, %v", c, err)
		}
		assertStored(t, db, want)
	})
}

func TestShopifyMalformedPageStopsAndStoresNothingOfIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shop, s, orders, want := backfilled(t, db, 10)
		// A page of two updated orders, the second with a created_at Shopify
		// would never send.
		good, bad := cloneOrder(orders[0]), cloneOrder(orders[1])
		good["updatedAt"], good["name"] = "2026-11-23T10:05:00Z", "#renamed"
		bad["updatedAt"], bad["createdAt"] = "2026-11-23T10:05:00Z", "yesterday"
		shop.SetOrders(append([]fakeshop.Order{good, bad}, orders[2:]...))
		before := cursor(t, db)
		c, err := connect.Sync(ctx, db, s, "shop", at(day.Add(6*time.Minute)), nil, connect.SyncOptions{})
		var stop *connect.StopError
		if !errors.As(err, &stop) || c.State != connect.StateStopped || !strings.Contains(c.Reason, `created_at: "yesterday" is not a time`) {
			t.Fatalf("bad page: %+v, %v", c, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM orders WHERE name = '#renamed'`); n != 0 || cursor(t, db) != before {
			t.Fatalf("the bad page stored %d orders, cursor %s", n, cursor(t, db))
		}
		assertStored(t, db, want)

		// A body that is not JSON stops too.
		shop.SetOrders(orders)
		connectShop(t, db, s, shop, "shpat_good")
		shop.Hook = func(string, map[string]any) *fakeshop.Answer {
			return &fakeshop.Answer{Body: []byte(`<html>maintenance</html>`)}
		}
		c, _ = connect.Sync(ctx, db, s, "shop", at(day.Add(7*time.Minute)), nil, connect.SyncOptions{})
		if c.State != connect.StateStopped || !strings.Contains(c.Reason, "not the Admin API's JSON") {
			t.Fatalf("not JSON: %+v", c)
		}
		// Shopify's own INTERNAL_SERVER_ERROR passes by itself: retried a
		// minute later, the state kept.
		connectShop(t, db, s, shop, "shpat_good")
		internal := fixture(t, "shopify_graphql/server_error.json")
		shop.Hook = func(string, map[string]any) *fakeshop.Answer { return &fakeshop.Answer{Body: internal} }
		now := day.Add(8 * time.Minute)
		c, _ = connect.Sync(ctx, db, s, "shop", at(now), nil, connect.SyncOptions{})
		if c.State != connect.StateCurrent || !strings.Contains(c.Reason, "Internal error") || !c.NextSyncAt.Equal(now.Add(time.Minute)) {
			t.Fatalf("server error: %+v", c)
		}
		assertStored(t, db, want)
	})
}

func cloneOrder(o fakeshop.Order) fakeshop.Order {
	c := fakeshop.Order{}
	for k, v := range o {
		c[k] = v
	}
	return c
}

func TestShopifyConnectionChecksItsConfig(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := connect.ParseKey(connect.NewKey())
		for _, tc := range []struct {
			cfg   map[string]string
			token string
			want  string
		}{
			{map[string]string{"shop": "https://evil.example/"}, "t", "shop:"},
			{map[string]string{"shop": "x.myshopify.com", "endpoint": "ftp://x"}, "t", "endpoint:"},
			{map[string]string{"shop": "x.myshopify.com"}, " ", "access_token: is required"},
		} {
			err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
				_, err := connect.Create(context.Background(), tx, s, "shop", "shopify", tc.cfg, map[string]string{"access_token": tc.token}, day)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: %v", tc.cfg, err)
			}
		}
	})
}
