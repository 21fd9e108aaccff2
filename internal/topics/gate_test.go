package topics_test

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/topics"
)

// Weights of 1 must train the very model no weights do: the starter
// model, trained both ways, comes out byte for byte the same, and the
// embedded starter data is the committed files' data.
func TestWeightsOfOneKeepTheStarterModel(t *testing.T) {
	embedded, err := topics.StarterData()
	if err != nil {
		t.Fatal(err)
	}
	files, err := topics.StarterExamplesFrom("starter")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(embedded, files) {
		t.Fatalf("the embedded starter data (%d examples) differs from starter/ (%d)", len(embedded), len(files))
	}
	plain, err := topics.Train(files, topics.TrainOptions{Seed: topics.StarterSeed})
	if err != nil {
		t.Fatal(err)
	}
	ones := make([]float64, len(files))
	for i := range ones {
		ones[i] = 1
	}
	weighted, err := topics.Train(files, topics.TrainOptions{Seed: topics.StarterSeed, Weights: ones})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.Bytes(), weighted.Bytes()) {
		t.Fatal("weights of 1 changed the starter model's bytes")
	}
}

// A weight scales an example's share of the loss: the same conflicting
// texts go to whichever label weighs more.
func TestWeightsDecideConflicts(t *testing.T) {
	var ex []topics.Example
	var w []float64
	for i, text := range []string{"where is my parcel", "my parcel has not arrived", "tracking my parcel", "parcel status please", "wheres the parcel"} {
		_ = i
		ex = append(ex, topics.Example{Text: text, Label: "a"}, topics.Example{Text: text, Label: "b"})
		w = append(w, 1, 4)
	}
	for _, text := range []string{"refund my money", "money back please", "refund status", "i want a refund", "refund not received"} {
		ex = append(ex, topics.Example{Text: text, Label: "c"})
		w = append(w, 1)
	}
	m, err := topics.Train(ex, topics.TrainOptions{Seed: 1, Weights: w})
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Classify("where is my parcel"); p.Guess != "b" {
		t.Errorf("weighted 4 to 1 for b, the model says %+v", p)
	}
	if _, err := topics.Train(ex, topics.TrainOptions{Weights: w[:3]}); err == nil || !strings.Contains(err.Error(), "one weight per example") {
		t.Errorf("weights of the wrong length: %v", err)
	}
	w[0] = -1
	if _, err := topics.Train(ex, topics.TrainOptions{Weights: w}); err == nil || !strings.Contains(err.Error(), "example 1") {
		t.Errorf("a negative weight: %v", err)
	}
}

func TestAgentLabelsWeighByRecency(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		source string
		age    time.Duration
		want   float64
	}{
		{topics.SourceAgent, 0, 3},
		{topics.SourceAgent, 90 * day, 2},
		{topics.SourceAgent, 180 * day, 1.5},
		{topics.SourceAgent, -day, 3}, // a clock behind the contact: not more than new
		{topics.SourceImported, 0, 1},
		{topics.SourcePromoted, 0, 1},
	} {
		if got := topics.LabelWeight(c.source, now.Add(-c.age), now, 0); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s label %v old weighs %v, want %v", c.source, c.age, got, c.want)
		}
	}
	if old := topics.LabelWeight(topics.SourceAgent, now.AddDate(-5, 0, 0), now, 0); old <= topics.LabelWeight(topics.SourceImported, now, now, 0) {
		t.Errorf("a five-year-old agent's label weighs %v, not more than an imported one", old)
	}
}

// The gate refuses a model that is worse on any set, and says on which.
func TestGateRefusesWorse(t *testing.T) {
	good := topics.Starter()
	set := []topics.Example{
		{Text: "where is my parcel, tracking has not moved", Label: topics.WhereIsMyOrder},
		{Text: "I want my money back for the order", Label: topics.Refund},
		{Text: "please cancel my order before it ships", Label: topics.Cancel},
	}
	var wrong []topics.Example
	for _, e := range set {
		for range 10 {
			wrong = append(wrong, topics.Example{Text: e.Text, Label: map[string]string{topics.WhereIsMyOrder: topics.Refund, topics.Refund: topics.Cancel, topics.Cancel: topics.WhereIsMyOrder}[e.Label]})
		}
	}
	bad, err := topics.Train(wrong, topics.TrainOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ship, why := topics.Gate(good, bad, set); ship || !strings.Contains(why, "worse on set 1") {
		t.Errorf("a model that contradicts the set shipped: %v %s", ship, why)
	}
	if ship, why := topics.Gate(bad, good, set, nil); !ship || !strings.Contains(why, "at least as good") {
		t.Errorf("the better model did not ship: %v %s", ship, why)
	}
	if ship, why := topics.Gate(bad, good); ship {
		t.Errorf("shipped without a measure: %s", why)
	}
}
