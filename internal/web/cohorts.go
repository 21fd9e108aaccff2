package web

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
)

// heatRows is how many cohorts the heatmap shows, worst first; the table
// below it lists them all.
const heatRows = 25

// cohortWeeks are the spans the Cohorts page offers.
var cohortWeeks = []int{8, 12, 26, 52}

type cohortsData struct {
	Metric, By string
	Metrics    []option
	Dimensions []optionGroup
	Weeks      []option
	Week       string // the last week shown, 2026-W12
	Adjusted   bool   // return-adjusted

	MetricLabel, ByLabel string
	TotalLabel           string // what the table's value column is
	Periods              []period
	Heat                 []heatRow
	Cohorts              []cohortRow
	CSV, TableCSV        string
}

type heatRow struct {
	Group, Name string // the group, and its name for people (a topic's)
	Cells       []heatCell
}

type heatCell struct {
	Text  string
	Class string // heat-0 (best) … heat-8 (worst), heat-none
	Title string
}

// cohortRow is one line of the sortable table; the *Sort fields are the
// raw numbers the script sorts by ("" sorts last).
type cohortRow struct {
	Group, Name             string // the group (the CSV's), and its name for people (a topic's)
	Value, ValueSort        string
	Last, LastSort          string
	Change, ChangeSort      string
	Trend                   string
	Numerator, Denominator  string
	NumeratorSort, DenoSort string
	value                   *float64
}

// cohorts answers GET /cohorts?metric=&by=&weeks=&week=: a week × cohort
// heatmap of one metric and a table of the cohorts, worst first. With
// format=csv it downloads the table.
func (s *Server) cohorts(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	q := r.URL.Query()
	today, err := s.today(r.Context())
	if err != nil {
		return err
	}
	d := cohortsData{Metric: orDefault(q.Get("metric"), "cpo"), By: orDefault(q.Get("by"), "sales_channel")}
	d.Adjusted = returnAdjusted(r, d.Metric)
	var p domain.Problems
	m, ok := lookupMetric(d.Metric)
	if !ok {
		p.Add("metric", "%q is not a metric", d.Metric)
		d.Metric = "cpo"
		m, _ = lookupMetric(d.Metric)
	}
	if !isDimension(d.By) {
		p.Add("by", "%q is not a dimension", d.By)
		d.By = "sales_channel"
	}
	n := 12
	if v := q.Get("weeks"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || !slices.Contains(cohortWeeks, n) {
			p.Add("weeks", "choose %v weeks", cohortWeeks)
			n = 12
		}
	}
	last := lastCompleteWeek(today)
	if v := q.Get("week"); v != "" {
		wk, err := parseWeek(v)
		if err != nil {
			p.Add("week", "%v", err)
		} else {
			last = wk
		}
	}
	d.Week = weekLabel(last)
	d.Metrics, d.Dimensions = metricOptions(d.Metric), dimensionOptions(d.By)
	for _, w := range cohortWeeks {
		d.Weeks = append(d.Weeks, option{strconv.Itoa(w), fmt.Sprintf("%d weeks", w), w == n})
	}
	d.MetricLabel, d.ByLabel = m.Label, dimensionLabel(d.By)
	d.TotalLabel = fmt.Sprintf("Over %d weeks", n)
	if m.Format == "count" {
		d.TotalLabel = "Weekly average"
	}
	v := &view{Title: "Cohorts", Session: sess, Nav: "cohorts", Data: &d}
	if len(p) > 0 {
		v.Notice = (&domain.Error{Code: domain.EInvalid, Message: "cannot show these cohorts", Fields: p}).Error()
		return s.render(w, statusOf(domain.EInvalid), "cohorts", v)
	}

	periods := weeks(last, n)
	query := metrics.Query{Metric: d.Metric, From: periods[0].Start, To: last.AddDate(0, 0, 6).Format(dateLayout), Grain: "week", By: d.By, ReturnAdjusted: d.Adjusted}
	d.CSV = apiURL(query, "csv")
	tq := r.URL.Query()
	tq.Set("format", "csv")
	d.TableCSV = "/cohorts?" + tq.Encode()
	res, err := s.run(r.Context(), query)
	if invalid(err) {
		v.Notice = err.Error()
		return s.render(w, statusOf(domain.EInvalid), "cohorts", v)
	}
	if err != nil {
		return err
	}
	names, err := s.topicNamesIf(r.Context(), d.By == "topic")
	if err != nil {
		return err
	}
	d.Periods = periods
	d.Cohorts, d.Heat = cohortTable(m, seriesOf(res), periods, names)
	if q.Get("format") == "csv" {
		return writeCohortsCSV(w, &d)
	}
	return s.render(w, http.StatusOK, "cohorts", v)
}

// cohortTable sums each cohort over the weeks, sorts the cohorts worst
// first and colours the worst ones' weeks on one scale. names are the
// groups' names, where they have any.
func cohortTable(m metricInfo, groups series, periods []period, names map[string]string) ([]cohortRow, []heatRow) {
	var rows []cohortRow
	for g, byStart := range groups {
		if g == "" {
			continue // the store-wide line; not a cohort
		}
		var num, den float64
		for _, row := range byStart {
			num += row.Numerator
			den += row.Denominator
		}
		var total *float64
		if den != 0 {
			t := num / den
			total = &t
		}
		lastRow, prevRow := byStart[periods[len(periods)-1].Start], metrics.Row{}
		if len(periods) > 1 {
			prevRow = byStart[periods[len(periods)-2].Start]
		}
		c := cohortRow{Group: g, Name: orDefault(names[g], g), value: total,
			Value: m.format(total), ValueSort: sortKey(total),
			Last: m.format(lastRow.Value), LastSort: sortKey(lastRow.Value),
			Numerator: thousands(num, decimals(num)), NumeratorSort: strconv.FormatFloat(num, 'f', -1, 64),
			Denominator: thousands(den, decimals(den)), DenoSort: strconv.FormatFloat(den, 'f', -1, 64),
		}
		c.Change, c.Trend = m.change(lastRow.Value, prevRow.Value)
		if lastRow.Value != nil && prevRow.Value != nil {
			c.ChangeSort = strconv.FormatFloat(*lastRow.Value-*prevRow.Value, 'f', -1, 64)
		}
		rows = append(rows, c)
	}
	slices.SortFunc(rows, func(a, b cohortRow) int { return worseFirst(m, a.value, b.value, a.Group, b.Group) })

	shown := rows[:min(len(rows), heatRows)]
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range shown {
		for _, p := range periods {
			if v := groups[c.Group][p.Start].Value; v != nil {
				lo, hi = min(lo, *v), max(hi, *v)
			}
		}
	}
	heat := make([]heatRow, len(shown))
	for i, c := range shown {
		heat[i].Group, heat[i].Name = c.Group, c.Name
		for _, p := range periods {
			row := groups[c.Group][p.Start]
			cell := heatCell{Text: m.format(row.Value), Class: "heat-none",
				Title: fmt.Sprintf("%s, %s: %s (%s)", c.Name, p.Label, m.format(row.Value), detail(row))}
			if row.Value != nil {
				cell.Class = "heat-" + strconv.Itoa(heatLevel(m, *row.Value, lo, hi))
			}
			heat[i].Cells = append(heat[i].Cells, cell)
		}
	}
	return rows, heat
}

// worseFirst orders cohorts worst value first, cohorts without a value
// last, then by name.
func worseFirst(m metricInfo, a, b *float64, ga, gb string) int {
	switch {
	case a == nil && b == nil:
	case a == nil:
		return 1
	case b == nil:
		return -1
	case *a != *b:
		higherFirst := m.Worse >= 0
		if (*a > *b) == higherFirst {
			return -1
		}
		return 1
	}
	if ga < gb {
		return -1
	}
	if ga > gb {
		return 1
	}
	return 0
}

// heatLevel places v between lo and hi on a scale of 0 (best) to 8
// (worst); for a metric with no bad direction, 8 is the highest.
func heatLevel(m metricInfo, v, lo, hi float64) int {
	t := 0.0
	if hi > lo {
		t = (v - lo) / (hi - lo)
	}
	if m.Worse < 0 {
		t = 1 - t
	}
	return int(math.Round(t * 8))
}

func sortKey(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// writeCohortsCSV downloads the cohorts table, worst first, with raw
// numbers.
func writeCohortsCSV(w http.ResponseWriter, d *cohortsData) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="cohorts-%s-by-%s-%s.csv"`, d.Metric, d.By, d.Week))
	cw := domain.NewCSVWriter(w)
	cw.Write([]string{d.By, d.Metric, "numerator", "denominator", "last_week", "change_vs_week_before"})
	for _, c := range d.Cohorts {
		cw.Write([]string{c.Group, c.ValueSort, c.NumeratorSort, c.DenoSort, c.LastSort, c.ChangeSort})
	}
	return cw.Flush()
}
