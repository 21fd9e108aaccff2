package topics

import (
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"time"
)

// StoreMeasure is what a store's own labels add on its own messages: the
// starter and a store's model scored on the same messages, none of which
// (nor any message in the same words) the store's model trained on.
type StoreMeasure struct {
	// Labelled is how many of the store's messages each store model was
	// trained on beside the base data (about half of them).
	Labelled int    `json:"labelled"`
	Starter  Report `json:"starter"`
	Store    Report `json:"store"`
}

// storeFolds is how many parts MeasureStoreModel cuts the messages into:
// two, so a store's model learns from about half of a shop's messages, as
// a store whose agents have labelled a few hundred contacts.
const storeFolds = 2

// MeasureStoreModel measures a per-store model on one store's labelled
// messages (a real source). The messages are cut in two halves of whole
// families (messages with the same content words are one family; each
// topic is shared about evenly), a model is trained on base plus one half,
// each label weighing as a fresh agent correction does in retraining
// (LabelWeight), and it scores the other half; then the halves swap. Every
// message is scored once, by a model that never saw it, and by starter.
func MeasureStoreModel(base []Example, starter *Model, examples []Example, seed uint64) (StoreMeasure, error) {
	fold := storeFoldsOf(examples, seed)
	gold := make([]string, len(examples))
	pred := make([]string, len(examples))
	conf := make([]float64, len(examples))
	sGold := make([]string, len(examples))
	sPred := make([]string, len(examples))
	sConf := make([]float64, len(examples))
	out := StoreMeasure{}
	weight := LabelWeight(SourceAgent, time.Time{}, time.Time{}, 0)
	for f := range storeFolds {
		train := slices.Clone(base)
		weights := make([]float64, len(base), len(base)+len(examples))
		for i := range weights {
			weights[i] = 1
		}
		for i, e := range examples {
			if fold[i] != f {
				train = append(train, e)
				weights = append(weights, weight)
			}
		}
		out.Labelled = max(out.Labelled, len(train)-len(base))
		m, err := Train(train, TrainOptions{Seed: StarterSeed, Weights: weights})
		if err != nil {
			return StoreMeasure{}, err
		}
		for i, e := range examples {
			if fold[i] == f {
				p := m.Classify(e.Text)
				gold[i], pred[i], conf[i] = e.Label, p.Topic, p.Confidence
			}
		}
	}
	for i, e := range examples {
		p := starter.Classify(e.Text)
		sGold[i], sPred[i], sConf[i] = e.Label, p.Topic, p.Confidence
	}
	out.Store = Score(gold, pred, conf)
	out.Starter = Score(sGold, sPred, sConf)
	return out, nil
}

// storeFoldsOf gives each example its fold: whole families, dealt in a
// seeded order, each to the fold with the fewest messages of its label so
// far, so each fold has about its share of every topic.
func storeFoldsOf(examples []Example, seed uint64) []int {
	type fam struct {
		key   uint64
		label string
		rows  []int
	}
	byKey := map[string]*fam{}
	var fams []*fam
	for i, e := range examples {
		k := family(e.Text)
		f := byKey[k]
		if f == nil {
			h := fnv.New64a()
			h.Write([]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
			h.Write([]byte(k + "\x00" + e.Text))
			f = &fam{key: h.Sum64(), label: e.Label}
			byKey[k] = f
			fams = append(fams, f)
		}
		f.rows = append(f.rows, i)
	}
	sort.Slice(fams, func(a, b int) bool { return fams[a].key < fams[b].key })
	taken := map[string]*[storeFolds]int{}
	out := make([]int, len(examples))
	for _, f := range fams {
		t := taken[f.label]
		if t == nil {
			t = &[storeFolds]int{}
			taken[f.label] = t
		}
		to := 0 // the fold with the fewest of the label's messages so far
		for k := range t {
			if t[k] < t[to] {
				to = k
			}
		}
		for _, i := range f.rows {
			out[i] = to
		}
		t[to] += len(f.rows)
	}
	return out
}

// family is a text's content words in one string: texts with the same
// family say the same thing in the same words.
func family(text string) string {
	w := ContentWords(text)
	if len(w) == 0 {
		return text // nothing in common with another text but its wording
	}
	return strings.Join(w, " ")
}
