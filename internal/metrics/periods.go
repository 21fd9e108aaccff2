package metrics

import (
	"fmt"
	"time"
)

// dateLayout is how days are written everywhere: in the store's time zone.
const dateLayout = "2006-01-02"

// period returns the period a day belongs to at a grain: its label and its
// first day.
func period(day time.Time, grain string) (label string, start time.Time) {
	switch grain {
	case "day":
		return day.Format(dateLayout), day
	case "month":
		start = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location())
		return start.Format("2006-01"), start
	default: // ISO week, Monday to Sunday
		year, week := day.ISOWeek()
		offset := (int(day.Weekday()) + 6) % 7 // days since Monday
		start = time.Date(day.Year(), day.Month(), day.Day()-offset, 0, 0, 0, 0, day.Location())
		return fmt.Sprintf("%d-W%02d", year, week), start
	}
}

// days lists the calendar days from..to inclusive in loc. Days are built
// from the calendar, not by adding 24 hours, so DST changes cannot skip or
// repeat one.
func days(from, to time.Time) []time.Time {
	var out []time.Time
	for d := from; !d.After(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, d.Location()) {
		out = append(out, d)
	}
	return out
}

// dayOf returns the calendar day, in loc, of a Unix time.
func dayOf(unix int64, loc *time.Location) string {
	return time.Unix(unix, 0).In(loc).Format(dateLayout)
}

// endOfDay returns the first instant after the day (its next midnight).
func nextMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, d.Location())
}
