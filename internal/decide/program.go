package decide

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"quietdesk/internal/domain"
)

// The 30-60-90 program (§3.6): days 0–30 set the baseline and the
// thresholds, days 31–60 run at most three high-impact corrections, days
// 61–90 standardize and scale only healthy cohorts.

// ProgramStartSetting is the store setting holding the program's day 0.
const ProgramStartSetting = "program_start"

// MaxParallelCorrections is phase 2's limit of corrections running at once.
const MaxParallelCorrections = 3

// Program says where the store is in the 30-60-90 program.
type Program struct {
	Start string `json:"start"` // YYYY-MM-DD, day 0
	Day   int    `json:"day"`
	Phase int    `json:"phase"` // 1, 2, 3, or 4 once the 90 days are over
	Name  string `json:"name"`
	// Focus says what the phase is for and what is due.
	Focus string `json:"focus"`
}

var phases = []struct{ name, focus string }{
	{"baseline", "measure, and set the thresholds from these 30 days (quietdesk guardrails propose)"},
	{"corrections", fmt.Sprintf("run at most %d high-impact corrections at once, each reviewed after 7 days", MaxParallelCorrections)},
	{"standardize", "standardize what was kept and scale only healthy cohorts (contribution above its floor and stable for 4 weeks)"},
	{"steady", "the weekly loop: guardrails, corrections and the Monday review"},
}

// ProgramStart is day 0: the setting, or the day of the first order.
func (d *Decider) ProgramStart(ctx context.Context) (time.Time, error) {
	loc, err := d.loc(ctx)
	if err != nil {
		return time.Time{}, err
	}
	s, err := d.DB.Setting(ctx, ProgramStartSetting)
	if err != nil {
		return time.Time{}, err
	}
	if s != "" {
		t, err := time.ParseInLocation(dateLayout, s, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("setting %s = %q is not a date: set it with quietdesk settings set %s YYYY-MM-DD", ProgramStartSetting, s, ProgramStartSetting)
		}
		return t, nil
	}
	var first sql.NullInt64
	if err := d.DB.QueryRow(ctx, `SELECT MIN(placed_at) FROM orders`).Scan(&first); err != nil {
		return time.Time{}, err
	}
	if !first.Valid {
		return time.Time{}, domain.Errorf(domain.ENotFound, "no orders yet: import orders first (quietdesk import orders FILE), or set the program's start with quietdesk settings set %s YYYY-MM-DD", ProgramStartSetting)
	}
	t := time.Unix(first.Int64, 0).In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc), nil
}

// Program reports the phase on the current day.
func (d *Decider) Program(ctx context.Context) (Program, error) {
	return d.ProgramOn(ctx, d.now())
}

// ProgramOn reports the phase on the day of t: a past week's review shows
// the program as it stood then.
func (d *Decider) ProgramOn(ctx context.Context, t time.Time) (Program, error) {
	start, err := d.ProgramStart(ctx)
	if err != nil {
		return Program{}, err
	}
	now := t.In(start.Location())
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, start.Location())
	day := int(today.Sub(start).Hours()/24 + 0.5)
	phase := 4
	switch {
	case day <= 30:
		phase = 1
	case day <= 60:
		phase = 2
	case day <= 90:
		phase = 3
	}
	return Program{Start: start.Format(dateLayout), Day: day, Phase: phase, Name: phases[phase-1].name, Focus: phases[phase-1].focus}, nil
}

// baselineWeeks are the complete weeks inside the program's first 30 days.
func (d *Decider) baselineWeeks(ctx context.Context) (first, last Week, n int, err error) {
	start, err := d.ProgramStart(ctx)
	if err != nil {
		return
	}
	end := start.AddDate(0, 0, 30)
	first = WeekOf(start, start.Location())
	if first.Start.Before(start) {
		first = first.Add(1)
	}
	complete := LastCompleteWeek(d.now(), start.Location())
	for w := first; !w.End().After(end) && !complete.Before(w); w = w.Add(1) {
		last, n = w, n+1
	}
	return
}
