package decide

import (
	"fmt"
	"time"

	"quietdesk/internal/domain"
)

// Week is an ISO week (Monday to Sunday) in the store's time zone.
type Week struct {
	Start time.Time // Monday, midnight, in the store's time zone
}

const dateLayout = "2006-01-02"

// WeekOf is the week a moment falls in, in loc.
func WeekOf(t time.Time, loc *time.Location) Week {
	t = t.In(loc)
	offset := (int(t.Weekday()) + 6) % 7
	return Week{time.Date(t.Year(), t.Month(), t.Day()-offset, 0, 0, 0, 0, loc)}
}

// LastCompleteWeek is the latest week that has ended by now.
func LastCompleteWeek(now time.Time, loc *time.Location) Week {
	return WeekOf(now, loc).Add(-1)
}

// ParseWeek reads "2026-W12" (or a date inside the week) in loc.
func ParseWeek(s string, loc *time.Location) (Week, error) {
	var year, week int
	if n, err := fmt.Sscanf(s, "%d-W%d", &year, &week); err == nil && n == 2 && week >= 1 && week <= 53 {
		// ISO week 1 holds January 4th.
		w := WeekOf(time.Date(year, 1, 4, 12, 0, 0, 0, loc), loc).Add(week - 1)
		if y, wk := w.Start.ISOWeek(); y == year && wk == week {
			return w, nil
		}
	}
	if d, err := time.ParseInLocation(dateLayout, s, loc); err == nil {
		return WeekOf(d, loc), nil
	}
	return Week{}, domain.Errorf(domain.EInvalid, "week %q: write it as an ISO week like 2026-W12 (or a date inside it)", s)
}

// Add moves n weeks on (back when negative), by the calendar so that DST
// changes cannot shift a Monday.
func (w Week) Add(n int) Week {
	s := w.Start
	return Week{time.Date(s.Year(), s.Month(), s.Day()+7*n, 0, 0, 0, 0, s.Location())}
}

// End is the next Monday's midnight.
func (w Week) End() time.Time { return w.Add(1).Start }

// Sunday is the week's last day.
func (w Week) Sunday() time.Time {
	s := w.Start
	return time.Date(s.Year(), s.Month(), s.Day()+6, 0, 0, 0, 0, s.Location())
}

// String is the ISO label, 2026-W12, as the metrics' periods are named.
func (w Week) String() string {
	y, n := w.Start.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, n)
}

// Before reports whether w comes before o.
func (w Week) Before(o Week) bool { return w.Start.Before(o.Start) }

// weeksBetween is how many weeks from a to b (b − a).
func weeksBetween(a, b Week) int {
	days := b.Start.Sub(a.Start).Hours() / 24
	if days < 0 {
		return -int(-days/7 + 0.5)
	}
	return int(days/7 + 0.5)
}
