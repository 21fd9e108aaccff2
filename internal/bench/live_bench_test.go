package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"quietdesk/internal/store"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// liveOrders is the demo store's size for BenchmarkLiveDesk
// (QUIETDESK_BENCH_LIVE_ORDERS, 1,000,000 by default); liveSeconds how
// long each phase lasts (QUIETDESK_BENCH_LIVE_SECONDS, 60).
func liveOrders() int  { return envInt("QUIETDESK_BENCH_LIVE_ORDERS", 1_000_000) }
func liveSeconds() int { return envInt("QUIETDESK_BENCH_LIVE_SECONDS", 60) }

// liveWrites is the inbound mail a second while the dashboards are read
// (QUIETDESK_BENCH_LIVE_WRITES, 50).
func liveWrites() int { return envInt("QUIETDESK_BENCH_LIVE_WRITES", 50) }

// liveReaders read the dashboards' metrics at once, each once a second.
const liveReaders = 4

// BenchmarkLiveDesk serves a demo store with `quietdesk serve`, as a brand
// would, and reads the metrics API as dashboards do (4 readers, each once a
// second, the week's CPO by carrier and support cost per order) for a
// phase without writes, the baseline, then for a phase with 10 contacts a
// second posted through the API. It reports the reads' p50, p95 and p99 in
// both phases and their ratio, and how many writes were accepted.
func BenchmarkLiveDesk(b *testing.B) {
	bin := quietdeskBinary(b)
	dir := b.TempDir()
	db := filepath.Join(dir, "live.db")
	if s := os.Getenv("QUIETDESK_BENCH_STORE"); s != "" {
		db = s
	} else {
		cmd := exec.Command(bin, "demo", "--no-serve", "--orders", strconv.Itoa(liveOrders()), "--db", db)
		cmd.Env = append(os.Environ(), "QUIETDESK_DB=", "QUIETDESK_NOW=2026-11-23")
		if c, err := runChild(cmd); err != nil {
			b.Fatalf("demo: %v\n%s", err, c.err)
		}
	}
	emails, orders := customerEmails(b, db, 5000)
	env := append(os.Environ(), "QUIETDESK_DB=", "QUIETDESK_NOW=2026-11-23T09:00:00Z")
	tok := exec.Command(bin, "token", "create", "--name", "live-bench", "--scope", "ingest,read", "--db", db)
	tok.Env = env
	out, err := tok.Output()
	if err != nil {
		b.Fatalf("token: %v", err)
	}
	token := strings.TrimSpace(string(out))
	set := exec.Command(bin, "settings", "set", "support.addresses", "help@brand.example", "--db", db)
	set.Env = env
	if out, err := set.CombinedOutput(); err != nil {
		b.Fatalf("settings: %v\n%s", err, out)
	}

	serve := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	serve.Env = env
	stderr, _ := serve.StderrPipe()
	if err := serve.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { serve.Process.Signal(syscall.SIGTERM); serve.Wait() }()
	addr := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := regexp.MustCompile(`msg=serving addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	if addr == "" {
		b.Fatal("serve did not start")
	}
	// The server's log, one line per request with its duration, for a
	// closer look (QUIETDESK_BENCH_LIVE_LOG names a file to keep it in).
	logTo := io.Discard
	if p := os.Getenv("QUIETDESK_BENCH_LIVE_LOG"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		logTo = f
	}
	go io.Copy(logTo, stderr)
	base := "http://" + addr

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		quiet, _, _ := livePhase(b, base, token, 0, emails)
		busy, sent, accepted := livePhase(b, base, token, liveWrites(), emails)
		qp, bp := percentiles(quiet), percentiles(busy)
		b.ReportMetric(float64(bp[1].Microseconds())/1000, "p95-ms-under-writes")
		summarize("%-28s %s orders: reads p50/p95/p99 %s/%s/%s without writes, %s/%s/%s with %d inbound mails/s (p95 ×%.2f); %d of %d writes accepted",
			"live desk (reads+writes)", thousands(orders), ms(qp[0]), ms(qp[1]), ms(qp[2]), ms(bp[0]), ms(bp[1]), ms(bp[2]), liveWrites(),
			float64(bp[1])/float64(max(qp[1], 1)), accepted, sent)
	}
}

// livePhase runs the readers for liveSeconds while writes contacts a second
// are posted, and returns the read latencies and the writes sent and
// accepted.
func livePhase(b *testing.B, base, token string, writes int, emails []string) (lat []time.Duration, sent, accepted int) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(liveSeconds())*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Minute}
	var mu sync.Mutex
	var wg sync.WaitGroup
	queries := []string{"/api/v1/metrics?metric=cpo&by=carrier", "/api/v1/metrics?metric=support_cost_per_order"}
	for r := range liveReaders {
		wg.Go(func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for n := r; ; n++ {
				req, _ := http.NewRequest("GET", base+queries[n%len(queries)], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				start := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					b.Errorf("read: %v", err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		})
	}
	if writes > 0 {
		wg.Go(func() {
			tick := time.NewTicker(time.Second / time.Duration(writes))
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				// A customer of the store writes, by mail, as the desk
				// receives it: parsing, threading, the contact rules, order
				// attribution and repeat flags all run on a real history.
				from := emails[n%len(emails)]
				raw := fmt.Sprintf("From: %s\r\nTo: help@brand.example\r\nSubject: Where is my parcel?\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n"+
					"Message-ID: <live-%d-%d@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, where is my parcel?\r\n", from, time.Now().UnixNano(), n)
				sent++
				req, _ := http.NewRequest("POST", base+"/api/v1/inbound/email", strings.NewReader(raw))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "message/rfc822")
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					accepted++
				}
			}
		})
	}
	wg.Wait()
	return lat, sent, accepted
}

// customerEmails reads up to n customers' addresses from the store, and
// counts its orders.
func customerEmails(b *testing.B, path string, n int) (emails []string, orders int) {
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(context.Background(), `SELECT value FROM customer_identities WHERE kind = 'email' LIMIT ?`, n)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		rows.Scan(&e)
		out = append(out, e)
	}
	if len(out) == 0 {
		b.Fatal("the store has no customers")
	}
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM orders`).Scan(&orders); err != nil {
		b.Fatal(err)
	}
	return out, orders
}

// percentiles returns p50, p95 and p99.
func percentiles(d []time.Duration) [3]time.Duration {
	if len(d) == 0 {
		return [3]time.Duration{}
	}
	slices.Sort(d)
	at := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	return [3]time.Duration{at(0.50), at(0.95), at(0.99)}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
