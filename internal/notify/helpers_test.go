package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

var t0 = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) // a Monday morning: review day

// clock is the workers' time; tests move it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// logs collects what workers log, safe for concurrent workers.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// worker returns a worker on db with the test clock and senders, logging
// into the returned buffer.
func worker(db *store.DB, c *clock, senders map[string]notify.Sender) (*notify.Worker, *logs) {
	l := &logs{}
	w := notify.NewWorker(db, slog.New(slog.NewTextHandler(l, nil)), c.Now)
	w.Senders = senders
	return w, l
}

func enqueue(t *testing.T, db *store.DB, d notify.Delivery) notify.Delivery {
	t.Helper()
	got, created, err := notify.Enqueue(context.Background(), db, d, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatalf("%s was already enqueued", d.Key)
	}
	return got
}

func get(t *testing.T, db *store.DB, id int64) notify.Delivery {
	t.Helper()
	d, err := notify.Get(context.Background(), db, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func runOnce(t *testing.T, w *notify.Worker) notify.Result {
	t.Helper()
	res, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}
