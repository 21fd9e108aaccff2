package notify

import (
	"errors"
	"time"
)

// RetryPolicy says when a failed attempt is tried again and when to give up.
type RetryPolicy struct {
	// Backoff[n-1] is the wait after the n-th failed attempt; the last one
	// repeats.
	Backoff []time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is failed.
	MaxAttempts int
}

// DefaultRetry spreads eight attempts over about 45 hours: a relay that is
// down for a few minutes costs a minute's delay, and a wrong password fixed
// the next day still lets the weekly review through.
var DefaultRetry = RetryPolicy{
	Backoff:     []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour},
	MaxAttempts: 8,
}

// After is the wait after the given number of failed attempts.
func (p RetryPolicy) After(attempts int) time.Duration {
	if len(p.Backoff) == 0 {
		return time.Minute
	}
	return p.Backoff[min(max(attempts, 1), len(p.Backoff))-1]
}

// PermanentError is a failure that trying again cannot fix: the relay
// refused the recipient or the message, the webhook refused the request.
// The delivery is failed at once instead of retried.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as permanent.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err was marked permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
