package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// apiBatch is the number of orders per request.
const apiBatch = 1000

// apiOrders is the size of the API benchmark: 100,000 orders by default,
// QUIETDESK_BENCH_API_ORDERS to change it.
func apiOrders() int { return envInt("QUIETDESK_BENCH_API_ORDERS", 100_000) }

// orderBatch encodes the generator's next k orders as {"items": [...]},
// with the generic field names, money as JSON numbers and empty values left
// out, as a client would send them.
func orderBatch(g *OrderGen, k int) ([]byte, error) {
	items := make([]map[string]any, k)
	for i := range items {
		item := make(map[string]any, len(orderFields))
		for j, v := range g.Next() {
			switch {
			case v == "":
			case numericFields[orderFields[j]]:
				item[orderFields[j]] = json.Number(v)
			default:
				item[orderFields[j]] = v
			}
		}
		items[i] = item
	}
	return json.Marshal(map[string]any{"items": items})
}

// BenchmarkAPIIngestOrders measures POST /api/v1/orders on a real server
// (listening on a loopback port) over a fresh database: one client sending
// batches of 1,000 new orders one after the other with an ingest token.
// Only the requests are timed, not the encoding of their bodies.
func BenchmarkAPIIngestOrders(b *testing.B) {
	for _, d := range dialects {
		b.Run(string(d), func(b *testing.B) {
			noteSkip(b, "API POST /orders ("+string(d)+")")
			total := apiOrders()
			var wall time.Duration
			var bodyBytes int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				w, n := ingestOrdersViaAPI(b, storetest.Open(b, d), total)
				wall += w
				bodyBytes += n
				b.StartTimer()
			}
			rate := float64(total*b.N) / wall.Seconds()
			b.ReportMetric(rate, "orders/s")
			requests := (total + apiBatch - 1) / apiBatch
			summarize("%-28s %s orders in %s requests of %s (%s of JSON) in %s = %s orders/s",
				"API POST /orders ("+string(d)+")", thousands(total), thousands(requests), thousands(apiBatch),
				megabytes(bodyBytes/int64(b.N)), seconds(wall/time.Duration(b.N)), thousands(rate))
		})
	}
}

// ingestOrdersViaAPI starts a server over db, sends total orders and checks
// they are all stored. It returns the time spent in requests and the bytes
// sent. The caller's timer is stopped; it runs only around each request.
func ingestOrdersViaAPI(b *testing.B, db *store.DB, total int) (time.Duration, int64) {
	ctx := context.Background()
	srv := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clocktest.Clock())
	addr, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	_, token, err := auth.Create(ctx, db, "bench", []string{auth.ScopeIngest}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Minute}
	defer client.CloseIdleConnections()
	url := "http://" + addr + "/api/v1/orders"

	g := NewOrderGen(total, 2)
	var wall time.Duration
	var sent int64
	var got store.Counts
	for done := 0; done < total; {
		k := min(apiBatch, total-done)
		body, err := orderBatch(g, k)
		if err != nil {
			b.Fatal(err)
		}
		req, err := http.NewRequest("POST", url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)

		b.StartTimer()
		start := time.Now()
		resp, err := client.Do(req)
		var reply []byte
		if err == nil {
			reply, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		wall += time.Since(start)
		b.StopTimer()

		if err != nil {
			b.Fatalf("POST batch at order %d: %v", done, err)
		}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("POST batch at order %d: status %d: %.2000s", done, resp.StatusCode, reply)
		}
		var c store.Counts
		if err := json.Unmarshal(reply, &c); err != nil {
			b.Fatalf("POST batch at order %d: reply %q: %v", done, reply, err)
		}
		got.Add(c)
		sent += int64(len(body))
		done += k
	}
	if got != (store.Counts{Created: total}) {
		b.Fatalf("the server counted %+v, want %d created", got, total)
	}
	var stored int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM orders`).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != total {
		b.Fatalf("%d orders stored, want %d", stored, total)
	}
	return wall, sent
}
