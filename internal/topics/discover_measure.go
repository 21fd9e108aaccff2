package topics

import (
	"math"
	"sort"
	"time"
)

// How coherent discovery's candidates are, measured on labelled texts
// (docs/topics.md#discovery): the texts are clustered exactly as discovery
// clusters the contacts it is given, and each candidate is judged by the
// labels people gave its members, which the clustering never sees.

// DiscoveryMeasure is discovery run over a labelled set.
type DiscoveryMeasure struct {
	Source     string `json:"source,omitempty"` // the real source measured, when one
	Texts      int    `json:"texts"`
	Candidates int    `json:"candidates"`
	// Placed is the texts that are in some candidate; PlacedShare their
	// share of Texts.
	Placed      int     `json:"placed"`
	PlacedShare float64 `json:"placed_share"`
	// Purity is the share of placed texts whose label is their
	// candidate's majority label; 0 when none is placed.
	Purity float64 `json:"purity"`
	// The clustering's settings: discovery's defaults.
	MinSize       int                 `json:"min_size"`
	MinSimilarity float64             `json:"min_similarity"`
	PerCandidate  []MeasuredCandidate `json:"per_candidate"`
}

// MeasuredCandidate is one candidate of a DiscoveryMeasure, largest first.
type MeasuredCandidate struct {
	Terms    []string `json:"terms"`
	Size     int      `json:"size"`
	Majority string   `json:"majority"` // the most common label; the first by name on a tie
	// InMajority is how many members carry the majority label.
	InMajority int `json:"in_majority"`
	// Labels counts the members by label.
	Labels map[string]int `json:"labels"`
}

// MeasureDiscovery clusters the texts of a labelled set with discovery's
// default settings and scores the candidates against the labels.
func MeasureDiscovery(examples []Example) DiscoveryMeasure {
	opt := DiscoverOptions{}.withDefaults()
	ids := make([]int64, len(examples))
	starts := make([]time.Time, len(examples)) // weeks mean nothing here
	texts := make([]string, len(examples))
	for i, e := range examples {
		ids[i], texts[i] = int64(i), e.Text
	}
	m := DiscoveryMeasure{Texts: len(examples), MinSimilarity: opt.MinSimilarity, PerCandidate: []MeasuredCandidate{},
		MinSize: opt.minSizeOf(len(examples))}
	pure := 0
	for _, c := range clusterTexts(ids, starts, texts, opt) {
		mc := MeasuredCandidate{Terms: c.Terms, Size: c.Size, Labels: map[string]int{}}
		if mc.Terms == nil {
			mc.Terms = []string{}
		}
		for _, id := range c.Members {
			mc.Labels[examples[id].Label]++
		}
		labels := make([]string, 0, len(mc.Labels))
		for l := range mc.Labels {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			if mc.Labels[l] > mc.InMajority {
				mc.Majority, mc.InMajority = l, mc.Labels[l]
			}
		}
		m.Placed += c.Size
		pure += mc.InMajority
		m.PerCandidate = append(m.PerCandidate, mc)
	}
	m.Candidates = len(m.PerCandidate)
	if m.Texts > 0 {
		m.PlacedShare = math.Round(float64(m.Placed)/float64(m.Texts)*1e4) / 1e4
	}
	if m.Placed > 0 {
		m.Purity = math.Round(float64(pure)/float64(m.Placed)*1e4) / 1e4
	}
	return m
}
