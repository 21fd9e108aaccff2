package topics

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Report is an evaluation: the figures of docs/topics.md#commands plus the most
// frequent confusions and the calibration error.
type Report struct {
	N          int          `json:"n"`
	Accuracy   float64      `json:"accuracy"`
	MacroF1    float64      `json:"macro_f1"`
	Labels     []LabelScore `json:"labels"`
	Confusions []Confusion  `json:"confusions"`
	// ECE is the expected calibration error: the mean gap, over ten
	// confidence bins weighted by size, between confidence and accuracy.
	ECE float64 `json:"ece"`
	// MacroF1Interval, when measured (Measure), is where macro-F1 lies
	// in 95% of resamples of the texts (MacroF1Interval's doc says how).
	MacroF1Interval *[2]float64 `json:"macro_f1_interval,omitempty"`
}

// LabelScore is one label's figures.
type LabelScore struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Confusion is how often texts labelled Label were predicted Predicted.
type Confusion struct {
	Label     string `json:"label"`
	Predicted string `json:"predicted"`
	Count     int    `json:"count"`
}

// maxConfusions is how many confusion pairs a report lists.
const maxConfusions = 10

// Score compares predictions with the gold labels. confidence may be nil.
// Macro-F1 averages over every label that is either gold or predicted, as
// scikit-learn does, so predicting a label that never occurs costs.
func Score(gold, predicted []string, confidence []float64) Report {
	r := Report{N: len(gold)}
	type counts struct{ tp, fp, fn, support int }
	per := map[string]*counts{}
	get := func(l string) *counts {
		c := per[l]
		if c == nil {
			c = &counts{}
			per[l] = c
		}
		return c
	}
	pairs := map[[2]string]int{}
	correct := 0
	for i, g := range gold {
		p := predicted[i]
		get(g).support++
		if g == p {
			correct++
			get(g).tp++
			continue
		}
		get(g).fn++
		get(p).fp++
		pairs[[2]string{g, p}]++
	}
	if r.N > 0 {
		r.Accuracy = float64(correct) / float64(r.N)
	}
	labels := make([]string, 0, len(per))
	for l := range per {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		c := per[l]
		s := LabelScore{Label: l, Support: c.support}
		s.Precision, s.Recall, s.F1 = f1(c.tp, c.fp, c.fn)
		r.MacroF1 += s.F1
		r.Labels = append(r.Labels, s)
	}
	if len(labels) > 0 {
		r.MacroF1 /= float64(len(labels))
	}
	for p, n := range pairs {
		r.Confusions = append(r.Confusions, Confusion{Label: p[0], Predicted: p[1], Count: n})
	}
	sort.Slice(r.Confusions, func(i, j int) bool {
		a, b := r.Confusions[i], r.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		return a.Predicted < b.Predicted
	})
	if len(r.Confusions) > maxConfusions {
		r.Confusions = r.Confusions[:maxConfusions]
	}
	if r.Confusions == nil {
		r.Confusions = []Confusion{}
	}
	if confidence != nil {
		r.ECE = calibrationError(gold, predicted, confidence)
	}
	return r
}

// f1 is a label's precision, recall and F1 from its true positives, false
// positives and false negatives.
func f1(tp, fp, fn int) (precision, recall, f float64) {
	precision, recall = ratio(tp, tp+fp), ratio(tp, tp+fn)
	if precision+recall > 0 {
		f = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func calibrationError(gold, predicted []string, confidence []float64) float64 {
	const bins = 10
	var n, conf, acc [bins]float64
	for i, c := range confidence {
		b := min(bins-1, int(c*bins))
		n[b]++
		conf[b] += c
		if gold[i] == predicted[i] {
			acc[b]++
		}
	}
	var e float64
	for b := range bins {
		if n[b] > 0 {
			e += math.Abs(conf[b]-acc[b]) / float64(len(gold))
		}
	}
	return e
}

// Evaluate classifies every example with m and scores the predictions. For
// a model whose labels include Other the prediction is the topic a contact
// would get (Other below the threshold); otherwise it is the best guess.
func Evaluate(m *Model, examples []Example) Report {
	return Score(predictions(m, examples))
}

func predictions(m *Model, examples []Example) (gold, pred []string, conf []float64) {
	gold = make([]string, len(examples))
	pred = make([]string, len(examples))
	conf = make([]float64, len(examples))
	for i, e := range examples {
		p := m.Classify(e.Text)
		gold[i], pred[i], conf[i] = e.Label, p.Topic, p.Confidence
	}
	return gold, pred, conf
}

// Bootstrap settings of MacroF1Interval as Measure uses it.
const (
	bootstrapResamples = 2000
	bootstrapSeed      = 1
)

// MacroF1Interval is the 2.5th and 97.5th percentiles of macro-F1 over
// resamples of the texts drawn with replacement (the percentile
// bootstrap), each resample as many texts as there are: how far the figure
// could move on another set of messages like these. A topic with a handful
// of texts moves macro-F1 a lot, and this says by how much.
func MacroF1Interval(gold, predicted []string, resamples int, seed uint64) [2]float64 {
	if len(gold) == 0 || resamples < 1 {
		return [2]float64{}
	}
	ids := map[string]int{}
	id := func(l string) int {
		i, ok := ids[l]
		if !ok {
			i = len(ids)
			ids[l] = i
		}
		return i
	}
	g, p := make([]int, len(gold)), make([]int, len(gold))
	for i := range gold {
		g[i], p[i] = id(gold[i]), id(predicted[i])
	}
	k := len(ids)
	tp, fp, fn := make([]int, k), make([]int, k), make([]int, k)
	r := rand.New(rand.NewPCG(seed, uint64(len(gold))))
	f1s := make([]float64, resamples)
	for s := range f1s {
		clear(tp)
		clear(fp)
		clear(fn)
		for range gold {
			i := r.IntN(len(gold))
			if g[i] == p[i] {
				tp[g[i]]++
			} else {
				fn[g[i]]++
				fp[p[i]]++
			}
		}
		// As Score: every label seen as gold or predicted counts.
		sum, labels := 0.0, 0
		for l := range k {
			if tp[l]+fp[l]+fn[l] == 0 {
				continue
			}
			labels++
			_, _, f := f1(tp[l], fp[l], fn[l])
			sum += f
		}
		f1s[s] = sum / float64(labels)
	}
	sort.Float64s(f1s)
	at := func(q float64) float64 { return f1s[min(len(f1s)-1, int(q*float64(len(f1s))))] }
	return [2]float64{at(0.025), at(0.975)}
}

// SplitStratified splits examples into train and test parts with testShare
// of each label in the test part, chosen by a seeded shuffle, so the split
// is the same on every run.
func SplitStratified(examples []Example, testShare float64, seed uint64) (train, test []Example) {
	labels := labelsOf(examples)
	ys := labelIndexes(examples, labels)
	kept, held := stratify(ys, len(labels), testShare, seed)
	for _, i := range kept {
		train = append(train, examples[i])
	}
	for _, i := range held {
		test = append(test, examples[i])
	}
	return train, test
}
