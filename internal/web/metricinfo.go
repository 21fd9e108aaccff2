package web

import (
	"math"
	"strconv"
	"strings"

	"quietdesk/internal/metrics"
)

// metricInfo is how the pages show a metric: its definition (name, label
// for people, how its values read, which way is bad) and the formatting
// the pages add.
type metricInfo struct{ metrics.Def }

// metricInfos are the metrics the pages offer: metrics.Defs, the one table.
var metricInfos = func() []metricInfo {
	out := make([]metricInfo, len(metrics.Defs))
	for i, d := range metrics.Defs {
		out[i] = metricInfo{d}
	}
	return out
}()

// dimensionGroups lists every dimension of docs/metrics.md#dimensions with its label, in
// the groups the pickers show; a test holds them to metrics.Dimensions.
var dimensionGroups = []struct {
	Label      string
	Dimensions [][2]string
}{
	{"Orders", [][2]string{
		{"sales_channel", "Sales channel"}, {"campaign", "Campaign"}, {"discount_code", "Discount code"},
		{"category", "Product category"}, {"sku", "SKU"}, {"carrier", "Carrier"}, {"warehouse", "Warehouse"},
		{"country", "Country"}, {"customer_type", "New vs returning"}, {"first_order_month", "First-order month"},
	}},
	{"Contacts", [][2]string{{"channel", "Contact channel"}, {"topic", "Topic"}, {"agent", "Agent"}, {"team", "Team"}}},
	{"Actions", [][2]string{{"owner", "Owner"}}},
	{"Backlog", [][2]string{{"age", "Age (backlog)"}}},
}

func lookupMetric(name string) (metricInfo, bool) {
	d, ok := metrics.Lookup(name)
	return metricInfo{d}, ok
}

func dimensionLabel(name string) string {
	for _, g := range dimensionGroups {
		for _, d := range g.Dimensions {
			if d[0] == name {
				return d[1]
			}
		}
	}
	return name
}

func isDimension(name string) bool { return dimensionLabel(name) != name }

// format writes a value as the metric reads: "4.02", "12.5%", "3.40",
// "1,250". Nil (no denominator) is a dash.
func (m metricInfo) format(v *float64) string {
	if v == nil {
		return "–"
	}
	switch m.Format {
	case "percent":
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	case "money":
		return thousands(*v, 2)
	case "ratio":
		return strconv.FormatFloat(*v, 'f', 3, 64)
	case "hours":
		return hoursText(*v)
	default:
		return thousands(*v, 0)
	}
}

// change writes the change from prev to cur ("+0.120 (+3.1%)") and whether
// it is better, worse or flat for this metric.
func (m metricInfo) change(cur, prev *float64) (text, trend string) {
	if cur == nil || prev == nil {
		return "no comparison", "flat"
	}
	d := *cur - *prev
	var abs string
	switch m.Format {
	case "percent":
		abs = strconv.FormatFloat(d*100, 'f', 1, 64) + " pts"
	default:
		abs = m.format(&d)
	}
	if d >= 0 {
		abs = "+" + abs
	}
	if *prev != 0 && m.Format != "percent" {
		abs += " (" + signed(d/math.Abs(*prev)*100, 1) + "%)"
	}
	switch {
	case math.Abs(d) < 1e-9, m.Worse == 0:
		trend = "flat"
	case (d > 0) == (m.Worse > 0):
		trend = "worse"
	default:
		trend = "better"
	}
	return abs, trend
}

// hoursText writes a duration given in hours for people: "42 min" under
// an hour, "3.5 h" beyond.
func hoursText(v float64) string {
	if math.Abs(v) < 1 {
		return strconv.FormatFloat(v*60, 'f', 0, 64) + " min"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " h"
}

func signed(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if v >= 0 {
		s = "+" + s
	}
	return s
}

// thousands writes v with comma thousands separators.
func thousands(v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
