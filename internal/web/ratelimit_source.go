package web

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"quietdesk/internal/domain"
)

// Requests from outside that no login guards (provider webhooks, the chat
// widget) are limited per source address, each class of route on its
// own: a token bucket that fills at a steady rate up to a burst. Past it
// the answer is 429 with Retry-After, and nothing is read or stored. Like
// the login limits it lives in memory, per process.
type sourceLimiter struct {
	rate  float64 // tokens a second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Providers' webhooks (Twilio, Shopify, a social bridge) share one limit
// per source address: generous, since a bulk fulfilment or a campaign's
// answers arrive as a burst from few addresses, and a refused delivery is
// retried by the sender.
const (
	webhookPerSecond = 200
	webhookBurst     = 400
)

// sourceKeys bounds the limiter's memory under a flood of addresses: past
// it, full buckets (sources idle long enough to be back at their burst)
// are forgotten.
const sourceKeys = 100_000

func newSourceLimiter(perSecond float64, burst int) *sourceLimiter {
	return &sourceLimiter{rate: perSecond, burst: float64(burst), buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket; it returns 0 when there was one,
// else how long until there is.
func (l *sourceLimiter) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= sourceKeys {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func (l *sourceLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// limitSource wraps h so that each source address may make perSecond
// requests a second on average, burst at once; class names the limit in
// the answer and keeps it apart from other classes' limits.
func (s *Server) limitSource(class string, perSecond float64, burst int, h http.Handler) http.Handler {
	l := newSourceLimiter(perSecond, burst)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait := l.take(s.clientIP(r), s.Now()); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, retryAfter(wait))))
			s.writeError(w, r, domain.Errorf(eRateLimited, "too many %s requests from your address: try again in %s", class, fmt.Sprint(wait.Round(time.Second))))
			return
		}
		h.ServeHTTP(w, r)
	})
}
