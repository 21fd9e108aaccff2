package web

import (
	"testing"
	"time"
)

func TestSourceLimiterRefillsAtItsRate(t *testing.T) {
	l := newSourceLimiter(2, 3) // 2 a second, 3 at once
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		if wait := l.take("10.0.0.1", now); wait != 0 {
			t.Fatalf("request %d of the burst waited %s", i+1, wait)
		}
	}
	wait := l.take("10.0.0.1", now)
	if wait != 500*time.Millisecond {
		t.Fatalf("past the burst: wait %s, want 500ms", wait)
	}
	if l.take("10.0.0.2", now) != 0 {
		t.Fatal("another address shares the first one's bucket")
	}
	if l.take("10.0.0.1", now.Add(500*time.Millisecond)) != 0 {
		t.Fatal("half a second later one request should pass")
	}
	if l.take("10.0.0.1", now.Add(500*time.Millisecond)) == 0 {
		t.Fatal("and only one")
	}
	// Idle for long: back to the burst, never above it.
	later := now.Add(time.Hour)
	for range 3 {
		if l.take("10.0.0.1", later) != 0 {
			t.Fatal("an idle source should have its burst back")
		}
	}
	if l.take("10.0.0.1", later) == 0 {
		t.Fatal("the bucket filled past its burst")
	}
}
