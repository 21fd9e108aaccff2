package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/decide"
	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
)

// The holdout report of a rule (docs/proactive.md#report): the page for
// those who read dashboards and GET /api/v1/proactive/report, both from
// proactive.BuildReport, the figures `quietdesk proactive report` prints.

// proactiveReport reads the report of a rule over the request's from and
// to (days in the store's zone, both included).
func (s *Server) proactiveReport(r *http.Request, rule string, allowed ...string) (*proactive.Report, proactive.Period, error) {
	q := r.URL.Query()
	var p domain.Problems
	for k := range q {
		if k != "from" && k != "to" && !(len(allowed) > 0 && k == allowed[0]) {
			p.Add(k, "is not a parameter: use rule, from and to (YYYY-MM-DD)")
		}
	}
	if len(p) > 0 {
		return nil, proactive.Period{}, &domain.Error{Code: domain.EInvalid, Message: "bad proactive report query", Fields: p}
	}
	period, err := proactive.ReportPeriod(r.Context(), s.db, q.Get("from"), q.Get("to"), s.Now())
	if err != nil {
		return nil, period, err
	}
	rep, err := proactive.BuildReport(r.Context(), s.db, rule, period.From, period.To, s.Now())
	if err != nil {
		return nil, period, err
	}
	rep.SplitByWeek(func(t time.Time) string { return decide.WeekOf(t, period.Loc).String() })
	return rep, period, nil
}

// getProactiveReport answers GET /api/v1/proactive/report?rule=&from=&to=.
func (s *Server) getProactiveReport(w http.ResponseWriter, r *http.Request) error {
	rep, _, err := s.proactiveReport(r, r.URL.Query().Get("rule"), "rule")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(rep)
}

type proactiveReportData struct {
	Rule, From, To string
	Report         *proactive.Report
	Notified       reportSide
	HeldOut        reportSide
	CPO, CPOBounds string
	Rate, Bounds   string
	Saved, Cost    string
	Chart          *chartData
	API            string
}

type reportSide struct {
	Orders, Contacts int
	CPO, Rate        string
}

func reportSideOf(g proactive.Group) reportSide {
	return reportSide{Orders: g.Orders, Contacts: g.Contacts, CPO: strconv.FormatFloat(g.CPO, 'f', 3, 64), Rate: reportPct(g.WismoRate)}
}

func reportPct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

// proactiveReportPage answers GET /proactive/report/{name}?from=&to=.
func (s *Server) proactiveReportPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	rule := r.PathValue("name")
	d := &proactiveReportData{Rule: rule, From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	v := &view{Title: "Holdout report: " + rule, Session: sess, Nav: "proactive", Data: d}
	rep, period, err := s.proactiveReport(r, rule)
	if invalid(err) {
		v.Notice = err.Error()
		return s.render(w, statusOf(domain.EInvalid), "proactive_report", v)
	}
	if err != nil {
		return err
	}
	d.Report, d.From, d.To = rep, period.FromDay, period.ToDay
	d.API = "/api/v1/proactive/report?" + url.Values{"rule": {rule}, "from": {d.From}, "to": {d.To}}.Encode()
	d.Notified, d.HeldOut = reportSideOf(rep.Notified), reportSideOf(rep.HeldOut)
	signed := func(v float64, f func(float64) string) string {
		if v > 0 {
			return "+" + f(v)
		}
		return f(v)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	pts := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + " pts" }
	d.CPO = signed(rep.Difference.CPO, num)
	d.CPOBounds = num(rep.Difference.CI95[0]) + " to " + num(rep.Difference.CI95[1])
	d.Rate = signed(rep.Difference.WismoRate, pts)
	d.Bounds = pts(rep.Difference.WismoCI95[0]) + " to " + pts(rep.Difference.WismoCI95[1])
	d.Saved = strconv.FormatFloat(rep.Saved.Contacts, 'f', 1, 64)
	d.Cost = strconv.FormatFloat(rep.Saved.SupportCost, 'f', 2, 64)
	if len(rep.Weeks) > 0 {
		d.Chart = &chartData{Format: "percent", Series: []chartSeries{{Label: "Notified"}, {Label: "Held out"}}}
		rate := func(g proactive.Group) *float64 {
			if g.Orders == 0 {
				return nil
			}
			v := g.WismoRate
			return &v
		}
		for _, wk := range rep.Weeks {
			d.Chart.Labels = append(d.Chart.Labels, wk.Week)
			d.Chart.Series[0].Values = append(d.Chart.Series[0].Values, rate(wk.Notified))
			d.Chart.Series[1].Values = append(d.Chart.Series[1].Values, rate(wk.HeldOut))
		}
	}
	return s.render(w, http.StatusOK, "proactive_report", v)
}
