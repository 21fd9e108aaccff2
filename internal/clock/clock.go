// Package clock is the program's one source of "now".
//
// Time is a dependency like the database: main makes one Clock and passes
// it down to everything that needs the date or the time, so every command
// and every test can run "as of" any moment (docs/time.md). Nothing else in
// the program reads the wall clock; TestNoWallClock checks that.
package clock

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Clock tells the time.
type Clock func() time.Time

// Wall is the real clock. Only main uses it.
func Wall() Clock { return time.Now }

// Fixed is a clock stopped at t.
func Fixed(t time.Time) Clock { return func() time.Time { return t } }

// From is a clock that reads at when it is made and then advances with
// base: a server run "as of" a date still sees seconds pass, so sessions
// expire and retries wait.
func From(at time.Time, base Clock) Clock {
	offset := at.Sub(base())
	return func() time.Time { return base().Add(offset) }
}

// Since is how long ago start was, by c.
func (c Clock) Since(start time.Time) time.Duration { return c().Sub(start) }

// EnvNow is the environment variable that runs any command as of another
// moment: a date (YYYY-MM-DD, noon UTC that day) or an RFC 3339 time.
const EnvNow = "QUIETDESK_NOW"

// Parse reads a moment as EnvNow takes it.
func Parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Add(12 * time.Hour), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 time (2026-12-02T09:00:00Z)", s)
}

// FromEnv is the program's clock: the wall clock, or, when EnvNow is set,
// a clock that starts at the moment it names.
func FromEnv() (Clock, error) {
	wall := Wall()
	v := os.Getenv(EnvNow)
	if v == "" {
		return wall, nil
	}
	at, err := Parse(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvNow, err)
	}
	return From(at, wall), nil
}
