package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Shared by the dashboard pages: calendar days, the metric queries and the
// charts' data.

const dateLayout = "2006-01-02"

// today is the store's current calendar day, as midnight UTC: dates are
// counted on the calendar, so a DST change cannot skip or repeat a day.
func (s *Server) today(ctx context.Context) (time.Time, error) {
	loc, err := store.TimeZone(ctx, s.db)
	if err != nil {
		return time.Time{}, err
	}
	y, m, d := s.Now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// mondayOf returns the Monday of day's ISO week.
func mondayOf(day time.Time) time.Time {
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// lastCompleteWeek is the Monday of the latest week whose Sunday has passed.
func lastCompleteWeek(today time.Time) time.Time { return mondayOf(today).AddDate(0, 0, -7) }

func weekLabel(monday time.Time) string { return decide.Week{Start: monday}.String() }

// parseWeek reads an ISO week, "2026-W12", as its Monday (at UTC midnight:
// the pages count days as dates).
func parseWeek(s string) (time.Time, error) {
	w, err := decide.ParseWeek(s, time.UTC)
	if err != nil || w.String() != s {
		return time.Time{}, fmt.Errorf("%q is not a week: write it as 2026-W12", s)
	}
	return w.Start, nil
}

func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(dateLayout, s)
	return d, err == nil
}

// run asks the metrics source, reporting a missing one as unavailable.
func (s *Server) run(ctx context.Context, q metrics.Query) (metrics.Result, error) {
	if s.Metrics == nil {
		return metrics.Result{}, domain.Errorf(eUnavailable, "this server has no metrics engine")
	}
	return s.Metrics.Run(ctx, q)
}

// apiURL is the metrics API's URL for a query, for CSV downloads.
func apiURL(q metrics.Query, format string) string {
	v := url.Values{"metric": {q.Metric}, "from": {q.From}, "to": {q.To}, "grain": {q.Grain}}
	if q.By != "" {
		v.Set("by", q.By)
	}
	if q.ReturnAdjusted {
		v.Set("return_adjusted", "true")
	}
	if format != "" {
		v.Set("format", format)
	}
	return "/api/v1/metrics?" + v.Encode()
}

// series is a metric's rows keyed by group ("" when not cut) and period
// start.
type series map[string]map[string]metrics.Row

func seriesOf(res metrics.Result) series {
	out := series{}
	for _, row := range res.Rows {
		g := ""
		if row.Group != nil {
			g = *row.Group
		}
		if out[g] == nil {
			out[g] = map[string]metrics.Row{}
		}
		out[g][row.Start] = row
	}
	return out
}

// period is one column of a chart or a heatmap.
type period struct {
	Label string // 2026-W12, 2026-03-16, 2026-03
	Start string // YYYY-MM-DD
}

// periodsOf lists a result's periods in order.
func periodsOf(res metrics.Result) []period {
	var out []period
	seen := map[string]bool{}
	for _, row := range res.Rows {
		if !seen[row.Start] {
			seen[row.Start] = true
			out = append(out, period{row.Period, row.Start})
		}
	}
	return out
}

// weeks lists n weeks ending with the one starting on last.
func weeks(last time.Time, n int) []period {
	out := make([]period, n)
	for i := range out {
		m := last.AddDate(0, 0, -7*(n-1-i))
		out[i] = period{weekLabel(m), m.Format(dateLayout)}
	}
	return out
}

// chartData is what static/app.js draws: a label per period and a series
// per line.
type chartData struct {
	Labels []string      `json:"labels"` // 2026-W12, 2026-03-16, 2026-03
	Series []chartSeries `json:"series"`
	Format string        `json:"format"` // count, ratio, money, percent, hours
}

type chartSeries struct {
	Label  string     `json:"label"`
	ID     string     `json:"id,omitempty"` // the group the label names, when they differ (a topic's id)
	Values []*float64 `json:"values"`       // null: no value in that period
}

func newChart(periods []period, format string) *chartData {
	c := &chartData{Format: format, Labels: make([]string, len(periods))}
	for i, p := range periods {
		c.Labels[i] = p.Label
	}
	return c
}

func (c *chartData) add(label string, periods []period, rows map[string]metrics.Row) {
	values := make([]*float64, len(periods))
	for i, p := range periods {
		values[i] = rows[p.Start].Value
	}
	c.Series = append(c.Series, chartSeries{Label: label, Values: values})
}

// JSON is the chart for a data-chart attribute.
func (c *chartData) JSON() (string, error) {
	data, err := json.Marshal(c)
	return string(data), err
}

// option is an entry of a select.
type option struct {
	Value, Label string
	Selected     bool
}

type optionGroup struct {
	Label   string
	Options []option
}

func metricOptions(selected string) []option {
	out := make([]option, len(metricInfos))
	for i, m := range metricInfos {
		out[i] = option{m.Name, m.Label, m.Name == selected}
	}
	return out
}

func dimensionOptions(selected string) []optionGroup {
	var out []optionGroup
	for _, g := range dimensionGroups {
		og := optionGroup{Label: g.Label}
		for _, d := range g.Dimensions {
			og.Options = append(og.Options, option{d[0], d[1], d[0] == selected})
		}
		out = append(out, og)
	}
	return out
}

// returnAdjusted reads a form's return_adjusted checkbox. A page opened
// without it shows a return-sensitive metric return-adjusted: otherwise
// the recent weeks, whose returns have not arrived, look better than they
// are (SPRING30's return-cost ratio would read 0%). The forms send a
// hidden "0" before the box, so a box left unticked is an answer too.
func returnAdjusted(r *http.Request, metric string) bool {
	vals, given := r.URL.Query()["return_adjusted"]
	if !given {
		return metrics.ReturnAdjustable(metric)
	}
	return slices.ContainsFunc(vals, func(v string) bool { return v == "1" || v == "true" || v == "on" })
}

// invalid reports whether err is bad input the page should show beside
// its form rather than as an error page.
func invalid(err error) bool { return domain.ErrorCode(err) == domain.EInvalid }
