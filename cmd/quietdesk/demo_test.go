package main

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestDemoCreatesTheStoreOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		r := mustRun(t, "demo", "--no-serve", "--orders", "2000", "--seed", "5", "--db", dsn)
		if !strings.Contains(r.stdout, "2,000 orders in the 26 weeks 2026-06-01 to 2026-11-29") {
			t.Errorf("stdout %q does not say what was made", r.stdout)
		}
		for _, phase := range []string{"writing orders", "building indexes", "linking contacts", "building the metrics rollups"} {
			if !strings.Contains(r.stderr, phase) {
				t.Errorf("stderr %q does not report %q", r.stderr, phase)
			}
		}
		orders := count(t, dsn, `SELECT COUNT(*) FROM orders`)
		contacts := count(t, dsn, `SELECT COUNT(*) FROM contacts`)
		if orders <= 2000 || contacts == 0 {
			t.Fatalf("%d orders and %d contacts stored", orders, contacts)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM metric_dirty`); n != 0 {
			t.Errorf("the rollups are not built: %d dirty days", n)
		}

		r = mustRun(t, "demo", "--no-serve", "--orders", "2000", "--seed", "5", "--db", dsn)
		if !strings.Contains(r.stdout, "holds the demo store (seed 5, 2,000 orders") {
			t.Errorf("second run: %q", r.stdout)
		}
		if o, c := count(t, dsn, `SELECT COUNT(*) FROM orders`), count(t, dsn, `SELECT COUNT(*) FROM contacts`); o != orders || c != contacts {
			t.Errorf("second run: %d orders and %d contacts, want %d and %d", o, c, orders, contacts)
		}
	})
}

func TestDemoRefusesAStoreWithOrders(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	mustRun(t, "import", "orders", generic+"orders.csv", "--db", dsn)
	r := run(t, "demo", "--no-serve", "--orders", "500", "--db", dsn)
	if r.code != 1 || !strings.Contains(r.stderr, "already holds orders (5 of them) that are not a demo store") {
		t.Fatalf("exit %d, stderr %q: want a refusal", r.code, r.stderr)
	}
	if n := count(t, dsn, `SELECT COUNT(*) FROM orders`); n != 5 {
		t.Errorf("%d orders after the refusal, want 5", n)
	}
	if r := run(t, "demo", "--orders", "10", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "orders must be between") {
		t.Errorf("--orders 10: exit %d, %q", r.code, r.stderr)
	}
}

// TestDemoServesWithALogin runs make demo's command line: the store is made,
// served, and the printed login and token both work.
func TestDemoServesWithALogin(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	cmd := binaryCommand("demo", "--orders", "500", "--addr", "127.0.0.1:0", "--db", dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	addr := waitLog(t, lines, regexp.MustCompile(`serving the demo store on http://(\S+)`))
	creds := regexp.MustCompile(`log in: +(\S+) / (\S+) \(admin\)`).FindStringSubmatch(waitLog(t, lines, regexp.MustCompile(`log in:`)))
	agent := regexp.MustCompile(`agent: +(\S+) / (\S+) \(agent`).FindStringSubmatch(waitLog(t, lines, regexp.MustCompile(`agent:`)))
	if chatPage := waitLog(t, lines, regexp.MustCompile(`chat: +(http://\S+/settings/chat)`)); chatPage != "http://"+addr+"/settings/chat" {
		t.Errorf("the chat page printed is %q", chatPage)
	}
	if help := waitLog(t, lines, regexp.MustCompile(`help: +(http://\S+/help) `)); help != "http://"+addr+"/help" {
		t.Errorf("the help centre printed is %q", help)
	}
	token := waitLog(t, lines, regexp.MustCompile(`API token: (qd_\S+)`))
	// Connections can be tried: the demo made a key beside the store,
	// readable by its owner only.
	keyPath := waitLog(t, lines, regexp.MustCompile(`sealed with the key in (\S+) \(`))
	if info, err := os.Stat(keyPath); err != nil || info.Mode().Perm() != 0o600 || keyPath != strings.TrimPrefix(dsn, "sqlite:")+".key" {
		t.Errorf("the demo's key %s: %v %v", keyPath, info, err)
	} else if b, _ := os.ReadFile(keyPath); func() error { _, err := connect.ParseKey(string(b)); return err }() != nil {
		t.Errorf("the demo's key does not parse: %q", b)
	}

	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/metrics?metric=orders&from=2026-01-01&to=2026-01-31", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("metrics API with the printed token: %d", resp.StatusCode)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := auth.Authenticate(context.Background(), db, creds[1], creds[2]); err != nil {
		t.Errorf("the printed login %s does not log in: %v", creds[1], err)
	}
	// The agent's login works the desk, and the inbox is not empty.
	if u, err := auth.Authenticate(context.Background(), db, agent[1], agent[2]); err != nil || !u.ReadsMessages() {
		t.Errorf("the printed agent login %s: %+v %v", agent[1], u, err)
	}
	if n := count(t, dsn, `SELECT COUNT(*) FROM messages`); n == 0 {
		t.Errorf("the demo's desk has no message")
	}
	// The demo serves with the same background work as serve: every task
	// runs once at the start.
	tasks := backgroundTasks()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n := count(t, dsn, `SELECT COUNT(*) FROM scheduled_tasks WHERE last_finished_at IS NOT NULL`)
		if n == tasks {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of the %d background tasks ran while the demo served", n, tasks)
		}
	}

	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo exited with %v after SIGINT, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("demo still running 30 s after SIGINT")
	}
}

// backgroundTasks is how many tasks serve's scheduler runs.
func backgroundTasks() int {
	return len((&app{now: clock.Fixed(time.Now())}).scheduler(nil, slog.Default(), "").Tasks)
}
