package web

import (
	"math"
	"sync"
	"time"
)

// Login limits: after loginFailures failed logins in loginWindow for one
// account from one address, that account is refused from that address, and
// after addressFailures from one address (whatever the accounts) everything
// from it is, until the oldest of those failures is loginWindow old. No
// limit is per account alone: then anyone could lock the admin out from
// everywhere with five wrong passwords. Refused attempts are not checked,
// so they cost no password hashing and do not extend the wait.
const (
	loginFailures   = 5
	addressFailures = 20
	loginWindow     = 15 * time.Minute
	// loginKeys bounds the limiter's memory under a flood of addresses.
	loginKeys = 100_000
)

// loginLimiter counts recent failed logins by key ("ip 10.0.0.1",
// "account dana@example.com"). It lives in memory: each server process
// counts its own, which bounds guessing per process and costs the
// database nothing while under attack.
type loginLimiter struct {
	max    int
	window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time // the most recent max failures, oldest first
}

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, failures: map[string][]time.Time{}}
}

// wait returns how long until each of keys may try again: 0 when all may.
func (l *loginLimiter) wait(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		recent := l.recent(k, now)
		if len(recent) >= l.max {
			longest = max(longest, recent[len(recent)-l.max].Add(l.window).Sub(now))
		}
	}
	return longest
}

// fail records a failed login for each of keys.
func (l *loginLimiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) >= loginKeys {
		l.sweep(now)
	}
	for _, k := range keys {
		recent := append(l.recent(k, now), now)
		if len(recent) > l.max {
			recent = recent[len(recent)-l.max:]
		}
		l.failures[k] = recent
	}
}

// forget clears a key's failures, as a successful login does its account's.
func (l *loginLimiter) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// recent returns key's failures within the window, dropping older ones.
func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	list := l.failures[key]
	i := 0
	for i < len(list) && !list[i].After(now.Add(-l.window)) {
		i++
	}
	if i == len(list) {
		delete(l.failures, key)
		return nil
	}
	list = list[i:]
	l.failures[key] = list
	return list
}

// sweep drops expired keys; when the map is still full it drops arbitrary
// ones, so memory stays bounded whatever arrives.
func (l *loginLimiter) sweep(now time.Time) {
	for k := range l.failures {
		l.recent(k, now)
	}
	for k := range l.failures {
		if len(l.failures) < loginKeys*9/10 {
			break
		}
		delete(l.failures, k)
	}
}

// retryAfter is a Retry-After value: whole seconds, rounded up.
func retryAfter(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
