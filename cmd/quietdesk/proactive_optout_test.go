package main

import (
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock"
)

// An email address opted out with proactive opt-out gets no notice: the
// decision is skipped with the reason; lifted, the next order's goes out.
func TestProactiveOptOut(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		seedLateOrder(t, dsn, now)
		at := clock.Fixed(now)
		mustRunAt(t, at, "settings", "set", "support.addresses", "help@shop.example", "--db", dsn)
		if r := runAt(t, at, "", "proactive", "opt-out", "not-an-address", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "international form") {
			t.Errorf("a bad address: %+v", r)
		}
		if r := mustRunAt(t, at, "proactive", "opt-out", "Ann@Example.com", "--reason", "asked by mail", "--db", dsn); !strings.Contains(r.stdout, "ann@example.com gets no more proactive notices") {
			t.Errorf("opt-out: %q", r.stdout)
		}
		mustRunAt(t, at, "proactive", "run", "--db", dsn)
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions WHERE status = 'skipped' AND reason LIKE 'ann@example.com opted out on 2026-11-23 (asked by mail)%'`); n != 1 {
			t.Errorf("%d skipped decisions naming the opt-out, want 1", n)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM messages WHERE author = 'proactive'`); n != 0 {
			t.Errorf("%d notices sent to an opted-out address", n)
		}
		mustRunAt(t, at, "proactive", "opt-out", "ann@example.com", "--lift", "--db", dsn)
		if n := count(t, dsn, `SELECT COUNT(*) FROM opt_outs`); n != 0 {
			t.Errorf("%d opt-outs after lifting", n)
		}
	})
}
