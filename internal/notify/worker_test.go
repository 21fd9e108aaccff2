package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/notify"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Two processes' workers — two store.DB handles on one database — sending
// 50 deliveries at once send each exactly once.
func TestExactlyOnceAcrossProcesses(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, dialect)
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			// Each send takes a moment, as real ones do, so that the two
			// workers' claims interleave.
			srv := notifytest.StartSMTP(t, notifytest.Options{Latency: 2 * time.Millisecond})
			var mu sync.Mutex
			posts := map[string]int{}
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(2 * time.Millisecond)
				mu.Lock()
				posts[r.URL.Path]++
				mu.Unlock()
			}))
			defer hook.Close()

			for i := range 50 {
				d := notify.Delivery{Key: fmt.Sprintf("review:2026-W47:%d", i), Subject: "Weekly review", Text: "CPO 0.21"}
				if i%2 == 0 {
					d.Channel, d.Target = notify.ChannelEmail, fmt.Sprintf("owner%d@brand.example", i)
				} else {
					d.Channel, d.Target = notify.ChannelWebhook, fmt.Sprintf("%s/hook/%d", hook.URL, i)
				}
				if _, _, err := notify.Enqueue(ctx, dbs[i%2], d, t0); err != nil {
					t.Fatal(err)
				}
			}

			c := newClock()
			cfg := relay(srv)
			cfg.Username = ""
			var results [2]notify.Result
			var wg sync.WaitGroup
			for i, db := range dbs {
				w, _ := worker(db, c, map[string]notify.Sender{
					notify.ChannelEmail:   &notify.SMTPSender{Config: cfg, Now: clocktest.Clock()},
					notify.ChannelWebhook: &notify.WebhookSender{},
				})
				w.Name = fmt.Sprintf("process-%d", i)
				wg.Go(func() {
					res, err := w.RunOnce(ctx)
					if err != nil {
						t.Error(err)
					}
					results[i] = res
				})
			}
			wg.Wait()

			received := map[string]int{}
			for _, m := range srv.Messages() {
				received[m.To[0]]++
			}
			for path, n := range posts {
				received[path] = n
			}
			if len(received) != 50 {
				t.Errorf("%d distinct deliveries received, want 50", len(received))
			}
			for k, n := range received {
				if n != 1 {
					t.Errorf("%s received %d times", k, n)
				}
			}
			if results[0].Sent+results[1].Sent != 50 || results[0].Sent == 0 || results[1].Sent == 0 {
				t.Errorf("workers sent %d and %d: want 50 between them, both taking part", results[0].Sent, results[1].Sent)
			}
			var sent, attempts int
			if err := dbs[0].QueryRow(ctx, `SELECT COUNT(*), SUM(attempts) FROM deliveries WHERE status = 'sent'`).Scan(&sent, &attempts); err != nil {
				t.Fatal(err)
			}
			if sent != 50 || attempts != 50 {
				t.Errorf("%d sent with %d attempts, want 50 and 50", sent, attempts)
			}
		})
	}
}

// A worker that stops after claiming leaves a claim that expires; another
// worker then sends the delivery, and the stopped one, should it come back,
// cannot overwrite the outcome.
func TestExpiredClaimIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := startHook(t, http.StatusOK)
		c := newClock()
		crashed, _ := worker(db, c, hookSenders)
		crashed.Name = "crashed-host/42"
		other, log := worker(db, c, hookSenders)
		d := enqueue(t, db, notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: h.url(), Text: "hello"})

		claimed, ok, err := crashed.Claim(ctx, c.Now())
		if err != nil || !ok || claimed.ID != d.ID || claimed.Status != notify.StatusSending || claimed.Attempts != 1 {
			t.Fatalf("Claim = %+v, %v, %v", claimed, ok, err)
		}
		if _, ok, _ := other.Claim(ctx, c.Now()); ok {
			t.Fatal("a claimed delivery was claimed twice")
		}
		// The claim lasts twice the send timeout plus a minute.
		c.Advance(3*time.Minute - time.Second)
		if res := runOnce(t, other); res != (notify.Result{}) || len(h.Posts()) != 0 {
			t.Fatalf("run while the claim holds = %+v, %d posts", res, len(h.Posts()))
		}
		c.Advance(time.Second)
		if res := runOnce(t, other); res.Expired != 1 || res.Sent != 1 {
			t.Fatalf("run after the claim expired = %+v", res)
		}
		got := get(t, db, d.ID)
		if got.Status != notify.StatusSent || got.Attempts != 2 || len(h.Posts()) != 1 {
			t.Fatalf("after the retry: %+v, %d posts", got, len(h.Posts()))
		}
		mustContain(t, "last error", got.LastError, "attempt 1 by crashed-host/42 did not finish")
		mustContain(t, "log", log.String(), "claim expired")

		if status := crashed.Deliver(ctx, hookSenders[notify.ChannelWebhook], claimed); status != "" {
			t.Errorf("the stopped worker recorded %q", status)
		}
		if again := get(t, db, d.ID); again.Status != notify.StatusSent || again.Attempts != 2 || !again.SentAt.Equal(*got.SentAt) {
			t.Errorf("the stopped worker changed the delivery: %+v", again)
		}
	})
}

// A claim that expires on the last attempt fails the delivery.
func TestExpiredLastAttemptFails(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	c := newClock()
	w, _ := worker(db, c, hookSenders)
	w.Retry = notify.RetryPolicy{Backoff: []time.Duration{time.Minute}, MaxAttempts: 1}
	d := enqueue(t, db, notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: "http://127.0.0.1:1/x", Text: "hello"})
	if _, ok, err := w.Claim(ctx, c.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
	c.Advance(time.Hour)
	if res := runOnce(t, w); res.Expired != 1 || res.Sent+res.Retrying+res.Failed != 0 {
		t.Fatalf("RunOnce = %+v", res)
	}
	if got := get(t, db, d.ID); got.Status != notify.StatusFailed || got.Attempts != 1 {
		t.Errorf("%+v, want failed", got)
	}
}

// Without injected senders a worker reads the store's settings on every
// run: email waits, with an error that says what to set, until the relay
// is configured, and webhooks go regardless.
func TestWorkerReadsSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: map[string]string{"relay-user": "s3cret"}})
		h := startHook(t, http.StatusOK)
		c := newClock()
		w, _ := worker(db, c, nil)
		mail := enqueue(t, db, review)
		enqueue(t, db, notify.Delivery{Key: "hook", Channel: notify.ChannelWebhook, Target: h.url(), Text: "hello"})
		if err := db.SetSetting(ctx, notify.SettingSMTPPort, "not a port"); err != nil {
			t.Fatal(err)
		}
		if res := runOnce(t, w); res.Sent != 1 || res.Retrying != 1 {
			t.Fatalf("RunOnce = %+v", res)
		}
		mustContain(t, "last error", get(t, db, mail.ID).LastError, "smtp.port", "not a port")

		for k, v := range map[string]string{
			notify.SettingSMTPHost: srv.Host, notify.SettingSMTPPort: fmt.Sprint(srv.Port), notify.SettingSMTPTLS: "none",
			notify.SettingSMTPUsername: "relay-user", notify.SettingSMTPPassword: "s3cret", notify.SettingSMTPFrom: "reviews@brand.example",
			notify.SettingReviewWebhook: h.url(),
		} {
			if err := db.SetSetting(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
		cfg, err := notify.LoadConfig(ctx, db)
		if err != nil || cfg.WebhookURL != h.url() || cfg.SMTP.Port != srv.Port || cfg.SMTP.Password != "s3cret" {
			t.Fatalf("LoadConfig = %+v, %v", cfg, err)
		}
		c.Advance(time.Minute)
		if res := runOnce(t, w); res.Sent != 1 || len(srv.Messages()) != 1 {
			t.Fatalf("run with the relay configured = %+v", res)
		}
		if m := srv.Messages()[0]; m.From != "reviews@brand.example" || !strings.Contains(string(m.Data), "Weekly review") {
			t.Errorf("message %+v", m)
		}
	})
}
