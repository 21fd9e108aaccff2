package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/demo"
)

// lastCompleteWeek is the ISO week that ended before now in now's zone,
// worked out here from the calendar alone so that the program's own week
// arithmetic is checked, not repeated. Noon keeps DST changes out of it.
func lastCompleteWeek(now time.Time) (label string, monday, sunday time.Time) {
	y, m, d := now.Date()
	back := (int(now.Weekday())+6)%7 + 7
	monday = time.Date(y, m, d-back, 12, 0, 0, 0, now.Location())
	iy, iw := monday.ISOWeek()
	return fmt.Sprintf("%d-W%02d", iy, iw), monday, monday.AddDate(0, 0, 6)
}

// TestDecisionLoopOnAwkwardDays makes a small demo store as of each of the
// awkward days (week 53, New Year, both DST changes on both sides of the
// Atlantic, Black Friday, every weekday) and runs the commands a support
// lead runs on it: each must succeed and agree on which week is the last
// complete one, and default metric ranges must be whole weeks.
func TestDecisionLoopOnAwkwardDays(t *testing.T) {
	for _, day := range clocktest.Awkward() {
		t.Run(day.Name, func(t *testing.T) {
			t.Parallel()
			now := clock.Fixed(day.Now)
			run := func(args ...string) string {
				t.Helper()
				r := runAt(t, now, "", args...)
				if r.code != 0 {
					t.Fatalf("as of %s: quietdesk %v: exit %d\n%s%s", day.Now, args, r.code, r.stdout, r.stderr)
				}
				return r.stdout
			}
			db := filepath.Join(t.TempDir(), "q.db")
			run("demo", "--no-serve", "--orders", "1500", "--db", db)
			if zone := day.Now.Location().String(); zone != demo.TimeZone {
				run("settings", "set", "timezone", zone, "--db", db)
			}
			week, monday, sunday := lastCompleteWeek(day.Now)

			var alerts struct{ Week string }
			if err := json.Unmarshal([]byte(run("alerts", "--format", "json", "--db", db)), &alerts); err != nil || alerts.Week != week {
				t.Errorf("alerts: week %q (%v), want %s", alerts.Week, err, week)
			}
			var review struct{ Week, From, To string }
			if err := json.Unmarshal([]byte(run("review", "--format", "json", "--db", db)), &review); err != nil ||
				review.Week != week || review.From != monday.Format(time.DateOnly) || review.To != sunday.Format(time.DateOnly) {
				t.Errorf("review: %+v (%v), want %s from %s to %s", review, err, week, monday.Format(time.DateOnly), sunday.Format(time.DateOnly))
			}

			var cpo struct {
				Rows []struct {
					Period, Start string
					Partial       bool
				}
			}
			if err := json.Unmarshal([]byte(run("metrics", "--metric", "cpo", "--format", "json", "--db", db)), &cpo); err != nil {
				t.Fatal(err)
			}
			first := monday.AddDate(0, 0, -7*11).Format(time.DateOnly)
			if n := len(cpo.Rows); n != 12 || cpo.Rows[0].Start != first || cpo.Rows[n-1].Period != week {
				t.Errorf("metrics by default: %+v, want 12 whole weeks from %s to %s", cpo.Rows, first, week)
			}
			for _, r := range cpo.Rows {
				if r.Partial {
					t.Errorf("default range has a partial week: %+v", r)
				}
			}
			var days struct{ Rows []struct{ Period string } }
			if err := json.Unmarshal([]byte(run("metrics", "--metric", "contacts", "--grain", "day", "--format", "json", "--db", db)), &days); err != nil {
				t.Fatal(err)
			}
			yesterday := time.Date(day.Now.Year(), day.Now.Month(), day.Now.Day()-1, 12, 0, 0, 0, day.Now.Location()).Format(time.DateOnly)
			if n := len(days.Rows); n != 12 || days.Rows[n-1].Period != yesterday {
				t.Errorf("daily metrics by default end on %v, want 12 days to %s", days.Rows, yesterday)
			}
			run("corrections", "list", "--db", db)
			run("guardrails", "propose", "--db", db)
			run("review", "--db", db)
		})
	}
}
