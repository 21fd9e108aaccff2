package topics

import (
	"testing"
	"time"
)

// BenchmarkTrain trains on the whole bitext-8k set (27 intents), including
// the calibration fit, and reports seconds per training beside naive Bayes
// trained on the same data in the same run.
//
//	go test -run '^$' -bench Train -benchtime 3x ./internal/topics
func BenchmarkTrain(b *testing.B) {
	ex := bitext(b)
	for b.Loop() {
		if _, err := Train(ex, TrainOptions{Seed: splitSeed}); err != nil {
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
}

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
