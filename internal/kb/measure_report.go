package kb

import (
	"context"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// The self-service report: the measures of a period with the metrics'
// self-service rate, as the /self-service page, GET /api/v1/self-service
// and `quietdesk kb report` all show it (one code path).

// MetricsRunner runs a metrics query: the metrics engine.
type MetricsRunner interface {
	Run(ctx context.Context, q metrics.Query) (metrics.Result, error)
}

// Report is the self-service report of a period.
type Report struct {
	From string    `json:"from"` // first day, store time zone
	To   string    `json:"to"`   // last day, included
	AsOf time.Time `json:"as_of"`
	// SelfServiceRate is the metric self_service_rate (docs/metrics.md)
	// over the whole period: SelfResolved ÷ Demand. nil without demand.
	SelfServiceRate *float64     `json:"self_service_rate"`
	SelfResolved    float64      `json:"self_service_resolutions"`
	Demand          float64      `json:"demand"`
	Weekly          []WeeklyRate `json:"weekly"`
	*Measures
}

// WeeklyRate is the self-service rate of one ISO week of the period.
type WeeklyRate struct {
	Week    string   `json:"week"`
	Start   string   `json:"start"`
	Rate    *float64 `json:"rate"`
	Partial bool     `json:"partial,omitempty"`
}

const dateLayout = "2006-01-02"

// BuildReport reads the report of the days from..to (YYYY-MM-DD, both
// included, in the store's time zone) as of now. Empty dates default as
// the metrics do: the last 12 complete weeks.
func BuildReport(ctx context.Context, db *store.DB, runner MetricsRunner, from, to string, now time.Time) (*Report, error) {
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return nil, err
	}
	q := metrics.Query{Metric: "self_service_rate", Grain: "week", From: from, To: to}
	metrics.DefaultRange(&q, now, loc)
	var p domain.Problems
	start, err1 := time.ParseInLocation(dateLayout, q.From, loc)
	if err1 != nil {
		p.Add("from", "%q is not a date (use YYYY-MM-DD)", q.From)
	}
	last, err2 := time.ParseInLocation(dateLayout, q.To, loc)
	if err2 != nil {
		p.Add("to", "%q is not a date (use YYYY-MM-DD)", q.To)
	}
	if err1 == nil && err2 == nil && last.Before(start) {
		p.Add("to", "%s is before from %s", q.To, q.From)
	}
	if len(p) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "bad self-service period", Fields: p}
	}
	// The rate is the metrics engine's, summed over the period's weeks
	// (the first and last cut to the period), so it is the figure
	// GET /api/v1/metrics gives for the same days.
	res, err := runner.Run(ctx, q)
	if err != nil {
		return nil, err
	}
	rep := &Report{From: q.From, To: q.To, AsOf: now.UTC().Truncate(time.Second), Weekly: []WeeklyRate{}}
	for _, row := range res.Rows {
		rep.SelfResolved += row.Numerator
		rep.Demand += row.Denominator
		rep.Weekly = append(rep.Weekly, WeeklyRate{Week: row.Period, Start: row.Start, Rate: row.Value, Partial: row.Partial})
	}
	if rep.Demand > 0 {
		v := round6(rep.SelfResolved / rep.Demand)
		rep.SelfServiceRate = &v
	}
	end := time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc)
	if rep.Measures, err = Measure(ctx, db, MeasureOptions{From: start, To: end, Now: now}); err != nil {
		return nil, err
	}
	return rep, nil
}
