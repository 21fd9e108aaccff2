package decide

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestQuantileMatchesSpreadsheetPercentile(t *testing.T) {
	xs := []float64{15, 20, 35, 40, 50}
	for _, c := range []struct{ q, want float64 }{
		{0, 15}, {0.25, 20}, {0.5, 35}, {0.75, 40}, {1, 50},
		{0.4, 29}, // rank 1.6: 20 + 0.6 × 15
	} {
		if got := quantile(xs, c.q); !near(got, c.want) {
			t.Errorf("quantile(%v) = %v, want %v", c.q, got, c.want)
		}
	}
	if got := median([]float64{4, 1, 3, 2}); !near(got, 2.5) {
		t.Errorf("median = %v", got)
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing should be NaN")
	}
}

func TestSpikeLimit(t *testing.T) {
	// Median 10, deviations 0,0,1,1,1,1,2,2 → MAD 1: limit 10 + 4.4478.
	prev := []float64{10, 10, 11, 9, 11, 9, 12, 8}
	limit, med := spikeLimit(prev)
	if !near(med, 10) || !near(limit, 10+3*1.4826) {
		t.Errorf("limit %v median %v", limit, med)
	}
	// A flat history: MAD 0 is floored at 5% of the median (0.5), so the
	// bound is 10 + 2.2239, above the 20% rule's 12.
	limit, _ = spikeLimit([]float64{10, 10, 10, 10, 10, 10, 10, 10})
	if !near(limit, 10+3*1.4826*0.5) {
		t.Errorf("flat history limit %v", limit)
	}
}

func TestTheilSenIgnoresOneWildWeek(t *testing.T) {
	if got := theilSen([]float64{1, 2, 3, 40, 5, 6}); !near(got, 1) {
		t.Errorf("slope %v, want 1", got)
	}
	if got := theilSen([]float64{5, 5, 5, 5}); got != 0 {
		t.Errorf("flat slope %v", got)
	}
}

func TestMannKendall(t *testing.T) {
	// Six rising values: S = 15, exact p = 2/720.
	s, p := mannKendall([]float64{1, 2, 3, 4, 5, 6})
	if s != 15 || !near(p, 2.0/720) {
		t.Errorf("S %d p %v", s, p)
	}
	// One discordant pair: S = 13, p = 2 × 6/720 = 0.0167 < 0.05.
	s, p = mannKendall([]float64{1, 3, 2, 4, 5, 6})
	if s != 13 || !near(p, 12.0/720) {
		t.Errorf("S %d p %v", s, p)
	}
	// Two: S = 11, p = 2 × 20/720 = 0.056, not significant at six weeks.
	s, p = mannKendall([]float64{2, 3, 1, 4, 5, 6})
	if s != 11 || !near(p, 40.0/720) || p < 0.05 {
		t.Errorf("S %d p %v", s, p)
	}
	// Ties use the normal approximation: S = 14 over 6 values with one
	// tied pair, variance (6·5·17 − 2·1·9)/18 = 27.333, z = 13/5.228.
	s, p = mannKendall([]float64{1, 2, 2, 4, 5, 6})
	want := math.Erfc(13 / math.Sqrt(82.0/3) / math.Sqrt2)
	if s != 14 || !near(p, want) {
		t.Errorf("ties: S %d p %v want %v", s, p, want)
	}
	// The exact distribution sums to one and is symmetric.
	if p := exactMannKendall(7, 0); !near(p, 1) {
		t.Errorf("P(|S| ≥ 0) = %v", p)
	}
}

// A move is told as the moves of its terms, so a CPO that fell in a surge
// of orders reads as the orders' doing, not a win.
func TestExplainTellsNumeratorAndDenominator(t *testing.T) {
	for _, c := range []struct {
		metric         string
		n0, d0, n1, d1 float64
		want           string
	}{
		{"cpo", 436, 2166, 616, 4105, "orders +90%, contacts +41%: contacts per order fell because orders rose faster than contacts"},
		{"cpo", 400, 2000, 520, 1996, "orders ±0%, contacts +30%: contacts per order rose because contacts rose while orders held"},
		{"support_cost_per_order", 1000, 2000, 900, 2200, "orders +10%, support cost -10%: support cost per order fell because support cost fell while orders rose"},
		{"orders", 10, 1, 20, 1, ""},
	} {
		if got := explain(c.metric, c.n0, c.d0, c.n1, c.d1); got != c.want {
			t.Errorf("%s: %q, want %q", c.metric, got, c.want)
		}
	}
}
