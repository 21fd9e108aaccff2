package proactive

import (
	"context"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Period is a report's days: from and to as written (YYYY-MM-DD, both
// included, in the store's time zone) and the instants they span.
type Period struct {
	FromDay, ToDay string
	From, To       time.Time // [From, To): midnight of FromDay to midnight after ToDay
	Loc            *time.Location
}

// ReportPeriod reads the days of a report as the command, the API and
// the page take them. Empty days default as the metrics' do: the last 12
// complete weeks.
func ReportPeriod(ctx context.Context, db *store.DB, fromDay, toDay string, now time.Time) (Period, error) {
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return Period{}, err
	}
	q := metrics.Query{Metric: "cpo", Grain: "week", From: fromDay, To: toDay}
	metrics.DefaultRange(&q, now, loc)
	var p domain.Problems
	from, err1 := time.ParseInLocation(time.DateOnly, q.From, loc)
	if err1 != nil {
		p.Add("from", "%q is not a date (use YYYY-MM-DD)", q.From)
	}
	last, err2 := time.ParseInLocation(time.DateOnly, q.To, loc)
	if err2 != nil {
		p.Add("to", "%q is not a date (use YYYY-MM-DD)", q.To)
	}
	if err1 == nil && err2 == nil && last.Before(from) {
		p.Add("to", "%s is before from %s", q.To, q.From)
	}
	if len(p) > 0 {
		return Period{}, &domain.Error{Code: domain.EInvalid, Message: "bad report period", Fields: p}
	}
	// The day after, from the calendar, so a change of clocks cannot
	// shorten or lengthen the last day.
	to := time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
	return Period{FromDay: q.From, ToDay: q.To, From: from, To: to, Loc: loc}, nil
}
