package topics

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

func envf(name string, def float64) float64 {
	if v := os.Getenv(name); v != "" {
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return def
}

func TestScratchExperiment(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	wordShare = envf("WS", wordShare)

	conceptShare = envf("CS", conceptShare)
	ex, err := StarterExamplesFrom("starter")
	if err != nil {
		t.Fatal(err)
	}
	opt := TrainOptions{Seed: StarterSeed, Lambda: envf("LAMBDA", 0), Epochs: int(envf("EPOCHS", 0)), Threshold: envf("THRESH", 0)}
	start := time.Now()
	own0, _ := ReadExamplesFile("starter/" + StarterExamples)
	ownW := map[string]bool{}
	for _, e := range own0 {
		ownW[e.Text] = true
	}
	weigh := func(ex []Example) []float64 {
		if envf("OWNW", 1) == 1 {
			return nil
		}
		w := make([]float64, len(ex))
		for i, e := range ex {
			w[i] = 1
			if ownW[e.Text] {
				w[i] = envf("OWNW", 1)
			}
		}
		return w
	}
	s := SplitGrouped(ex, GroupedTestShare, GroupedSeed)
	tr, _ := s.Parts(ex)
	optG := opt
	optG.Weights = weigh(tr)
	run, err := MeasureGrouped(ex, GroupedTestShare, GroupedSeed, optG)
	if err != nil {
		t.Fatal(err)
	}
	g := run.Measured
	own, _ := ReadExamplesFile("starter/" + StarterExamples)
	ownSet := map[string]bool{}
	for _, e := range own {
		ownSet[e.Text] = true
	}
	_, test := run.Split.Parts(ex)
	var rs []Example
	for _, e := range test {
		if ownSet[e.Text] {
			rs = append(rs, e)
		}
	}
	rsr := Evaluate(run.Model, rs)
	if os.Getenv("RS") != "" {
		for _, l := range rsr.Labels {
			fmt.Printf("  %-22s P %.2f R %.2f F1 %.2f n %d\n", l.Label, l.Precision, l.Recall, l.F1, l.Support)
		}
		for _, e := range rs {
			if p := run.Model.Classify(e.Text); p.Topic != e.Label {
				fmt.Printf("   %-20s -> %-20s %.2f (%s) %q\n", e.Label, p.Topic, p.Confidence, p.Guess, e.Text)
			}
		}
	}
	tg := time.Since(start)
	opt.Weights = weigh(ex)
	m, err := Train(ex, opt)
	if err != nil {
		t.Fatal(err)
	}
	srcs, _ := RealSet()
	var all []Example
	for _, s := range srcs {
		all = append(all, s.Examples...)
		r := Evaluate(m, s.Examples)
		fmt.Printf("real %-40s n=%d acc %.4f F1 %.4f\n", s.Name, len(s.Examples), r.Accuracy, r.MacroF1)
	}
	r := Evaluate(m, all)
	fmt.Printf("grouped acc %.4f F1 %.4f | realstyle(%d) acc %.4f F1 %.4f | real all acc %.4f F1 %.4f | feats %d | train %v\n", g.Model.Accuracy, g.Model.MacroF1, len(rs), rsr.Accuracy, rsr.MacroF1, r.Accuracy, r.MacroF1, len(m.Vec.Keys), tg)
	if os.Getenv("VERBOSE") != "" {
		for _, l := range r.Labels {
			fmt.Printf("  %-22s P %.2f R %.2f F1 %.2f n %d\n", l.Label, l.Precision, l.Recall, l.F1, l.Support)
		}
		fmt.Println(r.Confusions)
		for _, e := range all {
			p := m.Classify(e.Text)
			if p.Topic != e.Label && os.Getenv("VERBOSE") == "2" {
				fmt.Printf("   %-20s -> %-20s %.2f (%s) %q\n", e.Label, p.Topic, p.Confidence, p.Guess, e.Text)
			}
		}
	}
}
