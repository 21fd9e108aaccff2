package main

import (
	"fmt"
	"io"
	"strings"

	"quietdesk/internal/topics"
)

// printDiscoveryMeasure writes topics eval --real's discovery figures:
// how coherent discovery's candidates are on one real source
// (docs/topics.md#discovery).
func printDiscoveryMeasure(w io.Writer, m *topics.DiscoveryMeasure) {
	fmt.Fprintf(w, "== discovery on the real messages from %s: %d texts (min size %d, min similarity %.2f)\n", m.Source, m.Texts, m.MinSize, m.MinSimilarity)
	fmt.Fprintf(w, "candidates %d, placed %d (%.4f), purity %.4f\n", m.Candidates, m.Placed, m.PlacedShare, m.Purity)
	for _, c := range m.PerCandidate {
		fmt.Fprintf(w, "  %4d  %-22s %4d in majority  %s\n", c.Size, c.Majority, c.InMajority, strings.Join(c.Terms, ", "))
	}
	fmt.Fprintln(w)
}
