package topics

import "sort"

// Measured is one honest measure: the classifier and naive Bayes, trained
// on the same examples in the same run, scored on the same texts.
type Measured struct {
	Name       string `json:"name"`
	Train      int    `json:"train"`
	Test       int    `json:"test"`
	Model      Report `json:"model"`
	NaiveBayes Report `json:"naive_bayes"`
}

// GroupedRun is a grouped split measured: the split, the two models
// trained on its training part, and their scores on its test part.
type GroupedRun struct {
	Split      GroupedSplit
	Model      *Model
	NaiveBayes *NaiveBayes
	Measured   Measured
}

// GroupedTestShare and GroupedSeed are the grouped split the documented
// figures come from.
const (
	GroupedTestShare = 0.2
	GroupedSeed      = 1
)

// MeasureGrouped splits examples by family (SplitGrouped), trains the
// classifier with opt and naive Bayes on the training part, and scores both
// on the held-out families.
func MeasureGrouped(examples []Example, testShare float64, seed uint64, opt TrainOptions) (GroupedRun, error) {
	s := SplitGrouped(examples, testShare, seed)
	train, test := s.Parts(examples)
	m, err := Train(train, opt)
	if err != nil {
		return GroupedRun{}, err
	}
	nb := TrainNaiveBayes(train)
	run := GroupedRun{Split: s, Model: m, NaiveBayes: nb}
	run.Measured = Measure("grouped split", m, nb, len(train), test)
	return run, nil
}

// Measure scores m and nb on examples, each with its macro-F1's bootstrap
// interval; train is how many examples they were trained on, for the
// record.
func Measure(name string, m *Model, nb *NaiveBayes, train int, examples []Example) Measured {
	out := Measured{Name: name, Train: train, Test: len(examples)}
	out.Model = scoreWithInterval(predictions(m, examples))
	if nb != nil {
		out.NaiveBayes = scoreWithInterval(nbPredictions(nb, examples))
	}
	return out
}

func scoreWithInterval(gold, pred []string, conf []float64) Report {
	r := Score(gold, pred, conf)
	if len(gold) > 0 {
		iv := MacroF1Interval(gold, pred, bootstrapResamples, bootstrapSeed)
		r.MacroF1Interval = &iv
	}
	return r
}

// RealMeasured is the measure of one source of the real set.
type RealMeasured struct {
	Source string `json:"source"` // owner__repo, as RealSource.Name
	Measured
	// StoreModel is a per-store model on the source's messages
	// (MeasureStoreModel), when measured.
	StoreModel *StoreMeasure `json:"store_model,omitempty"`
}

// MeasureReal scores m and nb (trained on train examples, for the record)
// on the real set: every source together, then each source apart, in
// RealSet's order. Sources differ in kind (a bank's queries, a shop's
// chat), so one figure for all of them would hide which kind a model
// fails on.
func MeasureReal(m *Model, nb *NaiveBayes, train int) (all Measured, bySource []RealMeasured, err error) {
	srcs, err := RealSet()
	if err != nil {
		return Measured{}, nil, err
	}
	var every []Example
	for _, s := range srcs {
		every = append(every, s.Examples...) // RealExamples, without reading twice
		bySource = append(bySource, RealMeasured{Source: s.Name, Measured: Measure("real messages from "+s.Name, m, nb, train, s.Examples)})
	}
	return Measure("real messages", m, nb, train, every), bySource, nil
}

// ConfusionCounts counts every (gold, predicted) pair, right ones
// included: the whole matrix that Report's figures are drawn from.
func ConfusionCounts(gold, predicted []string) map[[2]string]int {
	out := map[[2]string]int{}
	for i, g := range gold {
		out[[2]string{g, predicted[i]}]++
	}
	return out
}

// WorstLabels returns up to n labels with support, lowest F1 first (then
// by name), the topics a model most needs help with.
func WorstLabels(r Report, n int) []LabelScore {
	var out []LabelScore
	for _, l := range r.Labels {
		if l.Support > 0 {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].F1 != out[j].F1 {
			return out[i].F1 < out[j].F1
		}
		return out[i].Label < out[j].Label
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
