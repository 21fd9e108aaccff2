package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// proactiveOrders is the size of the proactive benchmark's store: 1,000,000
// orders by default, QUIETDESK_BENCH_PROACTIVE_ORDERS=10000000 for the
// target's ten million. Rate and length: QUIETDESK_BENCH_PROACTIVE_RATE
// (events a second, 200) and QUIETDESK_BENCH_PROACTIVE_SECONDS (30).
func proactiveOrders() int  { return envInt("QUIETDESK_BENCH_PROACTIVE_ORDERS", 1_000_000) }
func proactiveRate() int    { return envInt("QUIETDESK_BENCH_PROACTIVE_RATE", 200) }
func proactiveSeconds() int { return envInt("QUIETDESK_BENCH_PROACTIVE_SECONDS", 30) }

// proactiveNow is the benchmark's clock at its start: the store's orders
// are in transit, promised two days later.
var proactiveNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// BenchmarkProactive feeds fulfillment events (delayed, exception,
// delivered) to a store of proactiveOrders() orders, one event per
// transaction through the ingest path the API and webhooks use, at
// proactiveRate() a second for proactiveSeconds(), while the engine runs as
// serve runs it: woken by each commit, Evaluate then SendDue. It measures,
// for each order the late-shipment rule decides, the time from its event's
// commit to its decision being stored (the notice queued, or held out),
// and reports p50, p95 and p99 (target p95 under 1 s). The baseline, in the
// same run, is the same feed with no rule switched on: the commit alone.
func BenchmarkProactive(b *testing.B) {
	ctx := context.Background()
	n := proactiveOrders()
	path := filepath.Join(b.TempDir(), "proactive.db")
	start := time.Now()
	if err := buildProactiveStore(ctx, path, n); err != nil {
		b.Fatal(err)
	}
	built := time.Since(start)
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rate, secs := proactiveRate(), proactiveSeconds()
	events := rate * secs
	if 2*events > n {
		b.Fatalf("%d orders cannot take two phases of %d events on distinct orders: raise QUIETDESK_BENCH_PROACTIVE_ORDERS", n, events)
	}
	for i := 0; i < b.N; i++ {
		// Baseline: no rule on; the engine still runs, finding nothing.
		base := proactivePhase(b, db, 0, events, rate)
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			if _, err := proactive.EnsureDefaultRules(ctx, tx, proactiveNow); err != nil {
				return err
			}
			_, err := proactive.SetEnabled(ctx, tx, proactive.KindLateShipment, true, "bench", proactiveNow)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		ruled := proactivePhase(b, db, n/2, events, rate)

		bc, rc, rq := percentiles(base.commit), percentiles(ruled.commit), percentiles(ruled.queued)
		kept := rq[1] < time.Second && ruled.decided >= ruled.eligible
		b.ReportMetric(float64(rq[1].Microseconds())/1000, "queued-p95-ms")
		b.ReportMetric(float64(bc[1].Microseconds())/1000, "baseline-commit-p95-ms")
		b.Logf("proactive: %s orders (built in %s), %d events/s for %d s; baseline (no rule) commit p50 %s, p95 %s, p99 %s; with late_shipment on: commit p50 %s, p95 %s, p99 %s; event commit to decision stored (%d of %d eligible orders decided, %d engine runs): p50 %s, p95 %s, p99 %s; kept up: %v",
			thousands(n), built.Round(time.Second), rate, secs, msf(bc[0]), msf(bc[1]), msf(bc[2]), msf(rc[0]), msf(rc[1]), msf(rc[2]),
			ruled.decided, ruled.eligible, ruled.runs, msf(rq[0]), msf(rq[1]), msf(rq[2]), kept)
		summarize("%-28s %s orders, %d events/s for %d s: event to queued notice p50 %s, p95 %s, p99 %s (%d/%d decided, kept up: %v); baseline commit p95 %s, with the rule %s",
			"proactive (sqlite)", thousands(n), rate, secs, msf(rq[0]), msf(rq[1]), msf(rq[2]), ruled.decided, ruled.eligible, kept, msf(bc[1]), msf(rc[1]))
	}
}

// proactiveResult is one phase's figures.
type proactiveResult struct {
	commit, queued    []time.Duration
	eligible, decided int
	runs              int
}

// proactivePhase feeds events for orders from index first on, one per
// transaction at rate a second, with the engine running, and measures each
// commit and each decided order's event-to-decision time.
func proactivePhase(b *testing.B, db *store.DB, first, events, rate int) proactiveResult {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := &ingest.Env{Customers: commerce.NewCustomers(clock.Fixed(proactiveNow)), Now: func() time.Time { return proactiveNow }}
	wall := time.Now()
	clock := func() time.Time { return proactiveNow.Add(time.Since(wall)) }

	var mu sync.Mutex
	committed := map[string]time.Time{}
	var res proactiveResult
	var engineErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-proactive.Woken():
			case <-tick.C:
			}
			ev, err := proactive.Evaluate(ctx, db, clock())
			if err == nil {
				_, err = proactive.SendDue(ctx, db, clock())
			}
			if err != nil {
				if ctx.Err() == nil {
					engineErr = err
				}
				return
			}
			at := time.Now()
			mu.Lock()
			res.runs++
			for _, d := range ev.Decisions {
				if c, ok := committed[d.OrderExternalID]; ok && d.Rule == proactive.KindLateShipment {
					res.queued = append(res.queued, at.Sub(c))
					delete(committed, d.OrderExternalID)
					res.decided++
				}
			}
			mu.Unlock()
		}
	}()

	r := rand.New(rand.NewPCG(uint64(first), 7))
	kinds := []string{"delayed", "delayed", "exception", "delivered", "delivered"}
	begin := time.Now()
	for i := range events {
		if d := time.Until(begin.Add(time.Duration(i) * time.Second / time.Duration(rate))); d > 0 {
			time.Sleep(d)
		}
		ext := proactiveOrderID(first + i)
		kind := kinds[r.IntN(len(kinds))]
		e := &commerce.FulfillmentEvent{OrderExternalID: ext, Kind: kind, At: clock(), Detail: "carrier update"}
		t0 := time.Now()
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := ingest.FulfillmentEvents.Write(ctx, tx, env, []any{e})
			return err
		})
		t1 := time.Now()
		if err != nil {
			b.Fatalf("event %d: %v", i, err)
		}
		res.commit = append(res.commit, t1.Sub(t0))
		if kind == "delayed" && first > 0 { // the baseline phase has no rule to decide
			mu.Lock()
			committed[ext] = t1
			res.eligible++
			mu.Unlock()
		}
	}
	// Give the engine a last chance at what it has not decided yet.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		left := len(committed)
		mu.Unlock()
		if left == 0 || engineErr != nil {
			break
		}
		proactive.Wake()
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	if engineErr != nil {
		b.Fatalf("engine: %v", engineErr)
	}
	if first > 0 {
		// Orders never decided count as not kept up: their latency is
		// at least the whole wait.
		for _, c := range committed {
			res.queued = append(res.queued, time.Since(c))
		}
	}
	return res
}

func proactiveOrderID(i int) string { return strconv.Itoa(20_000_000 + i) }

// buildProactiveStore writes n shipped orders of n/3 customers (each with
// an e-mail address), every one in transit with ParcelNow or another
// carrier, promised two days after proactiveNow, with its shipped event:
// the engine's tables at the size of a large brand.
func buildProactiveStore(ctx context.Context, path string, n int) error {
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	load, err := db.StartBulkLoad(ctx, []string{"customers", "customer_identities", "orders", "fulfillment_events"})
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(13, 13))
	carriers := []string{"ParcelNow", "ParcelNow", "DHL", "Colissimo", "UPS"}
	promised := proactiveNow.Add(48 * time.Hour)
	const chunk = 20_000
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var crows, irows, orows, erows [][]any
			for i := lo; i < hi; i++ {
				if c := i / 3; i%3 == 0 { // customer c places orders 3c, 3c+1, 3c+2
					row, idents := commerce.NewCustomerRows(int64(c+1), commerce.CustomerRef{Email: fmt.Sprintf("c%d@example.com", c), Name: fmt.Sprintf("Customer %d", c)}, proactiveNow)
					crows = append(crows, row)
					irows = append(irows, idents...)
				}
				placed := proactiveNow.Add(-time.Duration(24+r.IntN(72)) * time.Hour)
				fulfilled := placed.Add(6 * time.Hour)
				p := promised
				o := commerce.Order{ExternalID: proactiveOrderID(i), Name: "#" + proactiveOrderID(i), PlacedAt: placed, FulfilledAt: &fulfilled,
					PromisedDeliveryAt: &p, Currency: "EUR", SalesChannel: "web", Status: "fulfilled", Carrier: carriers[r.IntN(len(carriers))],
					Country: "FR", ItemRevenue: domain.Money(5000 + r.IntN(10000))}
				orows = append(orows, commerce.OrderRow(int64(i+1), &o, int64(i/3+1)))
				erows = append(erows, commerce.EventRow(int64(i+1), &commerce.FulfillmentEvent{Kind: "shipped", At: fulfilled.Add(time.Hour), Detail: o.Carrier}))
			}
			for _, t := range []struct {
				table, conflict string
				cols            []string
				rows            [][]any
			}{
				{"customers", "", commerce.CustomerRowColumns(), crows}, {"customer_identities", commerce.IdentityConflict, commerce.IdentityRowColumns(), irows},
				{"orders", "", commerce.OrderRowColumns(), orows}, {"fulfillment_events", "", commerce.EventRowColumns(), erows},
			} {
				if err := store.InsertRows(ctx, tx, t.table, t.cols, t.rows, t.conflict); err != nil {
					return fmt.Errorf("%s: %w", t.table, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := load.RestoreIndexes(ctx); err != nil {
		return err
	}
	return load.Finish(ctx)
}
