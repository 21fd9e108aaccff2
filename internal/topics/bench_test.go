package topics

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkClassify classifies short messages (bitext's utterances, about
// 50 characters) one after another on one goroutine with the starter model,
// and reports messages per second beside naive Bayes on the same messages.
//
//	go test -run '^$' -bench Classify -cpu 1 ./internal/topics
func BenchmarkClassify(b *testing.B) {
	ex := bitext(b)
	m := Starter()
	nb := TrainNaiveBayes(ex)
	i := 0
	for b.Loop() {
		m.Classify(ex[i%len(ex)].Text)
		i++
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	const n = 20000
	start := time.Now()
	for j := range n {
		nb.Classify(ex[j%len(ex)].Text)
	}
	nbRate := n / time.Since(start).Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(nbRate, "naive_bayes_msgs/s")
	b.ReportMetric(rate/nbRate, "x_naive_bayes_speed")
}

// BenchmarkTrainSizes trains the default-taxonomy classifier on the
// starter data (9,070 labels) and on 100,000 labels (the starter data and
// copies of it typed in a hurry, each copy from its own seed, as a store
// with a long labelled history would have), and reports seconds per
// training beside naive Bayes trained on the same labels in the same run.
//
//	go test -run '^$' -bench TrainSizes -benchtime 1x ./internal/topics
func BenchmarkTrainSizes(b *testing.B) {
	base, err := StarterExamplesFrom("starter")
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{len(base), 100_000} {
		ex := slices.Clone(base)
		for i := 0; len(ex) < size; i++ {
			e := base[i%len(base)]
			r := rand.New(rand.NewPCG(uint64(i), 7))
			ex = append(ex, Example{Text: typos(e.Text, r), Label: e.Label})
		}
		b.Run(fmt.Sprintf("labels=%d", size), func(b *testing.B) {
			for b.Loop() {
				if _, err := Train(ex, TrainOptions{Seed: StarterSeed}); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed().Seconds() / float64(b.N)
			start := time.Now()
			TrainNaiveBayes(ex)
			nb := time.Since(start).Seconds()
			b.ReportMetric(per, "s/train")
			b.ReportMetric(nb, "naive_bayes_s/train")
			b.ReportMetric(per/nb, "x_naive_bayes_time")
		})
	}
}
