package shopify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/shopify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const resaved = "../../testdata/exports/shopify_orders_resaved.csv"

func fixture(t *testing.T, file, key string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	return top[key]
}

func one(t *testing.T, db *store.DB, query string, dest ...any) {
	t.Helper()
	if err := db.QueryRow(context.Background(), query).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func receive(t *testing.T, db *store.DB, topic string, body []byte) shopify.Outcome {
	t.Helper()
	var out shopify.Outcome
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		out, err = shopify.Receive(context.Background(), tx, ingest.NewEnv(clocktest.Clock()), shopify.Delivery{Topic: topic, Body: body, At: clocktest.Default})
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", topic, err)
	}
	return out
}

// The export's "Shipping Method" is a shipping rate ("Standard", "Free
// shipping over 100", "Pickup in store - Lyon"), not a carrier: the CSV
// import leaves carrier empty.
func TestShopifyCSVCarrierIsNotTheShippingRate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := ingest.ImportFile(context.Background(), db, resaved, ingest.Options{Now: clocktest.Clock(), Kind: "orders"}); err != nil {
			t.Fatal(err)
		}
		var orders, withCarrier int
		one(t, db, `SELECT COUNT(*), COUNT(CASE WHEN carrier <> '' THEN 1 END) FROM orders`, &orders, &withCarrier)
		if orders != 5 || withCarrier != 0 {
			t.Errorf("%d orders, %d with a carrier; want 5, none", orders, withCarrier)
		}
	})
}

// An order imported from the CSV export and then sent by a webhook is one
// order (the same external id, Shopify's numeric id), and its refunds one
// return (the same return id), now with the fulfilment's carrier.
func TestShopifyCSVThenWebhookAgree(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if _, err := ingest.ImportFile(context.Background(), db, resaved, ingest.Options{Now: clocktest.Clock(), Kind: "orders"}); err != nil {
			t.Fatal(err)
		}
		var rowID int64
		one(t, db, `SELECT id FROM orders WHERE external_id = '6701345001003'`, &rowID)

		// The fixture order, as Shopify would send #2003.
		order := fixture(t, "shopify_python_api/order.json", "order")
		for _, r := range [][2]string{
			{`"id": 450789469`, `"id": 6701345001003`}, {`"order_id": 450789469`, `"order_id": 6701345001003`},
			{`"#1001"`, `"#2003"`}, {`"currency": "USD"`, `"currency": "EUR"`},
			{`"created_at": "2008-01-10T11:00:00-05:00"`, `"created_at": "2025-05-20T19:47:00+02:00"`},
			{`"updated_at": "2008-01-10T11:00:00-05:00"`, `"updated_at": "2025-05-22T10:00:00+02:00"`},
			{`"status": "failure"`, `"status": "success"`}, {`"tracking_company": null`, `"tracking_company": "DHL"`},
		} {
			order = bytes.ReplaceAll(order, []byte(r[0]), []byte(r[1]))
		}
		if out := receive(t, db, "orders/updated", order); out.Updated == 0 {
			t.Errorf("the webhook updated nothing: %+v", out)
		}
		refund := bytes.ReplaceAll(fixture(t, "shopify_python_api/refund.json", "refund"), []byte(`"order_id": 450789469`), []byte(`"order_id": 6701345001003`))
		receive(t, db, "refunds/create", refund)

		var orders, returns int
		var id, refunded int64
		var name, carrier string
		one(t, db, `SELECT COUNT(*) FROM orders`, &orders)
		one(t, db, `SELECT id, name, carrier FROM orders WHERE external_id = '6701345001003'`, &id, &name, &carrier)
		one(t, db, `SELECT COUNT(*), SUM(refund_amount) FROM returns`, &returns, &refunded)
		if orders != 5 || id != rowID || name != "#2003" || carrier != "DHL" {
			t.Errorf("%d orders; #2003 is row %d (was %d), name %q, carrier %q", orders, id, rowID, name, carrier)
		}
		if returns != 1 || refunded != 20900 {
			t.Errorf("%d returns refunding %d cents; want the export's one return, now 209.00", returns, refunded)
		}
	})
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":450789469}`)
	// base64(HMAC-SHA256(body, "secret")), computed with Python's hmac module.
	const want = "h9RP0zLdKp2jdbCw/VN71ABvBJSspGMCzqHzNfZaGTI="
	if !shopify.Verify(body, "secret", want) {
		t.Errorf("the signature Shopify would send does not verify")
	}
	for _, c := range []struct{ body, secret, sig string }{
		{`{"id":450789468}`, "secret", want}, {string(body), "Secret", want}, {string(body), "", want},
		{string(body), "secret", ""}, {string(body), "secret", "not base64!"},
	} {
		if shopify.Verify([]byte(c.body), c.secret, c.sig) {
			t.Errorf("%q with secret %q and signature %q verified", c.body, c.secret, c.sig)
		}
	}
}

// A refund before its order waits for it, checked first: one that could
// never be stored is refused at once, naming the field.
func TestShopifyRefundBeforeOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		refund := fixture(t, "shopify_python_api/refund.json", "refund")
		bad := bytes.Replace(refund, []byte(`"amount": "209.00"`), []byte(`"amount": "two hundred"`), 1)
		err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
			_, err := shopify.Receive(context.Background(), tx, ingest.NewEnv(clocktest.Clock()), shopify.Delivery{ID: "x", Topic: "refunds/create", Body: bad, At: clocktest.Default})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "transactions[0].amount") {
			t.Errorf("a bad refund amount: %v", err)
		}
		if out := receive(t, db, "refunds/create", refund); !out.Waiting {
			t.Errorf("a refund before its order: %+v", out)
		}
		receive(t, db, "orders/create", fixture(t, "shopify_python_api/order.json", "order"))
		var n int
		var amount int64
		one(t, db, `SELECT COUNT(*), SUM(refund_amount) FROM returns WHERE external_id = '450789469-refund'`, &n, &amount)
		if n != 1 || amount != 20900 {
			t.Errorf("%d returns of %d cents, want the waiting refund's 209.00", n, amount)
		}
		var webhooks int
		one(t, db, `SELECT COUNT(*) FROM shopify_webhooks`, &webhooks)
		if webhooks != 0 {
			t.Errorf("the refused delivery's id was kept")
		}
	})
}

// customers/create makes the customer, with each of their identifiers.
func TestShopifyCustomerCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		receive(t, db, "customers/create", fixture(t, "shopify_python_api/customer.json", "customer"))
		var customers int
		var name string
		one(t, db, `SELECT COUNT(*) FROM customers`, &customers)
		one(t, db, `SELECT c.name FROM customers c JOIN customer_identities i ON i.customer_id = c.id WHERE i.kind = 'shopify' AND i.value = '207119551'`, &name)
		var ids int
		one(t, db, `SELECT COUNT(*) FROM customer_identities WHERE kind IN ('shopify', 'email')`, &ids)
		if customers != 1 || name != "Bob Norman" || ids != 2 {
			t.Errorf("%d customers, name %q, %d identities; want 1, Bob Norman, 2", customers, name, ids)
		}
	})
}
