package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
)

func TestReturnsCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		r := mustRun(t, "returns", "policy", "--db", dsn)
		if !strings.Contains(r.stdout, "returns.window_days=30\n") || !strings.Contains(r.stdout, "returns.cancel_before_shipping=true\n") {
			t.Fatalf("default policy:\n%s", r.stdout)
		}
		if r := run(t, "returns", "policy", "--set", "returns.window_days=14", "--set", "returns.shipping_paid_by=nobody", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "returns.shipping_paid_by") {
			t.Fatalf("bad value: %+v", r)
		}
		if r := mustRun(t, "returns", "policy", "--db", dsn); !strings.Contains(r.stdout, "returns.window_days=30\n") {
			t.Fatalf("half-saved:\n%s", r.stdout)
		}
		r = mustRun(t, "returns", "policy", "--set", "returns.window_days=14", "--set", "returns.excluded=Gift cards, sku:GC-", "--db", dsn)
		if !strings.Contains(r.stdout, "returns.window_days=14\n") || !strings.Contains(r.stdout, "returns.excluded=Gift cards, sku:GC-\n") {
			t.Fatalf("set:\n%s", r.stdout)
		}
		// quietdesk settings knows the keys too, with their checks.
		if r := run(t, "settings", "set", "returns.window_days", "x", "--db", dsn); r.code != 1 {
			t.Errorf("settings set with a bad value: %+v", r)
		}

		ctx := context.Background()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		placed, delivered := now.AddDate(0, 0, -40), now.AddDate(0, 0, -35)
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, _, err := commerce.UpsertOrders(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), []commerce.Order{{ExternalID: "7001", Name: "#7001",
				Customer: commerce.CustomerRef{Email: "ana@example.com"}, PlacedAt: placed, Status: "fulfilled", FulfilledAt: &placed, DeliveredAt: &delivered,
				Lines: []commerce.OrderLine{{SKU: "TEE", Product: "Tee", Quantity: 1, UnitPrice: 100}}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		c := selfserve.Claims{Order: "#7001", Address: selfserve.EmailAddress("ana@example.com")}
		if _, err := selfserve.Submit(ctx, db, c, selfserve.RequestInput{Kind: "return", Lines: []selfserve.LineQuantity{{Key: "TEE", Quantity: 1}}}, now); err != nil {
			t.Fatal(err)
		}
		db.Close()
		list := mustRun(t, "returns", "requests", "--status", "refused", "--db", dsn)
		if !strings.Contains(list.stdout, "#7001") || !strings.Contains(list.stdout, "outside_window") || !strings.Contains(list.stdout, "1×TEE") {
			t.Errorf("requests:\n%s", list.stdout)
		}
		var got []selfserve.Request
		js := mustRun(t, "returns", "requests", "--status", "requested", "--json", "--db", dsn)
		if err := json.Unmarshal([]byte(js.stdout), &got); err != nil || len(got) != 0 {
			t.Errorf("requested: %s (%v)", js.stdout, err)
		}
		if r := run(t, "returns", "requests", "--status", "lost", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "status") {
			t.Errorf("bad status: %+v", r)
		}
	})
}
