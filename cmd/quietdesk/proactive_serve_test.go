package main

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Two quietdesk serve processes on one PostgreSQL, and two proactive run
// commands beside them, all deciding and sending the same late orders'
// notices at once: each notice is decided once and sent once.
func TestTwoServesSendEachNoticeOnce(t *testing.T) {
	dsn := storetest.DSN(t, store.Postgres)
	ctx := context.Background()
	now := clocktest.Default // the binaries run as of it
	const orders = 300
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		r := &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, Enabled: true, Templates: []proactive.Template{
			{Channel: "email", Locale: "en", Subject: "Order {{.OrderName}}", Body: "Order {{.OrderName}} is late; we are on it."}}}
		if err := proactive.SaveRule(ctx, tx, r, "test", now.AddDate(0, 0, -30)); err != nil {
			return err
		}
		for i := range orders {
			var cid int64
			if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES (?, 0) RETURNING id`, fmt.Sprintf("Customer %d", i)).Scan(&cid); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', ?, ?)`, fmt.Sprintf("c%d@example.com", i), cid); err != nil {
				return err
			}
			id := fmt.Sprintf("#%d", 5000+i)
			if _, err := tx.Exec(ctx, `INSERT INTO orders (external_id, name, customer_id, placed_at, country, promised_delivery_at) VALUES (?, ?, ?, ?, 'FR', ?)`,
				id, id, cid, now.AddDate(0, 0, -6).Unix(), now.AddDate(0, 0, -1).Unix()); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, "settings", "set", "support.addresses", "help@shop.example", "--db", dsn)

	for range 2 {
		_, logs := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
		waitLog(t, logs, regexp.MustCompile(`msg=serving addr=(\S+)`))
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if out, err := binaryCommand("proactive", "run", "--db", dsn).CombinedOutput(); err != nil {
				t.Errorf("proactive run: %v\n%s", err, out)
			}
		})
	}
	wg.Wait()

	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions WHERE status = 'sent'`) == orders {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d notices sent within a minute", count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions WHERE status = 'sent'`), orders)
		}
	}
	// A last pass of each kind finds nothing left to do.
	mustRun(t, "proactive", "run", "--db", dsn)
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM proactive_decisions`:                                                                              orders,
		`SELECT COUNT(DISTINCT order_id) FROM proactive_decisions`:                                                              orders,
		`SELECT COUNT(*) FROM messages WHERE author = 'proactive'`:                                                              orders,
		`SELECT COUNT(DISTINCT external_id) FROM messages WHERE author = 'proactive'`:                                           orders,
		`SELECT COUNT(DISTINCT dl.id) FROM messages m JOIN deliveries dl ON dl.id = m.delivery_id WHERE m.author = 'proactive'`: orders,
	} {
		if n := count(t, dsn, q); n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}
