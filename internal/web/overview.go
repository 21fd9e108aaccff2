package web

import (
	"fmt"
	"net/http"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// overviewMetrics are the Overview's cards, in order. The headline CPO is
// lag-adjusted: a week's orders bring contacts for days after it, so its
// period CPO reads low, and lowest in a surge (docs/metrics.md#lag-adjustment).
// Beside CPO, the team figures and CSAT: fewer contacts must not come from
// worse service (docs/metrics.md#team-figures).
var overviewMetrics = []string{"cpo_lag_adjusted", "support_cost_per_order", "contribution_per_order", "contact_rate", "self_service_rate",
	"first_response_time", "resolution_time", "csat"}

// trendWeeks is how far back the Overview's charts reach.
const trendWeeks = 26

type overviewData struct {
	Week     string // 2026-W12
	From, To string // its Monday and Sunday
	Prev     string // URL of the week before
	Next     string // URL of the week after, "" when that week is not complete
	Cards    []overviewCard
	// Alerts are the guardrails firing in the week, as last evaluated
	// (the Alerts page and the review evaluate).
	Alerts []decide.Alert
}

// overviewCard is one metric: this week, the change from last week, and
// the trend.
type overviewCard struct {
	Metric   string
	Label    string
	Value    string
	Change   string
	Trend    string // better, worse, flat
	Detail   string // numerator and denominator
	Maturing bool   // an order-cohort figure whose attribution window is still open
	Adjusted string // how much of a return-adjusted figure is estimated
	// Orders is the week's orders, beside every per-order figure; Surge
	// flags a week whose orders are far outside their normal range.
	Orders string
	Surge  bool
	// Also is the period CPO beside the lag-adjusted one.
	Also  string
	Chart *chartData
	CSV   string
	Error string // the query was refused; why
}

// home answers GET /: the Overview for those who see dashboards, the
// inbox for agents.
func (s *Server) home(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if !sess.User.SeesDashboards() {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
		return nil
	}
	return s.overview(w, r, sess)
}

// overview draws the week's headline metrics (?week=2026-W12, the last
// complete week by default), each against the week before and over the
// 26 weeks up to it.
func (s *Server) overview(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	// A new store sees its first steps instead of empty charts
	// (first_run.go, docs/first-run.md).
	if drawn, err := s.firstRun(w, r, sess); drawn || err != nil {
		return err
	}
	today, err := s.today(r.Context())
	if err != nil {
		return err
	}
	latest := lastCompleteWeek(today)
	week, status, notice := latest, http.StatusOK, ""
	if q := r.URL.Query().Get("week"); q != "" {
		if week, err = parseWeek(q); err != nil {
			week, status, notice = latest, http.StatusBadRequest, err.Error()
		}
	}
	periods := weeks(week, trendWeeks)
	d := overviewData{
		Week: weekLabel(week), From: week.Format(dateLayout), To: week.AddDate(0, 0, 6).Format(dateLayout),
		Prev: "/?week=" + weekLabel(week.AddDate(0, 0, -7)),
	}
	if week.Before(latest) {
		d.Next = "/?week=" + weekLabel(week.AddDate(0, 0, 7))
	}
	for _, name := range overviewMetrics {
		m, _ := lookupMetric(name)
		// Contribution is return-adjusted: recent weeks' returns have not
		// all arrived, and without an estimate those weeks look better
		// than they are.
		q := metrics.Query{Metric: name, From: periods[0].Start, To: d.To, Grain: "week", ReturnAdjusted: name == "contribution_per_order"}
		c := overviewCard{Metric: name, Label: m.Label, CSV: apiURL(q, "csv")}
		res, err := s.run(r.Context(), q)
		switch {
		case invalid(err):
			c.Error = err.Error()
		case err != nil:
			return err
		default:
			rows := seriesOf(res)[""]
			cur, prev := rows[d.From], rows[periods[len(periods)-2].Start]
			c.Value = m.format(cur.Value)
			c.Change, c.Trend = m.change(cur.Value, prev.Value)
			c.Detail = detail(cur)
			c.Surge = cur.VolumeSurge && m.Denominator == "orders" // per-order figures move with the surge
			c.Maturing = cur.Mature != nil && !*cur.Mature
			if name == "cpo_lag_adjusted" {
				c.Maturing = false // said by the estimate instead
				c.Orders = thousands(cur.Denominator, 0) + " orders"
				if e := cur.EstimatedContacts; e != nil && *e > 0 {
					c.Detail = fmt.Sprintf("%s contacts + %s still to come (estimated) ÷ %s orders", thousands(cur.Numerator-*e, 0), thousands(*e, 0), thousands(cur.Denominator, 0))
				}
				if period, err := s.run(r.Context(), metrics.Query{Metric: "cpo", From: d.From, To: d.To, Grain: "week"}); err == nil && len(period.Rows) > 0 {
					p := period.Rows[len(period.Rows)-1]
					c.Also = fmt.Sprintf("period CPO %s (%s)", m.format(p.Value), detail(p))
				}
			} else if m.Denominator == "orders" && cur.Orders > 0 {
				c.Orders = thousands(cur.Orders, 0) + " orders"
			}
			if m.Median && cur.Start != "" {
				// A median has no terms to divide: say what it is of.
				c.Detail = "median of " + thousands(cur.Denominator, 0) + " " + m.Denominator
			}
			if q.ReturnAdjusted {
				c.Adjusted = "return-adjusted"
				if e := cur.EstimatedReturns; e != nil && *e != 0 {
					c.Adjusted += ": " + thousands(*e, 2) + " of returns estimated"
				}
			}
			c.Chart = newChart(periods, m.Format)
			c.Chart.add(m.Label, periods, rows)
		}
		d.Cards = append(d.Cards, c)
	}
	if loc, err := store.TimeZone(r.Context(), s.db); err == nil {
		if w, err := decide.ParseWeek(d.Week, loc); err == nil {
			d.Alerts, _ = s.decider().Alerts(r.Context(), w)
		}
	}
	return s.render(w, status, "overview", &view{Title: "Overview", Session: sess, Nav: "overview", Notice: notice, Data: d})
}

// detail writes a row's numerator and denominator, so anyone can check it.
func detail(row metrics.Row) string {
	if row.Start == "" {
		return "no data"
	}
	return strings.Join([]string{thousands(row.Numerator, decimals(row.Numerator)), thousands(row.Denominator, decimals(row.Denominator))}, " ÷ ")
}

// decimals is 0 for whole numbers (counts), 2 otherwise (money).
func decimals(v float64) int {
	if v == float64(int64(v)) {
		return 0
	}
	return 2
}
