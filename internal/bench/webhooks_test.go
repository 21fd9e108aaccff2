package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/twilio"
	"quietdesk/internal/web"
)

// webhookSeconds is how long each phase of BenchmarkTwilioWebhooks lasts
// (QUIETDESK_BENCH_WEBHOOK_SECONDS, 10); webhookRate its requests a second
// (QUIETDESK_BENCH_WEBHOOK_RATE, 100).
func webhookSeconds() int { return envInt("QUIETDESK_BENCH_WEBHOOK_SECONDS", 10) }
func webhookRate() int    { return envInt("QUIETDESK_BENCH_WEBHOOK_RATE", 100) }

// BenchmarkTwilioWebhooks serves a SQLite store in process and posts
// signed inbound SMS webhooks, each from another customer (so each makes a
// customer, a conversation, a contact and a message), at 100 a second for
// 10 seconds. The baseline is the same server answering GET /healthz at
// the same pace just before. It reports both phases' p50, p95 and p99.
func BenchmarkTwilioWebhooks(b *testing.B) {
	const token = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a90"
	for i := 0; i < b.N; i++ {
		db, base, stop := webhookServer(b, func(base string) map[string]string {
			return map[string]string{store.SiteURLSetting: base, twilio.SettingAuthToken: token}
		})
		idle, hooks := pacedAgainstIdle(b, base, func(k int) (*http.Request, error) {
			form := url.Values{"ToCountry": {"US"}, "SmsMessageSid": {fmt.Sprintf("SM%032x", k)}, "NumMedia": {"0"}, "SmsSid": {fmt.Sprintf("SM%032x", k)},
				"SmsStatus": {"received"}, "Body": {"Where is my order? It was due yesterday."}, "To": {"+14123456789"}, "NumSegments": {"1"},
				"MessageSid": {fmt.Sprintf("SM%032x", k)}, "AccountSid": {"AC1a03647d811fab342c0ad608e382fab2"}, "From": {fmt.Sprintf("+1555%07d", k)}, "ApiVersion": {"2010-04-01"}}
			req, err := http.NewRequest("POST", base+twilio.WebhookPath, strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Twilio-Signature", twilio.Signature(token, base+twilio.WebhookPath, form))
			}
			return req, err
		})
		stop()
		n := webhookRate() * webhookSeconds()
		if stored := count(b, db, `SELECT COUNT(*) FROM messages`); stored != n {
			b.Fatalf("%d of %d messages stored", stored, n)
		}
		ip, wp := percentiles(idle), percentiles(hooks)
		b.ReportMetric(float64(wp[0].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(wp[1].Microseconds())/1000, "p95-ms")
		b.ReportMetric(float64(wp[2].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(ip[1].Microseconds())/1000, "idle-p95-ms")
		b.Logf("Twilio webhooks, %d/s for %d s on SQLite: p50 %s, p95 %s, p99 %s; idle baseline (GET /healthz at the same pace): p50 %s, p95 %s, p99 %s",
			webhookRate(), webhookSeconds(), ms(wp[0]), ms(wp[1]), ms(wp[2]), ms(ip[0]), ms(ip[1]), ms(ip[2]))
		summarize("%-28s %d/s for %d s: p50 %s, p95 %s, p99 %s (idle p95 %s)", "Twilio webhooks (sqlite)", webhookRate(), webhookSeconds(),
			ms(wp[0]), ms(wp[1]), ms(wp[2]), ms(ip[1]))
	}
}

// webhookServer serves a new SQLite store in process, with the settings
// settings(its base URL) gives, and returns the store, the base URL and
// the function that stops the server.
func webhookServer(b *testing.B, settings func(base string) map[string]string) (*store.DB, string, func()) {
	ctx := context.Background()
	db := storetest.Open(b, store.SQLite)
	srv := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.From(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), clock.Wall()))
	addr, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + addr
	for k, v := range settings(base) {
		if err := db.SetSetting(ctx, k, v); err != nil {
			b.Fatal(err)
		}
	}
	return db, base, func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
}

// pacedAgainstIdle sends GET /healthz at the webhooks' pace for as long
// (the idle baseline), then the webhooks next makes, and returns both
// phases' latencies; any request that fails stops the benchmark.
func pacedAgainstIdle(b *testing.B, base string, next func(int) (*http.Request, error)) (idle, hooks []time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	n := webhookRate() * webhookSeconds()
	idle, idleFailed := paced(b, n, func(int) (*http.Request, error) { return http.NewRequest("GET", base+"/healthz", nil) }, client)
	hooks, hookFailed := paced(b, n, next, client)
	if hookFailed > 0 || idleFailed > 0 {
		b.Fatalf("%d webhooks and %d health checks failed", hookFailed, idleFailed)
	}
	return idle, hooks
}

// count runs a COUNT query on db.
func count(b *testing.B, db *store.DB, query string) int {
	var n int
	if err := db.QueryRow(context.Background(), query).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// paced sends n requests at webhookRate a second, each on its own
// goroutine when due (an open loop: a slow answer does not delay the next
// request), and returns each one's latency and how many failed.
func paced(b *testing.B, n int, next func(int) (*http.Request, error), client *http.Client) ([]time.Duration, int) {
	interval := time.Second / time.Duration(webhookRate())
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	start := time.Now()
	for k := range n {
		if wait := time.Until(start.Add(time.Duration(k) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		req, err := next(k)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			lat[k] = time.Since(t)
			if err != nil || resp.StatusCode != 200 {
				mu.Lock()
				bad++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, bad
}
