package web

import (
	"slices"
	"testing"
	"time"

	"quietdesk/internal/metrics"
)

// The pages' tables of metrics and dimensions must name exactly what the
// engine computes.
func TestPagesKnowEveryMetricAndDimension(t *testing.T) {
	var names []string
	for _, m := range metricInfos {
		names = append(names, m.Name)
	}
	if !slices.Equal(names, metrics.Names) {
		t.Errorf("the pages know metrics\n  %q\nthe engine computes\n  %q", names, metrics.Names)
	}
	var dims []string
	for _, g := range dimensionGroups {
		for _, d := range g.Dimensions {
			dims = append(dims, d[0])
		}
	}
	if !slices.Equal(dims, metrics.Dimensions) {
		t.Errorf("the pages know dimensions\n  %q\nthe engine cuts by\n  %q", dims, metrics.Dimensions)
	}
	for _, name := range overviewMetrics {
		if _, ok := lookupMetric(name); !ok {
			t.Errorf("the Overview shows %q, which is not a metric", name)
		}
	}
}

func TestFormats(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cpo, _ := lookupMetric("cpo")
	money, _ := lookupMetric("contribution_per_order")
	rate, _ := lookupMetric("self_service_rate")
	orders, _ := lookupMetric("orders")
	hours, _ := lookupMetric("first_response_time")
	for _, c := range []struct {
		m    metricInfo
		v    *float64
		want string
	}{
		{cpo, f(4), "4.000"}, {cpo, nil, "–"}, {money, f(1234567.891), "1,234,567.89"}, {money, f(-12.5), "-12.50"},
		{money, f(-0.001), "0.00"}, {rate, f(0.1234), "12.3%"}, {orders, f(999), "999"}, {orders, f(1000), "1,000"},
		{hours, f(0.75), "45 min"}, {hours, f(26.4), "26.4 h"}, {hours, f(-0.5), "-30 min"},
	} {
		if got := c.m.format(c.v); got != c.want {
			t.Errorf("%s format(%v) = %q, want %q", c.m.Name, c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		m               metricInfo
		cur, prev       *float64
		text, wantTrend string
	}{
		{cpo, f(4.4), f(4), "+0.400 (+10.0%)", "worse"},
		{cpo, f(3), f(4), "-1.000 (-25.0%)", "better"},
		{money, f(12), f(10), "+2.00 (+20.0%)", "better"},
		{rate, f(0.25), f(0.2), "+5.0 pts", "better"},
		{cpo, f(4), nil, "no comparison", "flat"},
		{cpo, f(4), f(4), "+0.000 (+0.0%)", "flat"},
		{hours, f(1.5), f(2), "-30 min (-25.0%)", "better"},
	} {
		text, trend := c.m.change(c.cur, c.prev)
		if text != c.text || trend != c.wantTrend {
			t.Errorf("%s change(%v, %v) = %q %s, want %q %s", c.m.Name, *c.cur, c.prev, text, trend, c.text, c.wantTrend)
		}
	}
}

func TestWeeks(t *testing.T) {
	for _, c := range []struct{ in, monday string }{
		{"2026-W01", "2025-12-29"}, {"2026-W12", "2026-03-16"}, {"2020-W53", "2020-12-28"},
	} {
		got, err := parseWeek(c.in)
		if err != nil || got.Format(dateLayout) != c.monday {
			t.Errorf("parseWeek(%q) = %s, %v; want %s", c.in, got, err, c.monday)
		}
	}
	for _, bad := range []string{"2026-W54", "2026-W00", "2026W12", "2026-W1", "2021-W53", "last week"} {
		if _, err := parseWeek(bad); err == nil {
			t.Errorf("parseWeek(%q) accepted it", bad)
		}
	}
	sunday := time.Date(2026, 3, 22, 0, 0, 0, 0, time.UTC)
	if got := lastCompleteWeek(sunday).Format(dateLayout); got != "2026-03-09" {
		t.Errorf("on Sunday 2026-03-22 the last complete week starts %s, want 2026-03-09 (this one ends tonight)", got)
	}
	if got := lastCompleteWeek(sunday.AddDate(0, 0, 1)).Format(dateLayout); got != "2026-03-16" {
		t.Errorf("on Monday 2026-03-23 the last complete week starts %s, want 2026-03-16", got)
	}
}

func TestCohortsSortWorstFirst(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cpo, _ := lookupMetric("cpo")
	contribution, _ := lookupMetric("contribution_per_order")
	values := map[string]*float64{"a": f(2), "b": f(5), "c": nil, "d": f(3)}
	order := func(m metricInfo) []string {
		names := []string{"a", "b", "c", "d"}
		slices.SortFunc(names, func(x, y string) int { return worseFirst(m, values[x], values[y], x, y) })
		return names
	}
	if got := order(cpo); !slices.Equal(got, []string{"b", "d", "a", "c"}) {
		t.Errorf("CPO, worst first: %q", got)
	}
	if got := order(contribution); !slices.Equal(got, []string{"a", "d", "b", "c"}) {
		t.Errorf("contribution, worst first: %q", got)
	}
	if heatLevel(cpo, 5, 2, 5) != 8 || heatLevel(cpo, 2, 2, 5) != 0 || heatLevel(contribution, 2, 2, 5) != 8 || heatLevel(cpo, 3, 3, 3) != 0 {
		t.Error("heat levels: the worst value must be 8 and the best 0")
	}
}

func TestLoginLimiter(t *testing.T) {
	l := newLoginLimiter(5, 15*time.Minute)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if w := l.wait(t0.Add(time.Duration(i)*time.Minute), "ip 1", "account a"); w != 0 {
			t.Fatalf("failure %d: blocked for %s before the limit", i+1, w)
		}
		l.fail(t0.Add(time.Duration(i)*time.Minute), "ip 1", "account a")
	}
	// Five failures at 0..4 minutes: blocked until the first is 15 minutes old.
	if w := l.wait(t0.Add(5*time.Minute), "ip 2", "account a"); w != 10*time.Minute {
		t.Errorf("the account from another address waits %s, want 10m", w)
	}
	if w := l.wait(t0.Add(5*time.Minute), "ip 1", "account b"); w != 10*time.Minute {
		t.Errorf("another account from the address waits %s, want 10m", w)
	}
	if w := l.wait(t0.Add(15*time.Minute), "ip 1"); w != 0 {
		t.Errorf("after the oldest failure expired: wait %s, want 0 (four left in the window)", w)
	}
	l.fail(t0.Add(15*time.Minute), "ip 1")
	if w := l.wait(t0.Add(15*time.Minute), "ip 1"); w != time.Minute {
		t.Errorf("a fifth failure in the window again: wait %s, want 1m", w)
	}
	l.forget("account a")
	if w := l.wait(t0.Add(5*time.Minute), "account a"); w != 0 {
		t.Errorf("after forget: wait %s", w)
	}
	if retryAfter(10*time.Minute+time.Millisecond) != 601 {
		t.Error("Retry-After must round up")
	}
}

func TestLoginLimiterMemoryIsBounded(t *testing.T) {
	l := newLoginLimiter(5, 15*time.Minute)
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range loginKeys + 10 {
		l.fail(t0, "ip "+time.Duration(i).String())
	}
	if n := len(l.failures); n > loginKeys {
		t.Errorf("%d keys kept, limit %d", n, loginKeys)
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/cohorts?by=sku": "/cohorts?by=sku", "": "/", "//evil.example/x": "/", "/\\evil.example": "/",
		"https://evil.example/": "/", "cohorts": "/", "/x\r\nSet-Cookie: a=b": "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
