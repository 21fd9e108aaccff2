package topics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Example is one labelled text.
type Example struct {
	Text  string
	Label string
}

// TrainOptions tune Train. The zero value gives the defaults.
type TrainOptions struct {
	Epochs int     // passes over the data (default 12)
	Lambda float64 // L2 strength per example (default 5e-6)
	MinDF  int     // features seen in fewer documents are dropped (default 2)
	// Noisy is how many copies with typos of each example are trained on
	// beside it (default 1; -1 for none).
	Noisy int
	Seed  uint64 // shuffling seed; the same seed and data give the same model
	// Threshold for Other; default 0.4 when the labels include Other, else 0.
	Threshold float64
	// Progress, when set, is called after each pass with the passes done
	// and the total (calibration passes included).
	Progress func(done, total int)
	// Weights, when set, holds one weight per example (in the order of the
	// examples) scaling its step in training, i.e. its share of the loss;
	// nil weighs every example 1. Weights of 1 train exactly as nil.
	Weights []float64

	// weights holds each training row's Weight (noisy copies share their
	// original's); nil when every example weighs 1, so the steps are the
	// same operations as without weights and the model the same bytes.
	weights []float64
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.Epochs == 0 {
		o.Epochs = 12
	}
	if o.Lambda == 0 {
		o.Lambda = 5e-6
	}
	if o.MinDF == 0 {
		o.MinDF = 2
	}
	if o.Noisy == 0 {
		o.Noisy = 1
	}
	o.Noisy = max(o.Noisy, 0)
	return o
}

// calibrationShare is the slice of each label held out to fit the
// temperature before the final model is fitted on everything.
const calibrationShare = 0.15

// Train fits a model on examples. It first fits on 85% of each label and
// chooses the softmax temperature that best predicts the other 15%
// (temperature scaling), then fits on all examples with that temperature.
// Everything is deterministic: the same examples and options give the same
// model, byte for byte.
func Train(examples []Example, opt TrainOptions) (*Model, error) {
	opt = opt.withDefaults()
	if len(examples) == 0 {
		return nil, fmt.Errorf("no examples to train on")
	}
	if opt.Weights != nil && len(opt.Weights) != len(examples) {
		return nil, fmt.Errorf("%d weights for %d examples: give one weight per example, or none", len(opt.Weights), len(examples))
	}
	for i, w := range opt.Weights {
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("example %d: weight %v: a weight must be a positive number", i+1, w)
		}
	}
	labels := labelsOf(examples)
	if len(labels) < 2 {
		return nil, fmt.Errorf("training needs at least two labels, got only %q", labels[0])
	}
	docs := make([][]string, len(examples))
	for i, e := range examples {
		docs[i] = Prepare(e.Text, nil)
	}
	vec := buildVectorizer(docs, opt.MinDF, denseShare)
	xs := make([]Vector, len(docs))
	for i, d := range docs {
		xs[i] = vec.Transform(d, Vector{})
	}
	ys := labelIndexes(examples, labels)
	fit, cal := stratify(ys, len(labels), calibrationShare, opt.Seed)

	// Noisy copies go after the originals: copy c of example i is row
	// (c+1)·n+i. Each is made from its own seed, so it does not depend on
	// the order of the others. The temperature is fitted on originals only.
	n := len(examples)
	for c := range opt.Noisy {
		for i, e := range examples {
			r := rand.New(rand.NewPCG(opt.Seed, uint64(c*n+i)))
			xs = append(xs, vec.Transform(Prepare(typos(e.Text, r), nil), Vector{}))
			ys = append(ys, ys[i])
		}
	}
	opt.weights = rowWeights(opt.Weights, 1+opt.Noisy)
	withCopies := func(rows []int) []int {
		out := slices.Clone(rows)
		for c := range opt.Noisy {
			for _, i := range rows {
				out = append(out, (c+1)*n+i)
			}
		}
		return out
	}
	temperature := 1.0
	total := 2 * opt.Epochs
	if len(cal) < len(labels) {
		total = opt.Epochs // too few examples to hold any out
	}
	done := 0
	progress := func() {
		done++
		if opt.Progress != nil {
			opt.Progress(done, total)
		}
	}
	if total > opt.Epochs {
		w, b := sgd(xs, ys, withCopies(fit), len(vec.Keys), len(labels), opt, progress)
		temperature = fitTemperature(xs, ys, cal, w, b, len(labels))
	}
	all := make([]int, len(xs))
	for i := range all {
		all[i] = i // the originals and their copies
	}
	w, b := sgd(xs, ys, all, len(vec.Keys), len(labels), opt, progress)
	m := &Model{Labels: labels, Vec: vec, W: w, B: b, Temperature: temperature, Threshold: opt.Threshold, TrainedOn: len(examples)}
	if m.Threshold == 0 && slices.Contains(labels, Other) {
		m.Threshold = defaultThreshold
	}
	return m, nil
}

// rowWeights gives each training row its example's weight: the examples,
// then their noisy copies (copies-1 rounds) in the same order. It is nil
// when every weight is 1.
func rowWeights(weights []float64, copies int) []float64 {
	if !slices.ContainsFunc(weights, func(w float64) bool { return w != 1 }) {
		return nil
	}
	out := make([]float64, 0, len(weights)*copies)
	for range copies {
		out = append(out, weights...)
	}
	return out
}

func labelsOf(examples []Example) []string {
	set := map[string]bool{}
	for _, e := range examples {
		set[e.Label] = true
	}
	labels := make([]string, 0, len(set))
	for l := range set {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	return labels
}

func labelIndexes(examples []Example, labels []string) []int {
	ys := make([]int, len(examples))
	for i, e := range examples {
		ys[i], _ = slices.BinarySearch(labels, e.Label)
	}
	return ys
}

// stratify splits the indexes of ys into a kept part and a held-out part
// with share of each label (at least one when the label has two or more),
// chosen by a seeded shuffle within the label.
func stratify(ys []int, k int, share float64, seed uint64) (kept, held []int) {
	byLabel := make([][]int, k)
	for i, y := range ys {
		byLabel[y] = append(byLabel[y], i)
	}
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for _, idx := range byLabel {
		r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		n := int(math.Round(share * float64(len(idx))))
		if n == 0 && len(idx) >= 2 {
			n = 1
		}
		held = append(held, idx[:n]...)
		kept = append(kept, idx[n:]...)
	}
	sort.Ints(kept)
	sort.Ints(held)
	return kept, held
}

// sgd fits multinomial logistic regression with L2 by stochastic gradient
// descent: the learning rate decays as η0/(1+η0·λ·t) (Bottou), the L2
// shrinkage is kept as one scale factor so each step touches only the
// features the example has, and labels are weighted by the inverse of their
// frequency (capped) so a topic with 50 examples is not drowned by one with
// 2,000. Weights are returned as float32, as stored.
func sgd(xs []Vector, ys []int, rows []int, nf, k int, opt TrainOptions, progress func()) ([]float32, []float32) {
	w := make([]float64, nf*k)
	b := make([]float64, k)
	cw := classWeights(ys, rows, k)
	order := slices.Clone(rows)
	r := rand.New(rand.NewPCG(opt.Seed, 0x2545f4914f6cdd1d))
	const eta0 = 0.5
	scale := 1.0
	p := make([]float64, k)
	t := 0.0
	for range opt.Epochs {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x, y := xs[i], ys[i]
			eta := eta0 / (1 + eta0*opt.Lambda*t)
			t++
			copy(p, b)
			for n, f := range x.Idx {
				v := float64(x.Val[n]) * scale
				row := w[int(f)*k : int(f)*k+k]
				for c := range p {
					p[c] += v * row[c]
				}
			}
			softmax(p, 1)
			p[y] -= 1
			g := eta * cw[y]
			if opt.weights != nil {
				g *= opt.weights[i]
			}
			scale *= 1 - eta*opt.Lambda
			for n, f := range x.Idx {
				v := g * float64(x.Val[n]) / scale
				row := w[int(f)*k : int(f)*k+k]
				for c := range row {
					row[c] -= v * p[c]
				}
			}
			for c := range b {
				b[c] -= g * p[c]
			}
			if scale < 1e-6 {
				for j := range w {
					w[j] *= scale
				}
				scale = 1
			}
		}
		progress()
	}
	out := make([]float32, len(w))
	for j := range w {
		out[j] = float32(w[j] * scale)
	}
	bo := make([]float32, k)
	for c := range b {
		bo[c] = float32(b[c])
	}
	return out, bo
}

// classWeights are n/(k·count) per label, between 0.2 and 5 so a rare
// label's steps stay stable, scaled to average 1 over the examples.
func classWeights(ys []int, rows []int, k int) []float64 {
	count := make([]float64, k)
	for _, i := range rows {
		count[ys[i]]++
	}
	cw := make([]float64, k)
	var mean float64
	for c := range cw {
		if count[c] > 0 {
			cw[c] = min(5, max(0.2, float64(len(rows))/(float64(k)*count[c])))
		}
		mean += cw[c] * count[c]
	}
	mean /= float64(len(rows))
	for c := range cw {
		cw[c] /= mean
	}
	return cw
}

// fitTemperature picks the temperature minimising the negative
// log-likelihood of the held-out rows, by golden-section search on its
// logarithm (the likelihood is unimodal in it).
func fitTemperature(xs []Vector, ys []int, rows []int, w, b []float32, k int) float64 {
	m := &Model{W: w, B: b, Labels: make([]string, k)}
	logits := make([][]float64, len(rows))
	for n, i := range rows {
		logits[n] = make([]float64, k)
		m.logits(xs[i], logits[n])
	}
	z := make([]float64, k)
	nll := func(logT float64) float64 {
		inv := math.Exp(-logT)
		var s float64
		for n, i := range rows {
			copy(z, logits[n])
			softmax(z, inv)
			s -= math.Log(max(z[ys[i]], 1e-12))
		}
		return s
	}
	lo, hi := math.Log(0.05), math.Log(20)
	phi := (math.Sqrt(5) - 1) / 2
	a, c := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fc := nll(a), nll(c)
	for range 40 {
		if fa < fc {
			hi, c, fc = c, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, c, fc
			c = lo + phi*(hi-lo)
			fc = nll(c)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// defaultThreshold: a calibrated confidence under 40% means the guess is
// more likely wrong than right even counting the runner-up, so the contact
// is better left to Other (and to discovery). At 0.5, messages typed in a
// hurry that the model still gets right fell to Other (robust_test.go).
const defaultThreshold = 0.4
