package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Limits of the explorer: lines on the chart (the largest groups), rows in
// the table (the CSV has them all).
const (
	chartLines = 8
	tableRows  = 2000
)

var grains = [][2]string{{"day", "Day"}, {"week", "Week"}, {"month", "Month"}}

type exploreData struct {
	Metric, By, Grain string
	From, To          string
	Adjusted          bool // return-adjusted
	Metrics           []option
	Dimensions        []optionGroup
	Grains            []option

	MetricLabel, ByLabel string
	Chart                *chartData
	Lines, Groups        int // lines drawn, groups in all
	Rows                 []exploreRow
	More                 int // rows left out of the table
	CSV                  string
}

type exploreRow struct {
	Period, Start, Group   string
	GroupName              string // for people: a topic's name
	Value, ValueSort       string
	Numerator, Denominator string
	NumSort, DenSort       string
	// Note marks a period the figures of which are not final: not whole
	// in the range or not over ("partial"), or an order cohort whose
	// attribution window is still open ("immature").
	Note string
}

// explore answers GET /explore?metric=&by=&grain=&from=&to=: any metric,
// cut by any dimension, at any grain over any range, as a chart and a
// table.
func (s *Server) explore(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	q := r.URL.Query()
	loc, err := store.TimeZone(r.Context(), s.db)
	if err != nil {
		return err
	}
	d := exploreData{Metric: orDefault(q.Get("metric"), "cpo"), By: q.Get("by"), Grain: orDefault(q.Get("grain"), "week")}
	d.Adjusted = returnAdjusted(r, d.Metric)
	var p domain.Problems
	m, ok := lookupMetric(d.Metric)
	if !ok {
		p.Add("metric", "%q is not a metric", d.Metric)
		d.Metric = "cpo"
		m, _ = lookupMetric(d.Metric)
	}
	if d.By != "" && !isDimension(d.By) {
		p.Add("by", "%q is not a dimension", d.By)
		d.By = ""
	}
	if !slices.ContainsFunc(grains, func(g [2]string) bool { return g[0] == d.Grain }) {
		p.Add("grain", "%q is not day, week or month", d.Grain)
		d.Grain = "week"
	}
	// The engine's default range: the last 12 complete periods.
	def := metrics.Query{Grain: d.Grain}
	metrics.DefaultRange(&def, s.Now(), loc)
	from, _ := parseDate(def.From)
	to, _ := parseDate(def.To)
	if v := q.Get("from"); v != "" {
		if from, ok = parseDate(v); !ok {
			p.Add("from", "%q is not a date (YYYY-MM-DD)", v)
		}
	}
	if v := q.Get("to"); v != "" {
		if to, ok = parseDate(v); !ok {
			p.Add("to", "%q is not a date (YYYY-MM-DD)", v)
		}
	}
	if len(p) == 0 && to.Before(from) {
		p.Add("to", "is before from")
	}
	d.From, d.To = from.Format(dateLayout), to.Format(dateLayout)
	d.Metrics, d.Dimensions = metricOptions(d.Metric), dimensionOptions(d.By)
	for _, g := range grains {
		d.Grains = append(d.Grains, option{g[0], g[1], g[0] == d.Grain})
	}
	d.MetricLabel, d.ByLabel = m.Label, dimensionLabel(d.By)
	v := &view{Title: "Explore", Session: sess, Nav: "explore", Data: &d}
	if len(p) > 0 {
		v.Notice = (&domain.Error{Code: domain.EInvalid, Message: "cannot show this", Fields: p}).Error()
		return s.render(w, statusOf(domain.EInvalid), "explore", v)
	}

	query := metrics.Query{Metric: d.Metric, From: d.From, To: d.To, Grain: d.Grain, By: d.By, ReturnAdjusted: d.Adjusted}
	d.CSV = apiURL(query, "csv")
	res, err := s.run(r.Context(), query)
	if invalid(err) {
		v.Notice = err.Error()
		return s.render(w, statusOf(domain.EInvalid), "explore", v)
	}
	if err != nil {
		return err
	}
	// Topics show by name; their ids stay in the chart's data and the
	// table's data-group.
	names, err := s.topicNamesIf(r.Context(), d.By == "topic")
	if err != nil {
		return err
	}
	periods := periodsOf(res)
	groups := seriesOf(res)
	d.Chart = newChart(periods, m.Format)
	if d.By == "" {
		d.Chart.add(m.Label, periods, groups[""])
	} else {
		for _, g := range largest(groups, chartLines) {
			d.Chart.add(orDefault(names[g], g), periods, groups[g])
			if names[g] != "" {
				d.Chart.Series[len(d.Chart.Series)-1].ID = g
			}
		}
	}
	d.Lines, d.Groups = len(d.Chart.Series), len(groups)
	for i, row := range res.Rows {
		if i == tableRows {
			d.More = len(res.Rows) - tableRows
			break
		}
		e := exploreRow{Period: row.Period, Start: row.Start, Value: m.format(row.Value), ValueSort: sortKey(row.Value),
			Numerator: thousands(row.Numerator, decimals(row.Numerator)), Denominator: thousands(row.Denominator, decimals(row.Denominator)),
			NumSort: strconv.FormatFloat(row.Numerator, 'f', -1, 64), DenSort: strconv.FormatFloat(row.Denominator, 'f', -1, 64)}
		if row.Group != nil {
			e.Group, e.GroupName = *row.Group, orDefault(names[*row.Group], *row.Group)
		}
		var notes []string
		if row.Partial {
			notes = append(notes, "partial")
		}
		if row.Mature != nil && !*row.Mature {
			notes = append(notes, "immature")
		}
		if row.VolumeSurge {
			notes = append(notes, "volume surge")
		}
		e.Note = strings.Join(notes, ", ")
		d.Rows = append(d.Rows, e)
	}
	return s.render(w, http.StatusOK, "explore", v)
}

// largest returns the n groups with the most weight (denominator, then
// numerator) over the range: the ones worth a line on the chart.
func largest(groups series, n int) []string {
	type weight struct {
		group    string
		den, num float64
	}
	var ws []weight
	for g, rows := range groups {
		if g == "" {
			continue
		}
		w := weight{group: g}
		for _, r := range rows {
			w.den += r.Denominator
			w.num += r.Numerator
		}
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b weight) int {
		return cmp.Or(cmp.Compare(b.den, a.den), cmp.Compare(b.num, a.num), cmp.Compare(a.group, b.group))
	})
	var out []string
	for _, w := range ws[:min(n, len(ws))] {
		out = append(out, w.group)
	}
	return out
}
