package topics

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// typos returns text as a hurried customer might type it: letters dropped,
// swapped or doubled, words run together, no capitals, no apostrophes.
// Training on such copies makes the model lean on the character n-grams
// that survive a typo rather than on exact words.
func typos(text string, r *rand.Rand) string {
	words := strings.Fields(text)
	var b strings.Builder
	lower := r.IntN(2) == 0
	for i, w := range words {
		if lower {
			w = strings.ToLower(w)
		}
		if r.IntN(2) == 0 {
			w = strings.ReplaceAll(w, "'", "")
		}
		// Letters, not bytes: "£10" or an emoji is short however many
		// bytes it takes.
		if utf8.RuneCountInString(w) >= 4 && r.IntN(3) == 0 {
			w = misspell(w, r)
		}
		if i > 0 {
			// About one word boundary in twelve is lost.
			if r.IntN(12) != 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(w)
	}
	return b.String()
}

// misspell changes one inner letter of w; a word of fewer than three
// letters has no inner letter to change and is returned as it is.
func misspell(w string, r *rand.Rand) string {
	rs := []rune(w)
	if len(rs) < 3 {
		return w
	}
	i := 1 + r.IntN(len(rs)-2) // keep the first and last letters, as people do
	switch r.IntN(4) {
	case 0: // dropped
		rs = append(rs[:i], rs[i+1:]...)
	case 1: // swapped
		rs[i], rs[i+1] = rs[i+1], rs[i]
	case 2: // doubled
		rs = append(rs[:i+1], rs[i:]...)
	default: // a neighbouring vowel
		vowels := []rune("aeiou")
		if strings.ContainsRune("aeiou", rs[i]) {
			rs[i] = vowels[r.IntN(len(vowels))]
		} else {
			rs = append(rs[:i], rs[i+1:]...)
		}
	}
	return string(rs)
}
