package topics_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/topics"
)

func readCSV(t *testing.T, name string) []topics.Example {
	t.Helper()
	ex, err := topics.ReadExamplesFile(filepath.Join("starter", name))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// A brand whose helpdesk used its own labels: the starter model cannot
// predict them, so the store's own model wins and becomes current.
func TestRetrainReplacesWhenBetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		brand := map[string]string{"track_order": "shipping_status", "cancel_order": "cancellations", "get_invoice": "billing_docs"}
		n := map[string]int{}
		for _, e := range readCSV(t, topics.StarterBitext) {
			if l, ok := brand[e.Label]; ok && n[l] < 40 {
				n[l]++
				addContact(t, db, l, topics.SourceImported, e.Text, now, 0)
			}
		}
		addContact(t, db, "rare_label", topics.SourceAgent, "only two of these", now, 0)
		addContact(t, db, "rare_label", topics.SourceAgent, "only two of these again", now, 0)
		addContact(t, db, topics.Cancel, topics.SourceModel, "the model's own guesses are not labels", now, 0.9)

		cmp, err := topics.Retrain(ctx, db, topics.RetrainOptions{Now: now, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", cmp)
		if cmp.Labelled != 122 || cmp.HeldOut != 24 || len(cmp.Dropped) != 1 || cmp.Dropped[0] != "rare_label" {
			t.Errorf("read %d labelled, held out %d, dropped %v; want 122, 24, [rare_label]", cmp.Labelled, cmp.HeldOut, cmp.Dropped)
		}
		if !cmp.Replaced || cmp.Current.ModelID != 0 || cmp.Challenger.MacroF1 < 0.9 || cmp.Current.MacroF1 > 0.1 {
			t.Fatalf("comparison %+v: the brand's own model should replace the starter", cmp)
		}
		c, err := topics.Current(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if c.ModelID != cmp.ModelID || c.Assign("", "", "where is my package? tracking says nothing").Topic != "shipping_status" {
			t.Errorf("current model %d, want %d classifying into the brand's labels", c.ModelID, cmp.ModelID)
		}
		models, err := topics.Models(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var rec topics.Comparison
		if len(models) != 1 || !models[0].Active || json.Unmarshal(models[0].Comparison, &rec) != nil || rec.Challenger.ModelID != cmp.ModelID || !rec.Replaced {
			t.Errorf("stored models %+v", models)
		}
	})
}

// A store with a few labels in the default taxonomy, which the starter
// model already knows well: the challenger trained on them is worse and
// the starter stays; the comparison is recorded all the same.
func TestRetrainKeepsTheBetterModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n := map[string]int{}
		for _, e := range readCSV(t, topics.StarterExamples) {
			if n[e.Label] < 5 {
				n[e.Label]++
				addContact(t, db, e.Label, topics.SourceAgent, e.Text, now, 0)
			}
		}
		cmp, err := topics.Retrain(ctx, db, topics.RetrainOptions{Now: now, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", cmp)
		if cmp.Replaced || cmp.Challenger.MacroF1 >= cmp.Current.MacroF1 {
			t.Fatalf("comparison %+v: the starter should stay", cmp)
		}
		if c, _ := topics.Current(ctx, db); c.ModelID != 0 {
			t.Errorf("current model %d, want the starter", c.ModelID)
		}
		models, _ := topics.Models(ctx, db)
		if len(models) != 1 || models[0].Active {
			t.Errorf("the challenger should be recorded, inactive: %+v", models)
		}
	})
}

func TestRetrainNeedsLabels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		addContact(t, db, topics.Return, topics.SourceImported, "send it back", now, 0)
		_, err := topics.Retrain(context.Background(), db, topics.RetrainOptions{Now: now})
		if err == nil {
			t.Fatal("retrained on one contact")
		}
		t.Log(err)
	})
}

func TestRetrainOnASchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		// Too few labels: nothing happens, and that is not an error.
		addContact(t, db, topics.Return, topics.SourceImported, "send it back", now, 0)
		if done, err := topics.RetrainIfDue(ctx, db, now, log); err != nil || done {
			t.Fatalf("with one label: %v %v", done, err)
		}
		n := map[string]int{}
		for _, e := range readCSV(t, topics.StarterBitext) {
			if (e.Label == "track_order" || e.Label == "cancel_order") && n[e.Label] < 40 {
				n[e.Label]++
				addContact(t, db, e.Label, topics.SourceAgent, e.Text, now, 0)
			}
		}
		if done, err := topics.RetrainIfDue(ctx, db, now, log); err != nil || !done {
			t.Fatalf("first run: %v %v", done, err)
		}
		// Not again within the week; again after it.
		if done, _ := topics.RetrainIfDue(ctx, db, now.Add(6*24*time.Hour), log); done {
			t.Error("retrained twice in a week")
		}
		if done, err := topics.RetrainIfDue(ctx, db, now.Add(8*24*time.Hour), log); err != nil || !done {
			t.Errorf("a week later: %v %v", done, err)
		}
		if models, _ := topics.Models(ctx, db); len(models) != 2 {
			t.Errorf("%d models stored, want 2", len(models))
		}
	})
}
