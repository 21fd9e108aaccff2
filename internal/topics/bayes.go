package topics

import (
	"math"
	"slices"
)

// NaiveBayes is the baseline the classifier is measured against:
// multinomial naive Bayes on word unigrams of the same prepared text, with
// add-one smoothing. It is here to keep the real model honest, not to be used.
type NaiveBayes struct {
	Labels []string
	vocab  map[string]int32
	logp   []float64 // logp[w*k+c] = log P(word w | label c)
	prior  []float64
}

// TrainNaiveBayes fits the baseline.
func TrainNaiveBayes(examples []Example) *NaiveBayes {
	labels := labelsOf(examples)
	k := len(labels)
	nb := &NaiveBayes{Labels: labels, vocab: map[string]int32{}, prior: make([]float64, k)}
	var counts []float64
	total := make([]float64, k)
	for _, e := range examples {
		c, _ := slices.BinarySearch(labels, e.Label)
		nb.prior[c]++
		for _, t := range Prepare(e.Text, nil) {
			w, ok := nb.vocab[t]
			if !ok {
				w = int32(len(nb.vocab))
				nb.vocab[t] = w
				counts = append(counts, make([]float64, k)...)
			}
			counts[int(w)*k+c]++
			total[c]++
		}
	}
	v := float64(len(nb.vocab))
	nb.logp = make([]float64, len(counts))
	for i, n := range counts {
		nb.logp[i] = math.Log((n + 1) / (total[i%k] + v))
	}
	for c := range nb.prior {
		nb.prior[c] = math.Log(nb.prior[c] / float64(len(examples)))
	}
	return nb
}

// Classify returns the most likely label of text.
func (nb *NaiveBayes) Classify(text string) string {
	k := len(nb.Labels)
	score := slices.Clone(nb.prior)
	for _, t := range Prepare(text, nil) {
		if w, ok := nb.vocab[t]; ok {
			row := nb.logp[int(w)*k : int(w)*k+k]
			for c := range score {
				score[c] += row[c]
			}
		}
	}
	return nb.Labels[argmax(score)]
}

// EvaluateNaiveBayes scores the baseline on examples.
func EvaluateNaiveBayes(nb *NaiveBayes, examples []Example) Report {
	return Score(nbPredictions(nb, examples))
}

func nbPredictions(nb *NaiveBayes, examples []Example) (gold, pred []string, conf []float64) {
	gold = make([]string, len(examples))
	pred = make([]string, len(examples))
	for i, e := range examples {
		gold[i], pred[i] = e.Label, nb.Classify(e.Text)
	}
	return gold, pred, nil
}
