package bench

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/ingest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// writeContactsCSV writes n contacts over the generated orders (ids
// 1,000,000 and up): most linked to an order, some to none, on every
// channel, with handle times and teams, within the same year.
func writeContactsCSV(path string, n, orders int, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 7))
	channels := []string{"email", "email", "chat", "voice", "sms", "social"}
	topics := []string{"where_is_my_order", "delivery_delay", "return", "refund", "sizing", "damaged_or_defective", "other"}
	fmt.Fprintln(w, "contact_id,started_at,channel,order_id,topic,handle_seconds,team")
	for i := 0; i < n; i++ {
		order := ""
		if r.IntN(10) > 0 {
			order = fmt.Sprint(1_000_000 + r.IntN(orders))
		}
		day := r.IntN(365)
		team := "tier1"
		if r.IntN(4) == 0 {
			team = "tier2"
		}
		fmt.Fprintf(w, "C%d,2026-%02d-%02d %02d:%02d:00,%s,%s,%s,%d,%s\n", i, 1+day/31%12, 1+day%27, r.IntN(24), r.IntN(60),
			channels[r.IntN(len(channels))], order, topics[r.IntN(len(topics))], 60+r.IntN(900), team)
	}
	return w.Flush()
}

// BenchmarkMetricsQuery measures the dashboard's typical question — a
// 52-week weekly CPO series cut by an order dimension — answered from the
// rollups (warm) and straight over the raw rows, in the same database and
// process. The store: the generated orders file plus 1.5 contacts per order
// and team rates; building it and the rollups is reported apart. Run it
// with -benchtime 1x (make bench does): each run builds its own store.
func BenchmarkMetricsQuery(b *testing.B) {
	path, n := ordersFile(b)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "metrics.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := ingest.ImportFile(ctx, db, path, ingest.Options{Now: clocktest.Clock(), Kind: "orders"}); err != nil {
		b.Fatal(err)
	}
	contacts := filepath.Join(b.TempDir(), "contacts.csv")
	if err := writeContactsCSV(contacts, n*3/2, n, 1); err != nil {
		b.Fatal(err)
	}
	if _, err := ingest.ImportFile(ctx, db, contacts, ingest.Options{Now: clocktest.Clock(), Kind: "contacts"}); err != nil {
		b.Fatal(err)
	}
	costs := filepath.Join(b.TempDir(), "costs.csv")
	os.WriteFile(costs, []byte("kind,amount,start_date,team\nteam_rate,36,2025-01-01,tier1\nteam_rate,48,2025-01-01,tier2\n"), 0o644)
	if _, err := ingest.ImportFile(ctx, db, costs, ingest.Options{Now: clocktest.Clock(), Kind: "costs"}); err != nil {
		b.Fatal(err)
	}
	loaded := time.Since(start)
	rolled := metrics.NewEngine(db, clocktest.Clock())
	start = time.Now()
	if err := rolled.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	built := time.Since(start)
	q := metrics.Query{Metric: "cpo", From: "2025-12-29", To: "2026-12-27", Grain: "week", By: "carrier"}

	start = time.Now()
	rawRes, err := (&metrics.Engine{DB: db, Now: clocktest.Clock(), Raw: true}).Run(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	raw := time.Since(start)

	// Warm: the rollups are current; the mean of ten answers.
	const runs = 10
	start = time.Now()
	for i := 0; i < runs; i++ {
		if _, err := rolled.Run(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	warm := time.Since(start) / runs
	res, _ := rolled.Run(ctx, q)
	if len(res.Rows) != len(rawRes.Rows) || len(res.Rows) < 52 {
		b.Fatalf("rollup gave %d rows, raw %d", len(res.Rows), len(rawRes.Rows))
	}
	b.ReportMetric(float64(warm.Microseconds())/1000, "ms-warm")
	b.ReportMetric(float64(raw.Milliseconds()), "ms-raw")
	b.ReportMetric(raw.Seconds()/warm.Seconds(), "x-faster")
	summarize("metrics query (sqlite)        52-week weekly CPO by carrier over %s orders and %s contacts: %.1f ms from the rollups (warm, mean of %d), %s straight over raw rows: %.0fx faster",
		thousands(n), thousands(n*3/2), float64(warm.Microseconds())/1000, runs, seconds(raw), raw.Seconds()/warm.Seconds())
	summarize("metrics rollup (sqlite)       built in %s for the whole store (its data loaded in %s)", seconds(built), seconds(loaded))
}
