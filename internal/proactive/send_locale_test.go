package proactive_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// A notice is written in the language of the order's country when the
// rule has a text in it, else in English.
func TestNoticeInTheCustomersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			r := &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, Enabled: true, Templates: []proactive.Template{
				{Channel: "email", Locale: "en", Subject: "Order {{.OrderName}}", Body: "Your order {{.OrderName}} is late."},
				{Channel: "email", Locale: "fr", Subject: "Commande {{.OrderName}}", Body: "Votre commande {{.OrderName}} a du retard."}}}
			if err := proactive.SaveRule(ctx, tx, r, "test", now.AddDate(0, 0, -30)); err != nil {
				return err
			}
			for i, country := range []string{"FR", "US", "DE"} {
				var cid int64
				if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Ann', 0) RETURNING id`).Scan(&cid); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', ?, ?)`, fmt.Sprintf("c%d@example.com", i), cid); err != nil {
					return err
				}
				id := "#" + country
				if _, err := tx.Exec(ctx, `INSERT INTO orders (external_id, name, customer_id, placed_at, country, promised_delivery_at) VALUES (?, ?, ?, ?, ?, ?)`,
					id, id, cid, now.AddDate(0, 0, -5).Unix(), country, now.AddDate(0, 0, -1).Unix()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetSetting(ctx, "support.addresses", "help@shop.example"); err != nil {
			t.Fatal(err)
		}
		// Paris and Berlin are past 8:00; New York is not: run
		// once more in the afternoon so the US notice is due too.
		for _, at := range []time.Time{now, now.Add(6 * time.Hour)} {
			if _, err := proactive.Evaluate(ctx, db, at); err != nil {
				t.Fatal(err)
			}
			if _, err := proactive.SendDue(ctx, db, at); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string]string{"#FR": "Votre commande #FR a du retard.", "#US": "Your order #US is late.", "#DE": "Your order #DE is late."}
		for order, body := range want {
			var got string
			if err := db.QueryRow(ctx, `SELECT m.body FROM messages m WHERE m.external_id = ?`, "proactive:late:"+order).Scan(&got); err != nil {
				t.Fatalf("%s: %v", order, err)
			}
			if got != body {
				t.Errorf("%s: %q, want %q", order, got, body)
			}
		}
	})
}
