package topics

import (
	"math/rand/v2"
	"testing"
)

// TestTyposKeepsShortMultibyteWords checks that words which are long in
// bytes but short in letters (an emoji, a price in pounds) neither crash
// the typo copies made for training nor lose their letters: customer text
// carries both, and a store retrains on its own messages.
func TestTyposKeepsShortMultibyteWords(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		for _, text := range []string{"thanks 😊", "👏👏 great", "£10 off", "ok é"} {
			typos(text, r)
		}
		for _, w := range []string{"😊", "👏", "é", "ab"} {
			if got := misspell(w, r); got != w {
				t.Fatalf("misspell(%q) = %q, want it unchanged", w, got)
			}
		}
	}
}
