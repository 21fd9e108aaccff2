package decide

import (
	"math"
	"slices"
)

// median of xs (which it sorts a copy of); NaN when empty.
func median(xs []float64) float64 {
	return quantile(xs, 0.5)
}

// quantile is the q-quantile of xs by linear interpolation between the
// closest ranks (the common "type 7" definition, as spreadsheets compute
// PERCENTILE), so a proposed threshold can be checked by hand.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := q * float64(len(s)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}

// mad is the median absolute deviation from the median m.
func mad(xs []float64, m float64) float64 {
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - m)
	}
	return median(dev)
}

// spikeLimit is the cohort-spike bound of docs/decisions.md#triggers over the previous weeks:
// the median plus 3 × 1.4826 × MAD (1.4826 makes the MAD estimate a normal
// standard deviation), with the MAD floored at 5% of the median so that a
// cohort that never moved does not fire on its first wobble. A value must
// also exceed the median by at least 20% relative.
func spikeLimit(previous []float64) (limit, med float64) {
	med = median(previous)
	d := math.Max(mad(previous, med), 0.05*math.Abs(med))
	limit = math.Max(med+3*1.4826*d, med+0.2*math.Abs(med))
	return limit, med
}

// theilSen is the Theil–Sen slope of ys against their index: the median of
// the slopes of every pair, robust to one wild week.
func theilSen(ys []float64) float64 {
	var slopes []float64
	for i := range ys {
		for j := i + 1; j < len(ys); j++ {
			slopes = append(slopes, (ys[j]-ys[i])/float64(j-i))
		}
	}
	return median(slopes)
}

// mannKendall tests ys for a monotonic trend and returns its S statistic
// and the two-sided p-value of "no trend". Without ties the p-value is
// exact (S is then a linear function of the number of inversions, whose
// distribution is counted exactly), which matters at the six points a
// trend guardrail looks at, where the normal approximation is poor; with
// ties it is the normal approximation with the tie-corrected variance and a
// continuity correction.
func mannKendall(ys []float64) (s int, p float64) {
	n := len(ys)
	for i := range n {
		for j := i + 1; j < n; j++ {
			switch {
			case ys[j] > ys[i]:
				s++
			case ys[j] < ys[i]:
				s--
			}
		}
	}
	if n < 3 {
		return s, 1
	}
	ties := map[float64]int{}
	for _, y := range ys {
		ties[y]++
	}
	if len(ties) == n {
		return s, exactMannKendall(n, s)
	}
	v := float64(n*(n-1)*(2*n+5)) / 18
	for _, t := range ties {
		v -= float64(t*(t-1)*(2*t+5)) / 18
	}
	if s == 0 || v <= 0 {
		return s, 1
	}
	z := (math.Abs(float64(s)) - 1) / math.Sqrt(v)
	return s, math.Erfc(z / math.Sqrt2)
}

// exactMannKendall is P(|S| ≥ |s|) under no trend for n distinct values.
// S = pairs − 2 × inversions, and the number of permutations of n items
// with k inversions follows the Mahonian recurrence.
func exactMannKendall(n, s int) float64 {
	pairs := n * (n - 1) / 2
	counts := []float64{1}
	for m := 2; m <= n; m++ {
		next := make([]float64, len(counts)+m-1)
		for k, c := range counts {
			for add := 0; add < m; add++ {
				next[k+add] += c
			}
		}
		counts = next
	}
	var total, tail float64
	for k, c := range counts {
		total += c
		if abs(pairs-2*k) >= abs(s) {
			tail += c
		}
	}
	return tail / total
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
