package topics

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// A random 80/20 split of templated data (Bitext's utterances are produced
// from templates, a dozen phrasings of one sentence each) puts a sibling of
// almost every held-out text in the training part, so held-out figures
// measure recall of templates, not generalisation. SplitGrouped holds out
// whole phrasing families instead.

// A family is a phrasing frame: the content words of a text other than
// the words that name its topic. "I have problems with canceling an order"
// and "problem with cancelling orders" share the frame {order, problem}
// once "cancel" is set aside as the cancel topic's own word, and so does
// "I have problems with tracking my refund" under refund: Bitext fills one
// frame with each intent's words. Holding a frame out for every topic at
// once is what makes the held-out phrasing new to the model.

// ContentWords is what frames are made from: the prepared tokens without
// stop words, placeholders and Bitext's {{Slot Name}} slots, crudely
// stemmed ("cancelling", "canceled" → "cancel"), sorted and without
// repeats.
func ContentWords(text string) []string {
	toks := withoutStopwords(Prepare(withoutSlots(text), nil))
	out := toks[:0]
	for _, t := range toks {
		if isPlaceholder(t) || len(t) < 2 {
			continue
		}
		out = append(out, stem(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// withoutSlots drops Bitext's template slots ("{{Order Number}}"), which
// would otherwise make every utterance of a template share two words.
func withoutSlots(text string) string {
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			return text
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return text
		}
		text = text[:i] + " " + text[i+j+2:]
	}
}

// stem strips the commonest English suffixes and a doubled final
// consonant. It is deliberately crude: it only has to make inflections of
// one word meet, not produce dictionary forms.
func stem(w string) string {
	for _, suf := range []string{"ations", "ation", "ings", "ing", "ies", "ed", "es", "s"} {
		if len(w)-len(suf) >= 3 && strings.HasSuffix(w, suf) {
			w = w[:len(w)-len(suf)]
			if suf == "ies" {
				w += "y"
			}
			break
		}
	}
	if n := len(w); n >= 4 && w[n-1] == w[n-2] && !strings.ContainsRune("aeiou", rune(w[n-1])) {
		w = w[:n-1]
	}
	return w
}

// topicWordShare and topicWordSpread decide a label's own words: a word
// in at least topicWordSpread of the label's examples, at least
// topicWordShare of whose occurrences are in that label.
const (
	topicWordShare  = 0.5
	topicWordSpread = 0.05
)

// Groups assigns every example a family number: examples with the same
// frame (ContentWords less the words of their own label) are one family,
// whatever their labels. Numbers are dense, in order of each family's
// first example.
func Groups(examples []Example) []int {
	sigs := make([][]string, len(examples))
	perLabel := map[string]map[string]int{}
	size := map[string]int{}
	total := map[string]int{}
	for i, e := range examples {
		sigs[i] = ContentWords(e.Text)
		c := perLabel[e.Label]
		if c == nil {
			c = map[string]int{}
			perLabel[e.Label] = c
		}
		size[e.Label]++
		for _, w := range sigs[i] {
			c[w]++
			total[w]++
		}
	}
	ids := map[string]int{}
	out := make([]int, len(examples))
	frame := []string{}
	for i, e := range examples {
		frame = frame[:0]
		c := perLabel[e.Label]
		for _, w := range sigs[i] {
			own := float64(c[w]) >= topicWordSpread*float64(size[e.Label]) && float64(c[w]) >= topicWordShare*float64(total[w])
			if !own {
				frame = append(frame, w)
			}
		}
		key := strings.Join(frame, " ")
		id, ok := ids[key]
		if !ok {
			id = len(ids)
			ids[key] = id
		}
		out[i] = id
	}
	return out
}

// GroupedSplit is a split by family: Train and Test are indexes into the
// examples, Group each example's family.
type GroupedSplit struct {
	Train, Test []int
	Group       []int
}

// SplitGrouped splits examples so that no family (Groups) has members on
// both sides, stratified by label: families are visited in a seeded
// shuffle and one goes to the test part when every label it holds is still
// short of testShare of that label's examples and would not overshoot it by
// more than a quarter. The same examples and seed give the same split.
func SplitGrouped(examples []Example, testShare float64, seed uint64) GroupedSplit {
	groups := Groups(examples)
	s := GroupedSplit{Group: groups}
	nGroups := 0
	for _, g := range groups {
		nGroups = max(nGroups, g+1)
	}
	members := make([][]int, nGroups)
	size := map[string]int{}
	for i, e := range examples {
		members[groups[i]] = append(members[groups[i]], i)
		size[e.Label]++
	}
	target := map[string]float64{}
	for l, n := range size {
		target[l] = testShare * float64(n)
	}
	order := make([]int, nGroups)
	for g := range order {
		order[g] = g
	}
	r := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc909))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	held := make([]bool, len(examples))
	taken := map[string]int{}
	count := map[string]int{}
	for _, g := range order {
		clear(count)
		for _, i := range members[g] {
			count[examples[i].Label]++
		}
		fits := true
		for l, n := range count {
			t := target[l]
			if float64(taken[l]) >= t || float64(taken[l]+n) > t+max(1, t/4) {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		for l, n := range count {
			taken[l] += n
		}
		for _, i := range members[g] {
			held[i] = true
		}
	}
	for i := range examples {
		if held[i] {
			s.Test = append(s.Test, i)
		} else {
			s.Train = append(s.Train, i)
		}
	}
	return s
}

// Parts returns the examples of the split's training and test parts.
func (s GroupedSplit) Parts(examples []Example) (train, test []Example) {
	return pick(examples, s.Train), pick(examples, s.Test)
}
