package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// TestInboxEventsStream opens the live stream as a browser does, sees a
// customer's new message arrive as an event naming its conversation, and
// then shuts the server down: the stream ends and Shutdown returns, rather
// than waiting for a stream that never ends by itself.
func TestInboxEventsStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startDesk(t, db)
		c := d.message(obj{"customer_email": "ann@example.com", "body": "first"})
		agent := d.visitor().login("agent@example.com")

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/inbox/events?since=%d", d.url, now.Unix()), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := agent.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		next := func(want string) string {
			t.Helper()
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						t.Fatalf("the stream ended before %q", want)
					}
					if strings.HasPrefix(l, want) {
						return l
					}
				case <-ctx.Done():
					t.Fatalf("no %q in time", want)
				}
			}
		}
		// The conversation was written as the page was drawn: it is news.
		if l := next("data: "); l != fmt.Sprintf(`data: {"ids":[%d]}`, c) {
			t.Errorf("first event %q", l)
		}
		// A new message in it, at the same second by the test's clock: the
		// stream tells them apart by the conversation's latest message.
		d.message(obj{"customer_email": "ann@example.com", "body": "second", "sent_at": now.Add(-time.Minute).Format(time.RFC3339)})
		if l := next("data: "); l != fmt.Sprintf(`data: {"ids":[%d]}`, c) {
			t.Errorf("second event %q", l)
		}
		// An agent's action is news too.
		d.deskAPI("POST", fmt.Sprintf("/api/v1/conversations/%d/notes", c), obj{"text": "checking"}, http.StatusCreated)
		next("data: ")

		done := make(chan error, 1)
		go func() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			done <- d.srv.Shutdown(sctx)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Shutdown with a live stream open: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("Shutdown hangs on the live stream")
		}
		for range lines {
		}
	})
}

// A message recorded by this server wakes its open streams at once: with
// polling all but off, both messages of a quick pair still reach the
// agent, the second after the stream's short calm.
func TestInboxEventsWakeOnCommit(t *testing.T) {
	d := startDesk(t, storetest.Open(t, store.SQLite))
	web.SetLivePoll(d.srv, time.Hour)
	agent := d.visitor().login("agent@example.com")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/inbox/events?since=%d", d.url, now.Unix()), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := agent.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "data: ") {
				events <- l
			}
		}
		close(events)
	}()
	wait := func(id int64) {
		t.Helper()
		want := fmt.Sprintf(`"ids":[%d]`, id)
		for {
			select {
			case l, ok := <-events:
				if !ok {
					t.Fatalf("the stream ended before %s", want)
				}
				if strings.Contains(l, want) {
					return
				}
			case <-ctx.Done():
				t.Fatalf("no event with %s: the stream was not woken", want)
			}
		}
	}
	ann := d.message(obj{"customer_email": "ann@example.com", "body": "first"})
	wait(ann)
	bob := d.message(obj{"customer_email": "bob@example.com", "body": "second"})
	wait(bob)
}
