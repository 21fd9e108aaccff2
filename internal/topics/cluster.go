package topics

import (
	"math"
	"slices"
)

// Discovery clusters by average linkage on cosine similarity, merging only
// groups whose members are on average at least a threshold alike. Unlike
// k-means it need not put every message somewhere: the one-off questions
// that make up most of what a model cannot place stay on their own, and
// only real groups come out. The nearest-neighbour-chain algorithm does it
// in O(n²) time over an n×n similarity matrix, so the caller bounds n.

// sparseDot is the dot product of two sparse vectors (indexes ascending).
func sparseDot(a, b Vector) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.Idx) && j < len(b.Idx) {
		switch {
		case a.Idx[i] < b.Idx[j]:
			i++
		case a.Idx[i] > b.Idx[j]:
			j++
		default:
			s += float64(a.Val[i]) * float64(b.Val[j])
			i++
			j++
		}
	}
	return s
}

// averageLinkage returns the groups (indexes into xs) whose average
// pairwise cosine similarity is at least minSim, singletons included.
func averageLinkage(xs []Vector, minSim float64) [][]int {
	n := len(xs)
	sim := make([]float32, n*n)
	for i := range xs {
		for j := i + 1; j < n; j++ {
			s := float32(sparseDot(xs[i], xs[j]))
			sim[i*n+j], sim[j*n+i] = s, s
		}
	}
	size := make([]int, n)
	members := make([][]int, n)
	active := make([]bool, n) // still mergeable
	for i := range size {
		size[i], members[i], active[i] = 1, []int{i}, true
	}
	nearest := func(a int) (int, float64) {
		best, bs := -1, math.Inf(-1)
		for b := range n {
			if b != a && active[b] && float64(sim[a*n+b]) > bs {
				best, bs = b, float64(sim[a*n+b])
			}
		}
		return best, bs
	}
	var chain []int
	for {
		if len(chain) == 0 {
			start := slices.Index(active, true)
			if start < 0 {
				break
			}
			chain = append(chain, start)
		}
		a := chain[len(chain)-1]
		b, s := nearest(a)
		if b < 0 || s < minSim {
			// Nothing is close enough to a now, and merges elsewhere can
			// only average similarities it already has: a is final.
			active[a] = false
			chain = chain[:len(chain)-1]
			continue
		}
		if len(chain) >= 2 && chain[len(chain)-2] == b {
			// Reciprocal nearest neighbours: merge b into a (Lance–Williams
			// update for average linkage).
			chain = chain[:len(chain)-2]
			for c := range n {
				if active[c] && c != a && c != b {
					v := (float32(size[a])*sim[a*n+c] + float32(size[b])*sim[b*n+c]) / float32(size[a]+size[b])
					sim[a*n+c], sim[c*n+a] = v, v
				}
			}
			size[a] += size[b]
			members[a] = append(members[a], members[b]...)
			members[b], active[b] = nil, false
			continue
		}
		chain = append(chain, b)
	}
	var out [][]int
	for _, m := range members {
		if m != nil {
			slices.Sort(m)
			out = append(out, m)
		}
	}
	return out
}

// centroid is the normalised mean of the members' vectors, dense.
func centroid(xs []Vector, members []int, nf int) []float64 {
	c := make([]float64, nf)
	for _, i := range members {
		for j, f := range xs[i].Idx {
			c[f] += float64(xs[i].Val[j])
		}
	}
	var s float64
	for _, v := range c {
		s += v * v
	}
	if s > 0 {
		inv := 1 / math.Sqrt(s)
		for f := range c {
			c[f] *= inv
		}
	}
	return c
}

func dotDense(x Vector, c []float64) float64 {
	var s float64
	for i, f := range x.Idx {
		s += float64(x.Val[i]) * c[f]
	}
	return s
}

// meanPairwise is the mean cosine similarity of all pairs of members: how
// alike a group's messages are.
func meanPairwise(xs []Vector, members []int) float64 {
	if len(members) < 2 {
		return 1
	}
	var s float64
	for a := range members {
		for b := a + 1; b < len(members); b++ {
			s += sparseDot(xs[members[a]], xs[members[b]])
		}
	}
	return s / float64(len(members)*(len(members)-1)/2)
}
