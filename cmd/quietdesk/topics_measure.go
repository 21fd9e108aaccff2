package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"quietdesk/internal/topics"
)

// measureOptions are topics eval's flags for the honest measures.
type measureOptions struct {
	split       string // "grouped" or ""
	real        bool
	data        string // labelled CSV to split or to train naive Bayes on
	starterData string // the starter's training files, when data is empty
	modelPath   string
	dsn         string
	json        bool
}

// measureOutput is topics eval --split/--real --json.
type measureOutput struct {
	Grouped   *topics.Measured `json:"grouped,omitempty"`
	RealStyle *topics.Measured `json:"real_style,omitempty"`
	Real      *topics.Measured `json:"real,omitempty"`
	// RealSources is Real source by source (the sources of
	// internal/topics/testdata/real), added after Real: readers of Real
	// alone see the same object as before.
	RealSources []topics.RealMeasured `json:"real_sources,omitempty"`
	Notes       []string              `json:"notes,omitempty"`

	// Discovery is discovery's clustering scored on each real source
	// alone, as discovery runs on one store's messages.
	Discovery []topics.DiscoveryMeasure `json:"discovery,omitempty"`
}

// runTopicsMeasure trains and scores on the grouped split and/or scores
// the real-message set, each against naive Bayes trained on the same data
// in the same run.
func runTopicsMeasure(ctx context.Context, a *app, o measureOptions) error {
	if o.split != "" && o.split != "grouped" {
		return fmt.Errorf("--split %q: the only split is grouped (whole phrasing families held out)", o.split)
	}
	examples, ours, from, err := measureData(o)
	if err != nil {
		return err
	}
	var out measureOutput
	if o.split == "grouped" {
		start := a.now()
		run, err := topics.MeasureGrouped(examples, topics.GroupedTestShare, topics.GroupedSeed, topics.TrainOptions{Seed: topics.StarterSeed, Progress: a.trainingProgress()})
		if err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		m := run.Measured
		m.Name = "grouped split of " + from
		out.Grouped = &m
		if len(ours) > 0 {
			_, test := run.Split.Parts(examples)
			var mine []topics.Example
			for _, e := range test {
				if ours[e] {
					mine = append(mine, e)
				}
			}
			rs := topics.Measure("our real-style examples in the held-out families", run.Model, run.NaiveBayes, m.Train, mine)
			out.RealStyle = &rs
		}
		fmt.Fprintf(a.stderr, "grouped split: trained on %d, scored %d in %.1fs\n", m.Train, m.Test, a.now.Since(start).Seconds())
	}
	if o.real {
		c, err := classifierFor(ctx, o.modelPath, o.dsn)
		if err != nil {
			return err
		}
		nb := topics.TrainNaiveBayes(examples)
		m, bySource, err := topics.MeasureReal(c.Model, nb, c.Model.TrainedOn)
		if err != nil {
			return err
		}
		out.Real, out.RealSources = &m, bySource
		out.Notes = append(out.Notes, fmt.Sprintf("naive Bayes on the real set is trained on %s (%d examples)", from, len(examples)))
		srcs, err := topics.RealSet()
		if err != nil {
			return err
		}
		start := a.now()
		for i, src := range srcs {
			sm, err := topics.MeasureStoreModel(examples, c.Model, src.Examples, topics.GroupedSeed)
			if err != nil {
				return err
			}
			out.RealSources[i].StoreModel = &sm
		}
		fmt.Fprintf(a.stderr, "store models: trained %d in %.1fs\n", 2*len(srcs), a.now.Since(start).Seconds())
		for _, src := range srcs {
			d := topics.MeasureDiscovery(src.Examples)
			d.Source = src.Name
			out.Discovery = append(out.Discovery, d)
		}
	}
	if o.json {
		return printJSON(a, out)
	}
	for _, m := range []*topics.Measured{out.Grouped, out.RealStyle, out.Real} {
		if m != nil {
			printMeasured(a.stdout, m)
		}
	}
	for i := range out.RealSources {
		printMeasured(a.stdout, &out.RealSources[i].Measured)
	}
	if out.Real != nil {
		printRealSummary(a.stdout, *out.Real, out.RealSources)
	}
	for i := range out.Discovery {
		printDiscoveryMeasure(a.stdout, &out.Discovery[i])
	}
	for _, n := range out.Notes {
		fmt.Fprintln(a.stdout, n)
	}
	return nil
}

// measureData is what the grouped split splits and naive Bayes learns
// from: --data, else the starter's training files (Bitext mapped plus our
// examples, which are returned apart as ours).
func measureData(o measureOptions) (ex []topics.Example, ours map[topics.Example]bool, from string, err error) {
	if o.data != "" {
		ex, err = topics.ReadExamplesFile(o.data)
		return ex, nil, o.data, err
	}
	dir := o.starterData
	if _, err := os.Stat(filepath.Join(dir, topics.StarterBitext)); err != nil {
		return nil, nil, "", fmt.Errorf("no training data: give --data FILE.csv, or --starter-data DIR holding %s and %s (internal/topics/starter in the source tree)", topics.StarterBitext, topics.StarterExamples)
	}
	ex, err = topics.StarterExamplesFrom(dir)
	if err != nil {
		return nil, nil, "", err
	}
	own, err := topics.ReadExamplesFile(filepath.Join(dir, topics.StarterExamples))
	if err != nil {
		return nil, nil, "", err
	}
	ours = map[topics.Example]bool{}
	for _, e := range own {
		ours[e] = true
	}
	return ex, ours, "the starter data", nil
}

func printMeasured(w io.Writer, m *topics.Measured) {
	fmt.Fprintf(w, "== %s: %d texts (trained on %d)\n", m.Name, m.Test, m.Train)
	fmt.Fprintf(w, "classifier:  accuracy %.4f, macro-F1 %.4f%s\nnaive Bayes: accuracy %.4f, macro-F1 %.4f%s\n\nclassifier, ",
		m.Model.Accuracy, m.Model.MacroF1, interval(m.Model), m.NaiveBayes.Accuracy, m.NaiveBayes.MacroF1, interval(m.NaiveBayes))
	printReport(w, m.Model)
	fmt.Fprint(w, "\nnaive Bayes, ")
	printReport(w, m.NaiveBayes)
	fmt.Fprintln(w)
}

// interval is r's macro-F1 bootstrap interval as printed after it.
func interval(r topics.Report) string {
	if r.MacroF1Interval == nil {
		return ""
	}
	return fmt.Sprintf(" (95%% interval %.2f–%.2f)", r.MacroF1Interval[0], r.MacroF1Interval[1])
}

// printRealSummary puts the real set's figures side by side, each source
// and all of them, so a source the model fails on stands out.
func printRealSummary(w io.Writer, all topics.Measured, bySource []topics.RealMeasured) {
	width := len("SOURCE")
	for _, s := range bySource {
		width = max(width, len(s.Source))
	}
	fmt.Fprintln(w, "== real messages by source (classifier vs naive Bayes)")
	fmt.Fprintf(w, "%-*s  %5s  %8s  %8s  %12s  %11s  %11s\n", width, "SOURCE", "TEXTS", "ACCURACY", "MACRO-F1", "MACRO-F1 95%", "NB ACCURACY", "NB MACRO-F1")
	row := func(name string, m topics.Measured) {
		iv := ""
		if r := m.Model.MacroF1Interval; r != nil {
			iv = fmt.Sprintf("%.2f–%.2f", r[0], r[1])
		}
		fmt.Fprintf(w, "%-*s  %5d  %8.4f  %8.4f  %12s  %11.4f  %11.4f\n", width, name, m.Test, m.Model.Accuracy, m.Model.MacroF1, iv, m.NaiveBayes.Accuracy, m.NaiveBayes.MacroF1)
	}
	for _, s := range bySource {
		row(s.Source, s.Measured)
	}
	row("all", all)
	fmt.Fprintln(w)
	if len(bySource) == 0 || bySource[0].StoreModel == nil {
		return
	}
	fmt.Fprintln(w, "== a store's own model on its messages (trained on the base data and half of them, as fresh agent labels; scored on the other half, then the halves swap)")
	fmt.Fprintf(w, "%-*s  %8s  %16s  %16s  %14s  %14s\n", width, "SOURCE", "LABELLED", "STARTER ACCURACY", "STARTER MACRO-F1", "STORE ACCURACY", "STORE MACRO-F1")
	for _, s := range bySource {
		m := s.StoreModel
		fmt.Fprintf(w, "%-*s  %8d  %16.4f  %16.4f  %14.4f  %14.4f\n", width, s.Source, m.Labelled, m.Starter.Accuracy, m.Starter.MacroF1, m.Store.Accuracy, m.Store.MacroF1)
	}
	fmt.Fprintln(w)
}
