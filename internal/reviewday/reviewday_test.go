package reviewday_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/metrics"
	"quietdesk/internal/notify"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/reviewday"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// chat is a chat webhook that fails its first fails posts with a 500.
type chat struct {
	mu    sync.Mutex
	fails int
	posts []string
}

func (c *chat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fails > 0 {
		c.fails--
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	var body struct{ Text string }
	data, _ := io.ReadAll(r.Body)
	json.Unmarshal(data, &body)
	c.posts = append(c.posts, body.Text)
}

func (c *chat) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.posts...)
}

func TestReviewGoesOutOnceOnItsDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		hook := &chat{fails: 1}
		web := httptest.NewServer(hook)
		t.Cleanup(web.Close)
		for k, v := range map[string]string{"timezone": "Europe/Paris", notify.SettingSMTPHost: smtp.Host, notify.SettingSMTPPort: strconv.Itoa(smtp.Port),
			notify.SettingSMTPTLS: "none", notify.SettingSMTPFrom: "Quietdesk <review@brand.example>", notify.SettingReviewWebhook: web.URL + "/hooks/T0/B0/secret"} {
			if err := db.SetSetting(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, `INSERT INTO owners (name, email) VALUES ('Dana', 'dana@brand.example'), ('Malik', 'malik@brand.example'), ('Tom', '')`); err != nil {
			t.Fatal(err)
		}
		if err := db.SetSetting(ctx, decide.ProgramStartSetting, "2026-10-01"); err != nil {
			t.Fatal(err)
		}
		var now time.Time
		clock := func() time.Time { return now }
		scheduler := func() *reviewday.Scheduler {
			return &reviewday.Scheduler{DB: db, Log: log, Now: clock, BaseURL: "https://desk.brand.example",
				Decider: &decide.Decider{DB: db, Metrics: &metrics.Engine{DB: db, Now: clock}, Now: clock}}
		}
		paris, _ := time.LoadLocation("Europe/Paris")
		// Sunday evening and Monday at dawn: not yet.
		for _, at := range []time.Time{time.Date(2026, 11, 22, 20, 0, 0, 0, paris), time.Date(2026, 11, 23, 6, 0, 0, 0, paris)} {
			now = at
			if d, err := scheduler().RunOnce(ctx); err != nil || len(d) != 0 {
				t.Fatalf("%s: %v %v", at, d, err)
			}
		}
		// Monday 8:00: two servers check at once; each message is enqueued once.
		now = time.Date(2026, 11, 23, 8, 0, 0, 0, paris)
		var wg sync.WaitGroup
		created := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d, err := scheduler().Deliver(ctx, decide.LastCompleteWeek(now, paris))
				if err != nil {
					t.Error(err)
				}
				created[i] = len(d)
			}()
		}
		wg.Wait()
		if created[0]+created[1] != 3 {
			t.Errorf("created %v deliveries, want 3 in all (two owners with an address, one webhook)", created)
		}
		if d, err := scheduler().RunOnce(ctx); err != nil || len(d) != 0 {
			t.Errorf("a later check enqueued again: %v %v", d, err)
		}

		worker := notify.NewWorker(db, log, clock)
		res, err := worker.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent != 2 || res.Retrying != 1 {
			t.Errorf("first round %+v, want 2 emails sent and the webhook retrying", res)
		}
		msgs := smtp.Messages()
		if len(msgs) != 2 {
			t.Fatalf("%d emails", len(msgs))
		}
		body := string(msgs[0].Data)
		for _, want := range []string{"Subject: Weekly review 2026-W47", "text/html", "What changed this week?", "desk.brand.example/review?week"} {
			if !strings.Contains(body, want) {
				t.Errorf("email lacks %q:\n%s", want, body)
			}
		}
		failed, _ := notify.List(ctx, db, notify.ListOptions{})
		var hookDelivery notify.Delivery
		for _, d := range failed {
			if d.Channel == notify.ChannelWebhook {
				hookDelivery = d
			}
		}
		if hookDelivery.Attempts != 1 || !strings.Contains(hookDelivery.LastError, "500") {
			t.Errorf("the failed post is not recorded: %+v", hookDelivery)
		}
		// The retry, a few minutes later, goes through.
		now = now.Add(10 * time.Minute)
		if res, err := worker.RunOnce(ctx); err != nil || res.Sent != 1 {
			t.Fatalf("retry %+v %v", res, err)
		}
		posts := hook.received()
		if len(posts) != 1 || !strings.Contains(posts[0], "*Weekly review 2026-W47") || strings.Contains(posts[0], "**") {
			t.Errorf("posts %q", posts)
		}
		// Nothing more to send, ever.
		now = now.Add(48 * time.Hour)
		if res, _ := worker.RunOnce(ctx); res.Sent != 0 || len(smtp.Messages()) != 2 || len(hook.received()) != 1 {
			t.Errorf("sent again: %+v", res)
		}
	})
}
