package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// metricsParams are the query parameters of GET /api/v1/metrics: the flags
// of `quietdesk metrics` (docs/metrics.md#the-metrics-query).
var metricsParams = []string{"metric", "from", "to", "grain", "by", "return_adjusted", "format"}

// getMetrics answers GET /api/v1/metrics?metric=[&from=][&to=][&grain=][&by=][&return_adjusted=true][&format=json|csv]
// with the same JSON or CSV as `quietdesk metrics`, and the same default
// range (metrics.DefaultRange: the last 12 complete periods).
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	params := r.URL.Query()
	var p domain.Problems
	var unknown []string
	for k := range params {
		if !slices.Contains(metricsParams, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		p.Add(k, "is not a parameter: use %s", strings.Join(metricsParams, ", "))
	}
	q := metrics.Query{Metric: params.Get("metric"), From: params.Get("from"), To: params.Get("to"), Grain: params.Get("grain"), By: params.Get("by")}
	p.Require("metric", q.Metric)
	loc, err := store.TimeZone(r.Context(), s.db)
	if err != nil {
		return err
	}
	metrics.DefaultRange(&q, s.Now(), loc)
	switch v := params.Get("return_adjusted"); v {
	case "", "false", "0":
	case "true", "1":
		q.ReturnAdjusted = true
	default:
		p.Add("return_adjusted", "%q is not true or false", v)
	}
	format := orDefault(params.Get("format"), "json")
	p.OneOf("format", format, "json", "csv")
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "bad metrics query", Fields: p}
	}
	res, err := s.run(r.Context(), q)
	if err != nil {
		return err
	}
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		name := res.Metric + "-" + res.Grain
		if res.By != "" {
			name += "-by-" + res.By
		}
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.csv"`, name, q.From, q.To))
		return res.WriteCSV(w)
	}
	w.Header().Set("Content-Type", "application/json")
	return res.WriteJSON(w)
}
