package main

import (
	"encoding/json"
	"strings"
	"testing"

	"quietdesk/internal/topics"
)

func TestTopicsEvalMeasures(t *testing.T) {
	const starterDir = "../../internal/topics/starter"
	r := mustRun(t, "topics", "eval", "--real", "--json", "--model", starterDir+"/starter.model", "--starter-data", starterDir)
	var out measureOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("eval --real --json: %v\n%s", err, r.stdout)
	}
	// The starter model is trained on every starter example.
	starter, err := topics.StarterExamplesFrom(starterDir)
	if err != nil {
		t.Fatal(err)
	}
	if out.Real == nil || out.Grouped != nil || out.Real.Test < 150 || out.Real.Train != len(starter) {
		t.Fatalf("eval --real: %+v", out)
	}
	if out.Real.Model.N != out.Real.Test || out.Real.NaiveBayes.N != out.Real.Test || len(out.Real.Model.Labels) == 0 || len(out.Real.Model.Confusions) == 0 {
		t.Errorf("eval --real: model %+v, naive Bayes %+v", out.Real.Model, out.Real.NaiveBayes)
	}
	// The macro-F1 with its bootstrap interval, for both models.
	for _, r := range []topics.Report{out.Real.Model, out.Real.NaiveBayes} {
		if iv := r.MacroF1Interval; iv == nil || !(iv[0] <= r.MacroF1 && r.MacroF1 <= iv[1] && iv[0] < iv[1]) {
			t.Errorf("eval --real: macro-F1 %.4f with interval %v", r.MacroF1, iv)
		}
	}
	// Each source apart as well, and together they are the whole set.
	sum := 0
	for _, s := range out.RealSources {
		sum += s.Test
		if s.Source == "" || s.Train != out.Real.Train || s.Model.N != s.Test || s.NaiveBayes.N != s.Test {
			t.Errorf("eval --real: source %+v", s)
		}
		// A store's own model: every message scored once, by a model
		// trained on about half of the others, beside the model in use.
		if m := s.StoreModel; m == nil || m.Store.N != s.Test || m.Starter.N != s.Test || m.Labelled < s.Test/3 || m.Labelled > 2*s.Test/3 ||
			m.Starter.MacroF1 != s.Model.MacroF1 {
			t.Errorf("eval --real: %s: store model %+v", s.Source, m)
		}
	}
	if len(out.RealSources) < 2 || sum != out.Real.Test {
		t.Errorf("eval --real: %d sources with %d texts, the whole set has %d", len(out.RealSources), sum, out.Real.Test)
	}
	table := mustRun(t, "topics", "eval", "--real", "--model", starterDir+"/starter.model", "--starter-data", starterDir).stdout
	for _, want := range []string{"== real messages: ", "== real messages from hellohaptik__HINT3: ", "== real messages by source", "PolyAI-LDN__task-specific-datasets  ", "\nall  ", "== a store's own model on its messages", "(95% interval ", "MACRO-F1 95%"} {
		if !strings.Contains(table, want) {
			t.Errorf("eval --real has no %q:\n%s", want, table)
		}
	}

	// A grouped split of a labelled file: a table with both models.
	data := bitextSample(t, 0, 4)
	table = mustRun(t, "topics", "eval", "--split", "grouped", "--data", data).stdout
	for _, want := range []string{"== grouped split of " + data, "classifier:  accuracy", "naive Bayes: accuracy", "PRECISION", "Most confused"} {
		if !strings.Contains(table, want) {
			t.Errorf("eval --split grouped has no %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "real-style") {
		t.Errorf("a labelled file has no real-style part:\n%s", table)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"topics", "eval", "--split", "random", "--data", data}, "the only split is grouped"},
		{[]string{"topics", "eval", "--split", "grouped", "--starter-data", t.TempDir()}, "no training data"},
	} {
		r := run(t, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
