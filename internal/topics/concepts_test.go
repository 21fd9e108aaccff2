package topics

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// featureKeys lists the feature keys emit gives for text, of one kind.
func featureKeys(text string, kind byte) []string {
	var out []string
	emit(Prepare(text, nil), true, func(_ uint64, key string, _ int) {
		if key[0] == kind {
			out = append(out, key)
		}
	})
	return out
}

func TestConceptFeatures(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"the lamp arrived cracked", []string{"kARRIVE", "kBROKEN"}},
		{"my parcel still hasn't arrived", []string{"kPARCEL", "kLATE", "k!ARRIVE"}},
		{"it doesn't work anymore", []string{"kBROKEN"}},    // negated "work" means broken
		{"the kettle stopped working", []string{"kBROKEN"}}, // a phrase
		{"can I send it back?", []string{"kRETURN"}},
		{"do you have any discount codes", []string{"kPROMO"}}, // "codes", not "cod"
		{"can I pay cod", []string{"kPAY"}},
		{"I want to unsubscribe", []string{"kSUBSCRIBE"}},
		{"hello there", []string{"kGREET"}},
		{"the weather is nice", nil},
	} {
		got := featureKeys(c.text, kindConcept)
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(slices.Compact(got), want) {
			t.Errorf("%q: concepts %v, want %v", c.text, got, want)
		}
	}
}

// Every word and phrase belongs to one concept: a word listed under two
// would take whichever the maps met first.
func TestConceptListsAreDisjoint(t *testing.T) {
	owner := map[string]string{}
	for _, c := range slices.Sorted(maps.Keys(conceptWords)) {
		if strings.ToUpper(c) != c {
			t.Errorf("concept %q: names are upper case, so they cannot meet a word", c)
		}
		for _, w := range strings.Fields(conceptWords[c]) {
			if o, ok := owner[w]; ok && o != c {
				t.Errorf("%q is in %s and %s", w, o, c)
			}
			owner[w] = c
		}
	}
	phraseOwner := map[string]string{}
	for c, phrases := range conceptPhrases {
		for _, p := range strings.Split(phrases, "|") {
			if _, ok := conceptWords[c]; !ok || len(strings.Fields(p)) != 2 || strings.Join(strings.Fields(p), " ") != p {
				t.Errorf("phrase %q → %q: phrases are two words, one space apart, naming a concept of conceptWords", p, c)
			}
			key := stem(strings.Fields(p)[0]) + " " + stem(strings.Fields(p)[len(strings.Fields(p))-1])
			if o, ok := phraseOwner[key]; ok && o != c {
				t.Errorf("phrase %q is in %s and %s", p, o, c)
			}
			phraseOwner[key] = c
		}
	}
	for w, c := range negatedConcepts {
		if _, ok := conceptWords[c]; !ok {
			t.Errorf("negated %q → %q: not a concept", w, c)
		}
	}
}

// TestConceptsCarryOver trains on words that name two ideas and classifies
// messages that use only other words of the same concepts: the concept
// feature is all they share with the training data.
func TestConceptsCarryOver(t *testing.T) {
	var ex []Example
	for _, s := range []string{"my mug is broken", "the mug came damaged", "broken handle on the mug", "damaged box and mug",
		"mug is defective", "the mug is faulty"} {
		ex = append(ex, Example{s, "damaged_or_defective"}, Example{strings.ReplaceAll(s, "mug", "plate"), "damaged_or_defective"})
	}
	for _, s := range []string{"my discount code", "a voucher for the mug", "coupon for plates", "is there a promo on mugs",
		"discount on the plate", "voucher please"} {
		ex = append(ex, Example{s, "discount_promo"}, Example{s + " today", "discount_promo"})
	}
	m, err := Train(ex, TrainOptions{Seed: 1, Noisy: -1})
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]string{
		"the lamp arrived cracked":   "damaged_or_defective",
		"shattered glass everywhere": "damaged_or_defective",
		"any sale this weekend?":     "discount_promo",
		"cashback for loyalty":       "discount_promo",
	} {
		if p := m.Classify(text); p.Guess != want {
			t.Errorf("%q: %s (%.2f), want %s", text, p.Guess, p.Confidence, want)
		}
	}
}
