package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// proactive run decides and sends one pass; --dry-run prints the same
// decisions and changes nothing.
func TestProactiveRun(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		seedLateOrder(t, dsn, now)
		mustRunAt(t, clock.Fixed(now), "settings", "set", "support.addresses", "help@shop.example", "--db", dsn)
		dry := mustRunAt(t, clock.Fixed(now), "proactive", "run", "--dry-run", "--db", dsn).stdout
		if !strings.Contains(dry, "would decide (dry run, nothing changed): 1 orders looked at") || !strings.Contains(dry, "scheduled  late                 #1001                due 2026-11-23T10:00:00Z") {
			t.Errorf("dry run:\n%s", dry)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions`); n != 0 {
			t.Errorf("the dry run stored %d decisions", n)
		}
		out := mustRunAt(t, clock.Fixed(now), "proactive", "run", "--db", dsn).stdout
		for _, want := range []string{"decided: 1 orders looked at, 1 scheduled, 0 held out", "sent 1, skipped 0, dry run 0, failed 0", "sent       late                 #1001                on email"} {
			if !strings.Contains(out, want) {
				t.Errorf("run lacks %q:\n%s", want, out)
			}
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM messages WHERE author = 'proactive' AND external_id = 'proactive:late:#1001'`); n != 1 {
			t.Errorf("%d notices", n)
		}
		again := mustRunAt(t, clock.Fixed(now.Add(time.Minute)), "proactive", "run", "--db", dsn).stdout
		if !strings.Contains(again, "decided: 0 orders looked at") || !strings.Contains(again, "sent 0,") {
			t.Errorf("a second run:\n%s", again)
		}
	})
}

// seedLateOrder stores an enabled late-shipment rule "late" with an email
// text, and order #1001 of ann@example.com (France), promised the day before
// now and not delivered: one notice is due at now.
func seedLateOrder(t *testing.T, dsn string, now time.Time) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		r := &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, Enabled: true, Templates: []proactive.Template{
			{Channel: "email", Locale: "en", Subject: "Order {{.OrderName}}", Body: "Order {{.OrderName}} is late."}}}
		if err := proactive.SaveRule(ctx, tx, r, "test", now.AddDate(0, 0, -30)); err != nil {
			return err
		}
		var cid int64
		if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Ann', 0) RETURNING id`).Scan(&cid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', 'ann@example.com', ?)`, cid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO orders (external_id, name, customer_id, placed_at, country, promised_delivery_at) VALUES ('#1001', '#1001', ?, ?, 'FR', ?)`,
			cid, now.AddDate(0, 0, -5).Unix(), now.AddDate(0, 0, -1).Unix())
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
}
