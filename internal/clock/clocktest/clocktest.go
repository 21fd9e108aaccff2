// Package clocktest gives tests their clock: a fixed default moment, and
// the awkward days the date-sensitive suites also run on, so that a test
// that would pass on a Monday and fail on a Tuesday fails every day.
package clocktest

import (
	"time"

	"quietdesk/internal/clock"
)

// Default is the moment tests run at unless they choose another: a
// Wednesday, so "this week" is in progress and the last complete week
// ended three days before.
var Default = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// Clock is a clock stopped at Default.
func Clock() clock.Clock { return clock.Fixed(Default) }

// Day is one moment to pin the clock to.
type Day struct {
	Name string
	Now  time.Time
}

func at(name, zone string, y int, m time.Month, d, h, min int) Day {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	return Day{Name: name, Now: time.Date(y, m, d, h, min, 0, 0, loc)}
}

// Awkward lists the days where week arithmetic goes wrong if it can: every
// weekday of the week after Black Friday, the Black Friday week itself, an
// ISO year with 53 weeks and the first days of the year after it, and both
// daylight-saving changes in Europe/Paris and America/New_York (on the day,
// in the hour that repeats or vanishes, and the Monday after).
func Awkward() []Day {
	days := []Day{
		at("black friday", "Europe/Paris", 2026, time.November, 27, 18, 0),
		at("monday after black friday", "Europe/Paris", 2026, time.November, 30, 8, 0),
		at("tuesday", "Europe/Paris", 2026, time.December, 1, 12, 0),
		at("wednesday", "Europe/Paris", 2026, time.December, 2, 12, 0),
		at("thursday", "Europe/Paris", 2026, time.December, 3, 12, 0),
		at("friday", "Europe/Paris", 2026, time.December, 4, 12, 0),
		at("saturday", "Europe/Paris", 2026, time.December, 5, 12, 0),
		at("sunday just before midnight", "Europe/Paris", 2026, time.December, 6, 23, 59),
		at("new year's eve in week 53", "Europe/Paris", 2026, time.December, 31, 23, 30),
		at("new year's day in week 53", "Europe/Paris", 2027, time.January, 1, 0, 30),
		at("sunday ending week 53", "America/New_York", 2027, time.January, 3, 20, 0),
		at("monday after week 53", "Europe/Paris", 2027, time.January, 4, 0, 15),
		at("paris spring forward", "Europe/Paris", 2026, time.March, 29, 3, 30),
		at("monday after paris spring forward", "Europe/Paris", 2026, time.March, 30, 9, 0),
		at("paris fall back", "Europe/Paris", 2026, time.October, 25, 2, 30),
		at("new york spring forward", "America/New_York", 2026, time.March, 8, 3, 30),
		at("new york fall back", "America/New_York", 2026, time.November, 1, 1, 30),
		at("monday after new york fall back", "America/New_York", 2026, time.November, 2, 0, 30),
	}
	return days
}
