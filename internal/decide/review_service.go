package decide

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/metrics"
)

// The review's service line (docs/decisions.md#the-weekly-review): the
// promise is fewer contacts without worse service, so beside contribution
// quality the review shows how fast the team answered and resolved, how
// satisfied customers were and what was left open, against the week
// before.

// serviceMetrics are the team figures the review shows, in order.
var serviceMetrics = []string{"first_response_time", "resolution_time", "replies_per_contact", "csat", "backlog"}

// ServiceFigure is one team figure this week and last week, with what
// each is of: contacts answered or resolved, survey answers, or for the
// backlog the contacts open at the week's end.
type ServiceFigure struct {
	Metric        string   `json:"metric"`
	Value         *float64 `json:"value"`
	Previous      *float64 `json:"previous"`
	Count         float64  `json:"count"`
	PreviousCount float64  `json:"previous_count"`
}

// service fills the review's team figures; none when the store has none
// (no desk and no helpdesk export that carries them).
func (d *Decider) service(ctx context.Context, week Week, r *WeeklyReview) error {
	prev := week.Add(-1)
	r.Service = []ServiceFigure{}
	some := false
	for _, m := range serviceMetrics {
		res, err := d.Metrics.Run(ctx, metrics.Query{Metric: m, Grain: "week", From: prev.Start.Format(dateLayout), To: week.Sunday().Format(dateLayout)})
		if err != nil {
			return err
		}
		f := ServiceFigure{Metric: m}
		for _, row := range res.Rows {
			value, count := row.Value, row.Denominator
			if m == "backlog" {
				count = row.Numerator
				if count == 0 {
					value = nil // nothing open is no figure when the desk is not in use
				}
			}
			if value != nil {
				v := round6(*value)
				value = &v
			}
			if row.Period == prev.String() {
				f.Previous, f.PreviousCount = value, count
			} else if row.Period == week.String() {
				f.Value, f.Count = value, count
			}
		}
		some = some || f.Value != nil || f.Previous != nil
		r.Service = append(r.Service, f)
	}
	if !some {
		r.Service = []ServiceFigure{}
	}
	return nil
}

// ServiceLine is the team figures in one sentence, "" when there are none:
// "first response 1.2 h (1.5 h the week before), …".
func (r WeeklyReview) ServiceLine() string {
	var parts []string
	for _, f := range r.Service {
		if f.Value == nil && f.Previous == nil {
			continue
		}
		var now, before string
		switch f.Metric {
		case "first_response_time", "resolution_time":
			now, before = hoursOrDash(f.Value), hoursOrDash(f.Previous)
		case "csat":
			now, before = pctOf(f.Value, f.Count), pctOf(f.Previous, f.PreviousCount)
		case "backlog":
			now, before = wholeOrDash(f.Value), wholeOrDash(f.Previous)
		default:
			now, before = numOrDash(f.Value), numOrDash(f.Previous)
		}
		if len(parts) == 0 {
			before += " the week before"
		}
		label := map[string]string{"first_response_time": "first response %s (%s)", "resolution_time": "resolution %s (%s)",
			"replies_per_contact": "%s replies per contact (%s)", "csat": "CSAT %s (%s)", "backlog": "%s contacts open at the week's end (%s)"}[f.Metric]
		parts = append(parts, fmt.Sprintf(label, now, before))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + "."
}

// hours writes a duration in hours for people: minutes under an hour.
func hours(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.0f min", v*60)
	}
	return num(v) + " h"
}

func hoursOrDash(v *float64) string {
	if v == nil {
		return "–"
	}
	return hours(*v)
}

func numOrDash(v *float64) string {
	if v == nil {
		return "–"
	}
	return num(*v)
}

func wholeOrDash(v *float64) string {
	if v == nil {
		return "–"
	}
	return num0(*v)
}

func pctOf(v *float64, answers float64) string {
	if v == nil {
		return "no answers"
	}
	if answers == 1 {
		return pct(*v) + " of 1 answer"
	}
	return fmt.Sprintf("%s of %.0f answers", pct(*v), answers)
}
