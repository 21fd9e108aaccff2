package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock"
	"quietdesk/internal/desk"
	"quietdesk/internal/mail"
	"quietdesk/internal/store"
	"quietdesk/internal/web"
)

// The desk at scale: QUIETDESK_BENCH_DESK_CUSTOMERS customers (1,000,000),
// three conversations and ten messages each on average, read by
// QUIETDESK_BENCH_DESK_AGENTS concurrent agents (200).
func deskCustomers() int { return envInt("QUIETDESK_BENCH_DESK_CUSTOMERS", 1_000_000) }
func deskAgents() int    { return envInt("QUIETDESK_BENCH_DESK_AGENTS", 200) }
func deskSeconds() int   { return envInt("QUIETDESK_BENCH_DESK_SECONDS", 30) }

// deskNow is the moment the desk store is built and read at.
var deskNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// BenchmarkDeskReads measures a customer's timeline (first page) and the
// inbox list under deskAgents() concurrent agents, each against GET
// /healthz under the same load, the baseline of the same server and
// process: what the desk's reads add to an HTTP round trip.
func BenchmarkDeskReads(b *testing.B) {
	ctx := context.Background()
	db, customers := deskStore(b)
	defer db.Close()
	srv := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Fixed(deskNow))
	addr, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(ctx)
	_, token, err := auth.Create(ctx, db, "desk-bench", []string{auth.ScopeDesk}, deskNow)
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + addr
	views := []string{"all", "unassigned", "waiting"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		health := concurrentGets(b, base, token, func(r *rand.Rand) string { return "/healthz" })
		timeline := concurrentGets(b, base, token, func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/customers/%d/timeline", 1+r.IntN(customers))
		})
		inbox := concurrentGets(b, base, token, func(r *rand.Rand) string {
			return "/api/v1/conversations?view=" + views[r.IntN(len(views))]
		})
		hp, tp, ip := percentiles(health), percentiles(timeline), percentiles(inbox)
		b.ReportMetric(float64(tp[1].Microseconds())/1000, "timeline-p95-ms")
		b.ReportMetric(float64(ip[1].Microseconds())/1000, "inbox-p95-ms")
		secs := float64(deskSeconds())
		summarize("%-28s %s customers, %d agents: timeline p50/p95 %s/%s (%.0f/s), inbox %s/%s (%.0f/s); /healthz baseline p95 %s (%.0f/s) (timeline ×%.1f, inbox ×%.1f)",
			"desk reads", thousands(customers), deskAgents(), ms(tp[0]), ms(tp[1]), float64(len(timeline))/secs, ms(ip[0]), ms(ip[1]), float64(len(inbox))/secs,
			ms(hp[1]), float64(len(health))/secs, float64(tp[1])/float64(max(hp[1], 1)), float64(ip[1])/float64(max(hp[1], 1)))
	}
}

// concurrentGets runs deskAgents() agents for deskSeconds(), each asking
// for the path next picks once every deskPace() (an agent moving through
// the inbox: QUIETDESK_BENCH_DESK_PACE_MS, 1,000), starting at staggered
// moments, and returns the latencies. A pace of 0 asks as fast as answers
// come, which measures throughput rather than what an agent waits.
func concurrentGets(b *testing.B, base, token string, next func(*rand.Rand) string) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(deskSeconds())*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: deskAgents()}}
	pace := time.Duration(envInt("QUIETDESK_BENCH_DESK_PACE_MS", 1000)) * time.Millisecond
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for a := range deskAgents() {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(a), 7))
			if pace > 0 {
				time.Sleep(time.Duration(r.Int64N(int64(pace))))
			}
			for ctx.Err() == nil {
				start := time.Now()
				req, _ := http.NewRequest("GET", base+next(r), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					b.Errorf("read: %v", err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("%s: status %d", req.URL.Path, resp.StatusCode)
					return
				}
				d := time.Since(start)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
				if wait := pace - d; wait > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(wait):
					}
				}
			}
		})
	}
	wg.Wait()
	return lat
}

// BenchmarkInboundSMTP delivers QUIETDESK_BENCH_SMTP_RATE mails a second
// (100) for deskSeconds() over real SMTP to the desk's server, on the
// desk store, and measures from the last byte of each mail to its reply
// (250: stored, in the inbox). The baseline is the same SMTP conversation
// to a server that stores nothing.
func BenchmarkInboundSMTP(b *testing.B) {
	ctx := context.Background()
	db, _ := deskStore(b)
	defer db.Close()
	if err := db.SetSetting(ctx, desk.SettingSupportAddresses, "help@brand.example"); err != nil {
		b.Fatal(err)
	}
	rate := envInt("QUIETDESK_BENCH_SMTP_RATE", 100)
	serve := func(deliver func(ctx context.Context, env mail.Envelope, raw []byte) error) (string, func()) {
		s := &mail.Server{Addr: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Accept: func(string) bool { return true }, Deliver: deliver}
		addr, err := s.Start(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return addr, func() { s.Shutdown(ctx) }
	}
	var mu sync.Mutex
	now := deskNow
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nullAddr, stopNull := serve(func(context.Context, mail.Envelope, []byte) error { return nil })
		baseline := sendAtRate(b, nullAddr, rate, "null")
		stopNull()
		deskAddr, stopDesk := serve(func(ctx context.Context, env mail.Envelope, raw []byte) error {
			mu.Lock()
			now = now.Add(time.Millisecond)
			at := now
			mu.Unlock()
			_, err := desk.ReceiveMail(ctx, db, at, raw, env.Rcpts)
			return err
		})
		stored := sendAtRate(b, deskAddr, rate, "desk")
		stopDesk()
		bp, sp := percentiles(baseline), percentiles(stored)
		b.ReportMetric(float64(sp[1].Microseconds())/1000, "p95-ms")
		summarize("%-28s %d mails/s for %d s over SMTP on %s customers: last byte to stored p50/p95/p99 %s/%s/%s; a server that stores nothing p95 %s (×%.1f); %d mails",
			"inbound mail (SMTP)", rate, deskSeconds(), thousands(deskCustomers()), ms(sp[0]), ms(sp[1]), ms(sp[2]), ms(bp[1]), float64(sp[1])/float64(max(bp[1], 1)), len(stored))
	}
}

// sendAtRate opens one SMTP conversation per mail at rate a second and
// returns, per mail, the time from its last byte to the server's answer.
func sendAtRate(b *testing.B, addr string, rate int, tag string) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(deskSeconds())*time.Second)
	defer cancel()
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for n := 0; ctx.Err() == nil; n++ {
		select {
		case <-ctx.Done():
		case <-tick.C:
			wg.Go(func() {
				d, err := sendOne(addr, n, tag)
				if err != nil {
					b.Errorf("mail %d: %v", n, err)
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	return lat
}

func sendOne(addr string, n int, tag string) (time.Duration, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	from := fmt.Sprintf("customer%d@example.com", 1+n%deskCustomers())
	if err := c.Mail(from); err != nil {
		return 0, err
	}
	if err := c.Rcpt("help@brand.example"); err != nil {
		return 0, err
	}
	w, err := c.Data()
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "From: Customer <%s>\r\nTo: help@brand.example\r\nSubject: Where is my order %d?\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <bench-%s-%d@example.com>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nmy order has not arrived yet. Can you check?\r\n\r\nOn Sun, 22 Nov 2026, Brand wrote:\r\n> Thanks for your order\r\n", from, n, tag, n)
	start := time.Now()
	if err := w.Close(); err != nil { // the last byte, then the server's 250
		return 0, err
	}
	d := time.Since(start)
	return d, c.Quit()
}

// The desk store, built once per run.
var (
	deskOnce sync.Once
	deskPath string
	deskErr  error
)

// deskStore opens the desk store (building it the first time): customers
// with an email each, three conversations each on average, ten messages
// each on average, one contact per conversation, spread over two years up
// to deskNow, a tenth of the conversations open.
func deskStore(b *testing.B) (*store.DB, int) {
	b.Helper()
	ctx := context.Background()
	n := deskCustomers()
	deskOnce.Do(func() {
		deskPath = filepath.Join(workDir, "desk.db")
		// QUIETDESK_BENCH_DESK_STORE keeps the store at that path, and
		// reuses it when it is there: building it takes minutes.
		if p := os.Getenv("QUIETDESK_BENCH_DESK_STORE"); p != "" {
			deskPath = p
			if _, err := os.Stat(p); err == nil {
				return
			}
		}
		start := time.Now()
		deskErr = buildDeskStore(ctx, deskPath, n)
		summarize("%-28s %s customers, %s conversations, %s messages written in %s", "desk store", thousands(n), thousands(3*n), thousands(10*n), time.Since(start).Round(time.Second))
	})
	if deskErr != nil {
		b.Fatal(deskErr)
	}
	db, err := store.Open(ctx, "sqlite:"+deskPath)
	if err != nil {
		b.Fatal(err)
	}
	return db, n
}

func buildDeskStore(ctx context.Context, path string, n int) error {
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	tables := []string{"customers", "customer_identities", "conversations", "contacts", "messages"}
	load, err := db.StartBulkLoad(ctx, tables)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(42, 42))
	span := int64(2 * 365 * 24 * 3600)
	end := deskNow.Unix()
	const chunk = 20_000
	convID, msgID := int64(0), int64(0)
	for lo := 1; lo <= n; lo += chunk {
		hi := min(lo+chunk-1, n)
		var customers, identities, convs, contacts, msgs [][]any
		for c := lo; c <= hi; c++ {
			created := end - span + r.Int64N(span/2)
			customers = append(customers, []any{c, fmt.Sprintf("Customer %d", c), created})
			identities = append(identities, []any{"email", fmt.Sprintf("customer%d@example.com", c), c})
			k := 1 + r.IntN(5) // 1..5 conversations, 3 on average
			for range k {
				convID++
				at := created + r.Int64N(end-created)
				state := "closed"
				var closed any = at + 3600
				if r.IntN(10) == 0 {
					state, closed = "open", nil
				}
				nm := 1 + r.IntN(6) // 1..6 messages, about 3.3 a conversation
				convs = append(convs, []any{convID, c, "Where is my order?", state, "email", at, at + int64(nm)*600, closed, at + int64(nm)*600})
				contacts = append(contacts, []any{convID, c, convID, "email", at, at + int64(nm)*600, "where_is_my_order"})
				for m := range nm {
					msgID++
					dir, author := "in", "customer"
					if m%2 == 1 {
						dir, author = "out", "agent"
					}
					msgs = append(msgs, []any{msgID, convID, convID, c, "email", dir, author, "Where is my order?", "Hello, my parcel has not arrived yet.", at + int64(m)*600})
				}
			}
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			for _, t := range []struct {
				name string
				cols []string
				rows [][]any
			}{
				{"customers", []string{"id", "name", "created_at"}, customers},
				{"customer_identities", []string{"kind", "value", "customer_id"}, identities},
				{"conversations", []string{"id", "customer_id", "subject", "state", "channel", "created_at", "last_message_at", "closed_at", "updated_at"}, convs},
				{"contacts", []string{"id", "customer_id", "conversation_id", "channel", "started_at", "last_message_at", "topic"}, contacts},
				{"messages", []string{"id", "conversation_id", "contact_id", "customer_id", "channel", "direction", "author", "subject", "body", "at"}, msgs},
			} {
				if err := store.InsertRows(ctx, tx, t.name, t.cols, t.rows, ""); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := load.Finish(ctx); err != nil {
		return err
	}
	_, err = db.Exec(ctx, `ANALYZE`)
	return err
}
