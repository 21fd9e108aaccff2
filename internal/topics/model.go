package topics

import (
	"math"
	"sync"
)

// Model is a trained classifier: a vectorizer and one linear scorer per
// label (multinomial logistic regression), with a softmax temperature fitted
// on held-out examples so Confidence means what it says.
type Model struct {
	Labels []string
	Vec    *Vectorizer
	// W holds the weights feature by feature: W[f*len(Labels)+k] is feature
	// f's weight for label k, so a sparse vector touches contiguous rows.
	W           []float32
	B           []float32
	Temperature float64
	// Threshold: a prediction less confident than this is Other, with its
	// best guess kept. Zero for models whose labels have no Other.
	Threshold float64
	// TrainedOn is how many examples the model was trained on.
	TrainedOn int

	scratch sync.Pool
}

// Prediction is a classification. Topic is Guess unless Guess was not
// confident enough, in which case Topic is Other.
type Prediction struct {
	Topic      string  `json:"topic"`
	Confidence float64 `json:"confidence"`
	Guess      string  `json:"guess"`
}

type scratch struct {
	toks   []string
	vec    Vector
	scores []float64
}

// Prepare is the text preparation every model applies: Clean, then Tokens.
func Prepare(text string, dst []string) []string { return Tokens(Clean(text), dst) }

// Classify predicts the topic of one customer message. It is safe for
// concurrent use.
func (m *Model) Classify(text string) Prediction {
	s, _ := m.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{scores: make([]float64, len(m.Labels))}
	}
	s.toks = Prepare(text, s.toks[:0])
	s.vec = m.Vec.Transform(s.toks, s.vec)
	m.probs(s.vec, s.scores)
	best := argmax(s.scores)
	p := Prediction{Topic: m.Labels[best], Guess: m.Labels[best], Confidence: s.scores[best]}
	if p.Confidence < m.Threshold {
		p.Topic = Other
	}
	m.scratch.Put(s)
	return p
}

// Probabilities returns the calibrated probability of every label, in the
// order of m.Labels.
func (m *Model) Probabilities(text string) []float64 {
	out := make([]float64, len(m.Labels))
	m.probs(m.Vec.Transform(Prepare(text, nil), Vector{}), out)
	return out
}

// probs writes the calibrated softmax of x's scores into out.
func (m *Model) probs(x Vector, out []float64) {
	m.logits(x, out)
	softmax(out, 1/m.Temperature)
}

func (m *Model) logits(x Vector, out []float64) {
	k := len(m.Labels)
	for c := range out {
		out[c] = float64(m.B[c])
	}
	for i, f := range x.Idx {
		row := m.W[int(f)*k : int(f)*k+k]
		v := float64(x.Val[i])
		for c, w := range row {
			out[c] += v * float64(w)
		}
	}
}

// softmax turns scores into probabilities in place, scores scaled by inv
// (the inverse temperature).
func softmax(z []float64, inv float64) {
	hi := math.Inf(-1)
	for _, x := range z {
		hi = max(hi, x)
	}
	var sum float64
	for i, x := range z {
		z[i] = math.Exp((x - hi) * inv)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

func argmax(z []float64) int {
	best := 0
	for i, x := range z {
		if x > z[best] {
			best = i
		}
	}
	return best
}
