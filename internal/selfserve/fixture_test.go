package selfserve_test

import (
	"context"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/store"
)

// now is the tests' today: Monday 2026-11-23.
var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func day(d string) time.Time {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// shop stores the hand-made orders every test reads:
//
//	#1001 ana, delivered 2026-11-05 by UPS: inside a 30-day window
//	#1002 ana, delivered 2026-09-05: outside it
//	#1003 ana, placed 2026-11-20, not shipped: may be cancelled
//	#1004 bob, delivered, already returned in the shop
//	#1005 a customer known by phone alone, shipped
func shop(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	ana := commerce.CustomerRef{ExternalID: "c-ana", Email: "Ana@Example.com", Phone: "+15551230001", Name: "Ana"}
	bob := commerce.CustomerRef{ExternalID: "c-bob", Email: "bob@example.com"}
	cy := commerce.CustomerRef{ExternalID: "c-cy", Phone: "+15551230003"}
	orders := []commerce.Order{
		{ExternalID: "5001", Name: "#1001", Customer: ana, PlacedAt: day("2026-11-01"), Status: "fulfilled", FulfilledAt: ptr(day("2026-11-03")),
			DeliveredAt: ptr(day("2026-11-05").Add(14 * time.Hour)), PromisedDeliveryAt: ptr(day("2026-11-06")), Carrier: "UPS",
			Lines: []commerce.OrderLine{
				{LineKey: "TEE-M", SKU: "TEE-M", Product: "Blue tee", Category: "Apparel", Quantity: 2, UnitPrice: 1999},
				{LineKey: "GC-50", SKU: "GC-50", Product: "Gift card", Category: "Gift cards", Quantity: 1, UnitPrice: 5000},
				{LineKey: "SOCK-1", SKU: "SOCK-1", Product: "Socks", Category: "Underwear", Quantity: 1, UnitPrice: 900},
			}},
		{ExternalID: "5002", Name: "#1002", Customer: ana, PlacedAt: day("2026-09-01"), Status: "fulfilled", FulfilledAt: ptr(day("2026-09-02")),
			DeliveredAt: ptr(day("2026-09-05")), Lines: []commerce.OrderLine{{LineKey: "MUG", SKU: "MUG", Product: "Mug", Quantity: 1, UnitPrice: 1200}}},
		{ExternalID: "5003", Name: "#1003", Customer: ana, PlacedAt: day("2026-11-20"), Status: "placed",
			Lines: []commerce.OrderLine{{LineKey: "CAP", SKU: "CAP", Product: "Cap", Quantity: 1, UnitPrice: 1500}}},
		{ExternalID: "5004", Name: "#1004", Customer: bob, PlacedAt: day("2026-11-02"), Status: "fulfilled", FulfilledAt: ptr(day("2026-11-03")),
			DeliveredAt: ptr(day("2026-11-06")), Lines: []commerce.OrderLine{{LineKey: "HAT", SKU: "HAT", Product: "Hat", Quantity: 1, UnitPrice: 2500}}},
		{ExternalID: "5005", Name: "#1005", Customer: cy, PlacedAt: day("2026-11-10"), Status: "fulfilled", FulfilledAt: ptr(day("2026-11-11")),
			Lines: []commerce.OrderLine{{LineKey: "BAG", SKU: "BAG", Product: "Bag", Quantity: 1, UnitPrice: 4000}}},
	}
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, _, err := commerce.UpsertOrders(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), orders); err != nil {
			return err
		}
		if _, err := commerce.AddFulfillmentEvents(ctx, tx, []commerce.FulfillmentEvent{
			{OrderExternalID: "5001", Kind: "fulfilled", At: day("2026-11-03").Add(9 * time.Hour), Detail: "UPS tracking 1Z999AA10123456784 https://ups.example/track/1Z999AA10123456784"},
			{OrderExternalID: "5001", Kind: "delivered", At: day("2026-11-05").Add(14 * time.Hour), Detail: "UPS tracking 1Z999AA10123456784 https://ups.example/track/1Z999AA10123456784"},
		}); err != nil {
			return err
		}
		_, err := commerce.UpsertReturns(ctx, tx, []commerce.Return{{ExternalID: "r-5004", OrderExternalID: "5004", ReturnedAt: day("2026-11-12"), RefundAmount: 2500}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// count returns the rows of a query's COUNT(*).
func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
