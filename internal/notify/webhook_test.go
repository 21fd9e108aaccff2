package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// hook is a chat webhook receiver answering each post with the next of its
// replies (the last one repeats).
type hook struct {
	*httptest.Server
	mu      sync.Mutex
	replies []int
	posts   []post
}

type post struct {
	contentType string
	body        map[string]any
}

func startHook(t *testing.T, replies ...int) *hook {
	h := &hook{replies: replies}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		h.mu.Lock()
		code := h.replies[min(len(h.posts), len(h.replies)-1)]
		h.posts = append(h.posts, post{r.Header.Get("Content-Type"), body})
		h.mu.Unlock()
		switch code {
		case http.StatusOK:
			io.WriteString(w, "ok")
		case http.StatusFound:
			http.Redirect(w, r, "/elsewhere/secret", code)
		default:
			w.WriteHeader(code)
			io.WriteString(w, "<html><title>upstream\n  down</title></html>")
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) Posts() []post {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]post(nil), h.posts...)
}

// url is the receiver's address with a secret path, as Slack's are.
func (h *hook) url() string { return h.URL + "/services/T000/B000/XyZsecret" }

var hookSenders = map[string]notify.Sender{notify.ChannelWebhook: &notify.WebhookSender{}}

func TestWebhookFailsThenSucceeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := startHook(t, http.StatusInternalServerError, http.StatusOK)
		c := newClock()
		w, log := worker(db, c, hookSenders)
		d := enqueue(t, db, notify.Delivery{Key: "review:2026-W47:webhook", Channel: notify.ChannelWebhook, Target: h.url(),
			Text: "*Weekly review 2026-W47*: CPO fell to 0.21 — <https://qd.example/review|open it>"})

		if res := runOnce(t, w); res.Retrying != 1 {
			t.Fatalf("first run = %+v, want one retrying", res)
		}
		got := get(t, db, d.ID)
		if got.Status != notify.StatusPending || got.Attempts != 1 || !got.NextAttemptAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after a 500: %+v", got)
		}
		mustContain(t, "last error", got.LastError, "500 Internal Server Error", "<html><title>upstream down</title></html>")
		mustContain(t, "log", log.String(), "will retry", "500 Internal Server Error")
		if strings.Contains(got.LastError+log.String(), "XyZsecret") {
			t.Errorf("the webhook's secret path was recorded or logged:\n%s\n%s", got.LastError, log)
		}

		c.Advance(time.Minute - time.Second)
		if res := runOnce(t, w); res != (notify.Result{}) {
			t.Fatalf("run before the backoff ended = %+v", res)
		}
		c.Advance(time.Second)
		if res := runOnce(t, w); res.Sent != 1 {
			t.Fatalf("run after the backoff = %+v", res)
		}
		posts := h.Posts()
		if len(posts) != 2 {
			t.Fatalf("%d posts, want 2", len(posts))
		}
		if p := posts[1]; p.contentType != "application/json" || p.body["text"] != d.Text {
			t.Errorf("post %+v", p)
		}
		if got := get(t, db, d.ID); got.Status != notify.StatusSent || got.Attempts != 2 || !got.SentAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after success: %+v", got)
		}
	})
}

// A receiver that always fails gets every attempt the policy allows, at
// the policy's times, and the delivery ends failed with the error kept,
// listed, and requeued by Retry.
func TestWebhookAlwaysFailing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := startHook(t, http.StatusServiceUnavailable)
		c := newClock()
		w, log := worker(db, c, hookSenders)
		d := enqueue(t, db, notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: h.url(), Text: "hello"})
		policy := notify.DefaultRetry
		for attempt := 1; attempt <= policy.MaxAttempts; attempt++ {
			res := runOnce(t, w)
			got := get(t, db, d.ID)
			if got.Attempts != attempt {
				t.Fatalf("attempt %d: %+v (run %+v)", attempt, got, res)
			}
			if attempt < policy.MaxAttempts {
				if res.Retrying != 1 || got.Status != notify.StatusPending || !got.NextAttemptAt.Equal(c.Now().Add(policy.After(attempt))) {
					t.Fatalf("attempt %d: %+v (run %+v)", attempt, got, res)
				}
				c.Advance(policy.After(attempt))
			} else if res.Failed != 1 || got.Status != notify.StatusFailed {
				t.Fatalf("last attempt: %+v (run %+v)", got, res)
			}
		}
		if n := len(h.Posts()); n != policy.MaxAttempts {
			t.Errorf("%d posts, want %d", n, policy.MaxAttempts)
		}
		c.Advance(48 * time.Hour)
		if res := runOnce(t, w); res != (notify.Result{}) {
			t.Errorf("a failed delivery was tried again: %+v", res)
		}
		failed, err := notify.Failed(ctx, db)
		if err != nil || len(failed) != 1 || failed[0].ID != d.ID {
			t.Fatalf("Failed = %+v, %v", failed, err)
		}
		mustContain(t, "last error", failed[0].LastError, "503 Service Unavailable")
		mustContain(t, "log", log.String(), "giving up", "quietdesk notify retry")

		again, err := notify.Retry(ctx, db, d.ID, c.Now())
		if err != nil || again.Status != notify.StatusPending || again.Attempts != 0 || !again.NextAttemptAt.Equal(c.Now()) {
			t.Fatalf("Retry = %+v, %v", again, err)
		}
		if res := runOnce(t, w); res.Retrying != 1 {
			t.Errorf("run after Retry = %+v", res)
		}
	})
}

func TestWebhookRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   int
		status string
		errs   []string
	}{
		{"gone", http.StatusNotFound, notify.StatusFailed, []string{"404 Not Found"}},
		{"redirect", http.StatusFound, notify.StatusFailed, []string{"302 Found", "set the webhook URL to where it leads"}},
		{"rate limited", http.StatusTooManyRequests, notify.StatusPending, []string{"429 Too Many Requests"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.Open(t, store.SQLite)
			h := startHook(t, tc.code)
			w, _ := worker(db, newClock(), hookSenders)
			d := enqueue(t, db, notify.Delivery{Key: "k", Channel: notify.ChannelWebhook, Target: h.url(), Text: "hello"})
			runOnce(t, w)
			got := get(t, db, d.ID)
			if got.Status != tc.status || got.Attempts != 1 || len(h.Posts()) != 1 {
				t.Errorf("%+v after %d posts, want %s", got, len(h.Posts()), tc.status)
			}
			mustContain(t, "last error", got.LastError, tc.errs...)
			if strings.Contains(got.LastError, "secret") {
				t.Errorf("a secret path was recorded: %s", got.LastError)
			}
		})
	}
}

func TestWebhookTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := &notify.WebhookSender{Timeout: 50 * time.Millisecond}
	err := s.Send(context.Background(), notify.Delivery{Channel: notify.ChannelWebhook, Target: srv.URL + "/x", Payload: []byte(`{"text":"hi"}`)})
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Fatalf("err = %v, want a retried timeout", err)
	}
}

// A delivery built by hand, without the payload Enqueue would add, posts
// its text.
func TestWebhookWithoutPayload(t *testing.T) {
	h := startHook(t, http.StatusOK)
	err := (&notify.WebhookSender{}).Send(context.Background(), notify.Delivery{Channel: notify.ChannelWebhook, Target: h.url(), Text: "hi *there*"})
	if p := h.Posts(); err != nil || len(p) != 1 || p[0].body["text"] != "hi *there*" {
		t.Fatalf("posted %+v, %v", p, err)
	}
}
