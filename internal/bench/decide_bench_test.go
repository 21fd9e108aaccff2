package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"quietdesk/internal/actions"
	"quietdesk/internal/decide"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// BenchmarkDemoStore measures the questions a support lead asks of a demo
// store: a 52-week weekly CPO by carrier (from the rollups, warm, against
// the same query straight over raw rows) and the evaluation of every
// guardrail for one week (warm, against raw rows). The store is
// QUIETDESK_BENCH_STORE, a SQLite file made by `quietdesk demo` (it is
// opened as is: the guardrails it has are used, and proposals accepted if
// it has none), or a demo store of QUIETDESK_BENCH_DEMO_ORDERS orders with
// 1.5 contacts per order made here (52 weeks). The large benchmark store is
// `quietdesk demo --no-serve --orders 10000000 --contacts-per-order 1.5
// --weeks 52` with QUIETDESK_NOW=2026-11-23.
func BenchmarkDemoStore(b *testing.B) {
	noteSkip(b, "demo store queries")
	ctx := context.Background()
	path := os.Getenv("QUIETDESK_BENCH_STORE")
	if path == "" {
		path = filepath.Join(b.TempDir(), "demo.db")
		cmd := exec.Command(quietdeskBinary(b), "demo", "--no-serve", "--weeks", "52", "--contacts-per-order", "1.5",
			"--orders", strconv.Itoa(demoOrders()), "--db", path)
		cmd.Env = append(os.Environ(), "QUIETDESK_DB=", "QUIETDESK_NOW=2026-11-23")
		if _, err := runChild(cmd); err != nil {
			b.Fatal(err)
		}
	}
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var orders, contacts int64
	db.QueryRow(ctx, `SELECT COUNT(*) FROM orders`).Scan(&orders)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM contacts`).Scan(&contacts)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	rolled := &metrics.Engine{DB: db, Now: clock}
	raw := &metrics.Engine{DB: db, Now: clock, Raw: true}
	if err := rolled.Refresh(ctx); err != nil {
		b.Fatal(err)
	}

	// 52 weeks of CPO by carrier.
	q := metrics.Query{Metric: "cpo", From: "2025-11-24", To: "2026-11-22", Grain: "week", By: "carrier"}
	warmQuery := mean(b, 10, func() error { _, err := rolled.Run(ctx, q); return err })
	rawQuery := mean(b, 1, func() error { _, err := raw.Run(ctx, q); return err })

	// Every guardrail for the last week.
	d := &decide.Decider{DB: db, Metrics: rolled, Now: clock}
	if gs, _ := decide.Guardrails(ctx, db); len(gs) > 0 && gs[0].Threshold == nil {
		if _, err := d.Accept(ctx, nil, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	loc, _ := store.TimeZone(ctx, db)
	week := decide.LastCompleteWeek(now, loc)
	var res decide.WeekAlerts
	warmEval := mean(b, 5, func() error {
		var err error
		res, err = d.Evaluate(ctx, week)
		return err
	})
	rawD := &decide.Decider{DB: db, Metrics: raw, Now: clock}
	rawEval := mean(b, 1, func() error { _, err := rawD.Evaluate(ctx, week); return err })

	// Upkeep: one action written on a busy day, then the next answer
	// recomputes that day's rollup (both local days its UTC day touches).
	due := week.Start.AddDate(0, 0, 2).Format(time.DateOnly)
	if _, err := actions.Add(ctx, db, actions.Action{ExternalID: "bench-" + due, Owner: "bench", Title: "one write", DueDate: due}, now); err != nil {
		b.Fatal(err)
	}
	refresh := mean(b, 1, func() error { return rolled.Refresh(ctx) })

	b.ReportMetric(float64(warmQuery.Microseconds())/1000, "ms-cpo-52w")
	b.ReportMetric(float64(refresh.Microseconds())/1000, "ms-refresh-day")
	b.ReportMetric(float64(warmEval.Microseconds())/1000, "ms-guardrails")
	summarize("demo store (sqlite)           %s orders, %s contacts: 52-week weekly CPO by carrier %.1f ms warm vs %s over raw rows (%.0fx); all guardrails for %s %.0f ms warm vs %s over raw rows (%.0fx), %d alerts",
		thousands(int(orders)), thousands(int(contacts)), float64(warmQuery.Microseconds())/1000, seconds(rawQuery), rawQuery.Seconds()/warmQuery.Seconds(),
		week, float64(warmEval.Microseconds())/1000, seconds(rawEval), rawEval.Seconds()/warmEval.Seconds(), len(res.Alerts))
	summarize("demo store (sqlite)           one write's day recomputed in the rollups in %s", seconds(refresh))
}

// mean runs fn n times and returns the mean duration.
func mean(b *testing.B, n int, fn func() error) time.Duration {
	b.Helper()
	start := time.Now()
	for range n {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start) / time.Duration(n)
}
