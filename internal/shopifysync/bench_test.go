package shopifysync

import (
	"context"
	"net/http"
	"testing"
	"time"

	"quietdesk/internal/connect"
	"quietdesk/internal/shopifysync/fakeshop"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const benchOrders = 20000

// BenchmarkBackfill stores 20,000 generated orders from a bulk JSONL
// through the local fake shop, on SQLite; BenchmarkBackfillParseOnly reads
// and parses the same file in the same way without storing, the baseline.
//
//	go test -run '^$' -bench Backfill -benchtime 1x ./internal/shopifysync/
func BenchmarkBackfill(b *testing.B) {
	orders, want := fakeshop.Generate(benchOrders, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		shop := fakeshop.New("t", orders)
		db := storetest.Open(b, store.SQLite)
		s, _ := connect.ParseKey(connect.NewKey())
		ctx := context.Background()
		now := func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
		db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := connect.Create(ctx, tx, s, "shop", Kind, map[string]string{"shop": "b.myshopify.com", "endpoint": shop.URL()}, map[string]string{"access_token": "t"}, now())
			return err
		})
		b.StartTimer()
		start := time.Now()
		c, err := connect.Sync(ctx, db, s, "shop", now, nil, connect.SyncOptions{})
		elapsed := time.Since(start)
		b.StopTimer()
		if err != nil || c.Done != int64(want.Orders) {
			b.Fatalf("%+v %v", c, err)
		}
		b.ReportMetric(float64(want.Orders)/elapsed.Seconds(), "orders/s")
		shop.Close()
		db.Close()
	}
}

func BenchmarkBackfillParseOnly(b *testing.B) {
	orders, _ := fakeshop.Generate(benchOrders, time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	shop := fakeshop.New("t", orders)
	defer shop.Close()
	url := shop.FileURL()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var offset int64
		n := 0
		for {
			got, next, eof, err := readChunk(context.Background(), http.DefaultClient, url, offset, ChunkOrders)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := restOrders(got); err != nil {
				b.Fatal(err)
			}
			n += len(got)
			offset = next
			if eof {
				break
			}
		}
		if n != benchOrders {
			b.Fatalf("parsed %d orders", n)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "orders/s")
	}
}
