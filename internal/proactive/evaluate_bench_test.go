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

// BenchmarkEvaluate200Events: a store of 100,000 orders with one shipped
// event each; every iteration stores 200 new delay events (a second of
// events at 200 per second) and runs one evaluation, which must read only
// what changed.
func BenchmarkEvaluate200Events(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.Open(b, d)
			now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			const orders = 100_000
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				r := &proactive.Rule{Name: "late", Kind: proactive.KindLateShipment, Enabled: true, HoldoutPct: 10,
					Templates: []proactive.Template{{Channel: "email", Locale: "en", Body: "late"}}}
				if err := proactive.SaveRule(ctx, tx, r, "bench", now.AddDate(0, 0, -30)); err != nil {
					return err
				}
				for i := 0; i < orders; i += 1000 {
					q := `INSERT INTO orders (external_id, placed_at, promised_delivery_at, country) VALUES `
					var args []any
					for j := i; j < i+1000; j++ {
						if j > i {
							q += ","
						}
						q += "(?, ?, ?, 'FR')"
						args = append(args, fmt.Sprint("#", j), now.AddDate(0, 0, -40).Unix(), now.AddDate(0, 0, -30).Unix())
					}
					if _, err := tx.Exec(ctx, q, args...); err != nil {
						return err
					}
				}
				_, err := tx.Exec(ctx, `INSERT INTO fulfillment_events (order_id, kind, at) SELECT id, 'shipped', ? FROM orders`, now.AddDate(0, 0, -35).Unix())
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := proactive.Evaluate(ctx, db, now); err != nil { // the first run reads the history once
				b.Fatal(err)
			}
			b.ResetTimer()
			var worst time.Duration
			for i := 0; i < b.N; i++ {
				at := now.Add(time.Duration(i+1) * time.Second)
				err := db.WriteTx(ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(ctx, `INSERT INTO fulfillment_events (order_id, kind, at) SELECT id, 'delayed', ? FROM orders WHERE id % 500 = ?`, at.Unix(), i%500)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				res, err := proactive.Evaluate(ctx, db, at)
				if err != nil {
					b.Fatal(err)
				}
				worst = max(worst, time.Since(start))
				// PostgreSQL re-reads the last 1,000 events (sequence
				// numbers may commit out of order): up to 1,200 orders.
				if res.Candidates < 200 || res.Candidates > 1200 {
					b.Fatalf("%d candidates, want 200 (1,200 at most)", res.Candidates)
				}
			}
			b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
		})
	}
}
