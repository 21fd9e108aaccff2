package main

import (
	"context"
	"encoding/json"
	"fmt"

	"quietdesk/internal/topics"
)

func init() {
	topicsActions["retrain"] = &command{name: "topics retrain", usage: "[--json] [--db DSN]", run: runTopicsRetrain}
	topicsActions["models"] = &command{name: "topics models", usage: "[--json] [--db DSN]", run: runTopicsModels}
}

func runTopicsRetrain(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["retrain"], `Trains a topic model on the starter data and the store's own labelled
contacts: topics that came with imports or the API, that agents set (weighted
by how recent they are), or that discovery promoted (not the model's own
guesses). Held out of training, as whole phrasing families: those of the newest
20% of the agents' labels, and 20% of each topic of the others. The challenger
and the current model (the store's, or the starter model) are scored on each,
and on the real customer messages shipped in the binary while the store's
taxonomy is the default one. The challenger ships only when its macro-F1 is at
least as good on every set; a worse one is not stored. Every retraining, shipped
or not, is recorded with its figures (/topics/learning; docs/topics.md#agents-teach-it).
serve retrains once a week; run it by hand after a large import.`)
	asJSON := fs.Bool("json", false, "print the comparison as JSON")
	seed := fs.Uint64("seed", 1, "split and shuffling seed")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	cmp, err := topics.Retrain(ctx, db, topics.RetrainOptions{Now: a.now(), Seed: *seed, Progress: a.trainingProgress()})
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(a, cmp)
	}
	name := func(id int64) string {
		if id == 0 {
			return "the starter model"
		}
		return fmt.Sprintf("model %d", id)
	}
	fmt.Fprintf(a.stdout, "%d labelled contacts: trained on %d, compared on %d held out\n", cmp.Labelled, cmp.TrainedOn, cmp.HeldOut)
	if len(cmp.Dropped) > 0 {
		fmt.Fprintf(a.stdout, "left out (fewer than 5 contacts): %v\n", cmp.Dropped)
	}
	fmt.Fprintf(a.stdout, "  current     %-18s accuracy %.4f  macro-F1 %.4f\n", name(cmp.Current.ModelID), cmp.Current.Accuracy, cmp.Current.MacroF1)
	fmt.Fprintf(a.stdout, "  challenger  %-18s accuracy %.4f  macro-F1 %.4f\n", name(cmp.Challenger.ModelID), cmp.Challenger.Accuracy, cmp.Challenger.MacroF1)
	verdict := "kept " + name(cmp.Current.ModelID)
	if cmp.Replaced {
		verdict = name(cmp.Challenger.ModelID) + " is now current"
	}
	fmt.Fprintf(a.stdout, "%s: %s\n", verdict, cmp.Reason)
	return nil
}

func runTopicsModels(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["models"], "Lists the store's topic models, newest first, with the held-out comparison each was judged by. Without an active one the starter model classifies.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := topics.Models(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tCREATED\tTRAINED ON\tACTIVE\tMACRO-F1\tCURRENT'S\tDECISION", func(m topics.StoredModel) string {
		var c topics.Comparison
		json.Unmarshal(m.Comparison, &c)
		return fmt.Sprintf("%d\t%s\t%d\t%v\t%.4f\t%.4f\t%s", m.ID, stamp(&m.CreatedAt), m.TrainedOn, m.Active, c.Challenger.MacroF1, c.Current.MacroF1, c.Reason)
	})
}
