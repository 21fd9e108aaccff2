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

// An email address opted out with proactive opt-out gets no notice: the
// decision is skipped with the reason; lifted, the next order's goes out.
func TestProactiveOptOut(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
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
		at := clock.Fixed(now)
		mustRunAt(t, at, "settings", "set", "support.addresses", "help@shop.example", "--db", dsn)
		if r := runAt(t, at, "", "proactive", "opt-out", "not-an-address", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "international form") {
			t.Errorf("a bad address: %+v", r)
		}
		if r := mustRunAt(t, at, "proactive", "opt-out", "Ann@Example.com", "--reason", "asked by mail", "--db", dsn); !strings.Contains(r.stdout, "ann@example.com gets no more proactive notices") {
			t.Errorf("opt-out: %q", r.stdout)
		}
		mustRunAt(t, at, "proactive", "run", "--db", dsn)
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions WHERE status = 'skipped' AND reason LIKE 'ann@example.com opted out on 2026-11-23 (asked by mail)%'`); n != 1 {
			t.Errorf("%d skipped decisions naming the opt-out, want 1", n)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM messages WHERE author = 'proactive'`); n != 0 {
			t.Errorf("%d notices sent to an opted-out address", n)
		}
		mustRunAt(t, at, "proactive", "opt-out", "ann@example.com", "--lift", "--db", dsn)
		if n := count(t, dsn, `SELECT COUNT(*) FROM opt_outs`); n != 0 {
			t.Errorf("%d opt-outs after lifting", n)
		}
	})
}
