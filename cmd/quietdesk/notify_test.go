package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/notify"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestNotifyTestEmail(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	srv := notifytest.StartSMTP(t, notifytest.Options{Users: map[string]string{"relay-user": "pa55 word"}})

	r := run(t, "notify", "test", "--email", "dana@brand.example", "--db", dsn)
	if r.code != 1 || !strings.Contains(r.stderr, "quietdesk settings set smtp.host") {
		t.Errorf("test email without a relay: %+v", r)
	}
	if r := run(t, "settings", "set", "smtp.port", "smtp", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "not a port") {
		t.Errorf("bad port accepted: %+v", r)
	}
	if r := run(t, "settings", "set", "smtp.host", "127.0.0.1:25", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "smtp.port") {
		t.Errorf("host with a port accepted: %+v", r)
	}
	for k, v := range map[string]string{"smtp.host": srv.Host, "smtp.port": fmt.Sprint(srv.Port), "smtp.tls": "none",
		"smtp.username": "relay-user", "smtp.from": "Quietdesk <reviews@brand.example>"} {
		mustRun(t, "settings", "set", k, v, "--db", dsn)
	}
	// The password comes from stdin, out of the shell history, and is
	// never listed.
	if r := runWithStdin(t, "pa55 word\n", "settings", "set", "smtp.password", "-", "--db", dsn); r.code != 0 {
		t.Fatalf("set the password: %+v", r)
	}
	if r := mustRun(t, "settings", "--db", dsn); strings.Contains(r.stdout, "pa55") || !strings.Contains(r.stdout, "smtp.password=(set)") ||
		!strings.Contains(r.stdout, "smtp.host="+srv.Host) {
		t.Errorf("settings listed:\n%s", r.stdout)
	}

	r = mustRun(t, "notify", "test", "--email", "dana@brand.example", "--db", dsn)
	if !strings.Contains(r.stdout, "sent to dana@brand.example via "+srv.Host) {
		t.Errorf("stdout %q", r.stdout)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].User != "relay-user" || msgs[0].To[0] != "dana@brand.example" || !strings.Contains(string(msgs[0].Data), "Subject: Quietdesk test message") {
		t.Fatalf("server received %+v", msgs)
	}
	if n := count(t, dsn, `SELECT COUNT(*) FROM deliveries`); n != 0 {
		t.Errorf("a test message went into the outbox (%d rows)", n)
	}
}

func TestNotifyTestWebhook(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	var mu sync.Mutex
	var got []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		got = append(got, body)
		mu.Unlock()
		if strings.Contains(r.URL.Path, "broken") {
			http.Error(w, "upstream down", http.StatusInternalServerError)
		}
	}))
	defer hook.Close()

	r := mustRun(t, "notify", "test", "--webhook", hook.URL+"/services/secret", "--db", dsn)
	if !strings.Contains(r.stdout, "sent to "+hook.URL+"/…") || strings.Contains(r.stdout, "secret") {
		t.Errorf("stdout %q", r.stdout)
	}
	mu.Lock()
	if len(got) != 1 || !strings.Contains(fmt.Sprint(got[0]["text"]), "Quietdesk test message") {
		t.Errorf("posted %v", got)
	}
	mu.Unlock()
	r = run(t, "notify", "test", "--webhook", hook.URL+"/broken", "--db", dsn)
	if r.code != 1 || !strings.Contains(r.stderr, "500 Internal Server Error: upstream down") || !strings.Contains(r.stderr, "not sent: POST") {
		t.Errorf("failing webhook: %+v", r)
	}
	if r := run(t, "notify", "test", "--review-webhook", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "settings set review.webhook_url") {
		t.Errorf("unset review webhook: %+v", r)
	}
	mustRun(t, "settings", "set", "review.webhook_url", hook.URL+"/services/secret", "--db", dsn)
	mustRun(t, "notify", "test", "--review-webhook", "--db", dsn)
	if r := mustRun(t, "settings", "--db", dsn); strings.Contains(r.stdout, "/services/secret") {
		t.Errorf("settings show the webhook's secret:\n%s", r.stdout)
	}
	if r := run(t, "notify", "test", "--db", dsn); r.code != 2 {
		t.Errorf("test without a target: %+v", r)
	}
}

func TestNotifyListSendRetry(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	gone := httptest.NewServer(http.NotFoundHandler())
	defer gone.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer ok.Close()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	now := clocktest.Default
	for key, url := range map[string]string{"review:2026-W47:webhook": gone.URL + "/services/T0/secret", "review:2026-W47:other": ok.URL + "/x"} {
		if _, _, err := notify.Enqueue(context.Background(), db, notify.Delivery{Key: key, Channel: notify.ChannelWebhook, Target: url, Text: "review"}, now); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	r := run(t, "notify", "send", "--db", dsn)
	if r.code != 1 || !strings.Contains(r.stdout, "sent 1, retrying later 0, failed 1") || !strings.Contains(r.stderr, "notify list --failed") {
		t.Errorf("send: %+v", r)
	}
	r = mustRun(t, "notify", "list", "--failed", "--db", dsn)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "failed") || !strings.Contains(lines[1], "404 Not Found") || strings.Contains(r.stdout, "secret") {
		t.Errorf("list --failed:\n%s", r.stdout)
	}
	var all []notify.Delivery
	r = mustRun(t, "notify", "list", "--json", "--db", dsn)
	if err := json.Unmarshal([]byte(r.stdout), &all); err != nil || len(all) != 2 || strings.Contains(r.stdout, "secret") {
		t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	var failedID int64
	for _, d := range all {
		if d.Status == notify.StatusFailed {
			failedID = d.ID
		}
	}
	r = mustRun(t, "notify", "retry", fmt.Sprint(failedID), "--db", dsn)
	if !strings.Contains(r.stdout, "requeued") {
		t.Errorf("retry: %q", r.stdout)
	}
	if n := count(t, dsn, `SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND attempts = 0`); n != 1 {
		t.Errorf("%d requeued deliveries", n)
	}
	if r := run(t, "notify", "retry", "999", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "notify list") {
		t.Errorf("retry of an unknown id: %+v", r)
	}
	if r := run(t, "notify", "list", "--status", "lost", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "pending, sending, sent, failed") {
		t.Errorf("list with a bad status: %+v", r)
	}
}

func TestNotifyHelp(t *testing.T) {
	for _, args := range [][]string{{"notify", "--help"}, {"notify", "test", "--help"}, {"notify", "list", "--help"}, {"notify", "send", "--help"}, {"notify", "retry", "--help"}} {
		r := run(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: quietdesk "+strings.Join(args[:len(args)-1], " ")) {
			t.Errorf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := run(t, "notify"); r.code != 2 {
		t.Errorf("notify without an action: exit %d, want 2", r.code)
	}
}
