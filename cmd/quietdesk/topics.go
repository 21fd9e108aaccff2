package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

func init() {
	register(&command{name: "topics", summary: "train, evaluate and run the topic classifier", usage: "train|eval|classify …", run: runTopics})
	topicsActions = map[string]*command{
		"train":    {name: "topics train", usage: "--data FILE.csv --out MODEL", run: runTopicsTrain},
		"eval":     {name: "topics eval", usage: "--model MODEL --data FILE.csv [--format table|json] | --split grouped | --real", run: runTopicsEval},
		"classify": {name: "topics classify", usage: "[--model MODEL] < TEXTS", run: runTopicsClassify},
	}
}

// topicsActions are topics' own subcommands, each with its --help.
var topicsActions map[string]*command

const topicsHelp = `Says why customers write: every contact gets a topic with a confidence.

  quietdesk topics train --data FILE.csv --out MODEL    trains a model on labelled texts
  quietdesk topics eval --model MODEL --data FILE.csv   scores a model on labelled texts
  quietdesk topics classify [--model MODEL]             classifies one text per line of stdin

  quietdesk topics retrain                 trains on the store's labelled contacts; keeps the better model
  quietdesk topics models                  lists the store's models and their comparisons
  quietdesk topics discover --from --to    clusters contacts the model could not place into candidates
  quietdesk topics promote ID --as TOPIC   makes a candidate a topic and labels its contacts

  quietdesk topics list | history [ID]     the store's taxonomy and its changes
  quietdesk topics add | rename | merge | retire …

FILE.csv has a header with the columns text and label. Without --model,
classify and eval use the store's current model (--db), or the starter
model shipped in the binary when there is no store or it has trained none.
Topics of the default taxonomy: ` + "%s" + `.`

func runTopics(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 {
		if c, ok := topicsActions[args[0]]; ok {
			return c.run(ctx, a, args[1:])
		}
	}
	fs, _ := a.flags(commands["topics"], fmt.Sprintf(topicsHelp, strings.Join(topics.DefaultIDs(), ", ")))
	if _, err := parse(fs, args); err != nil {
		return err
	}
	fs.Usage()
	return errUsage
}

func runTopicsTrain(ctx context.Context, a *app, args []string) error {
	fs, _ := a.flags(topicsActions["train"], `Trains a topic model (TF-IDF over words and character n-grams, multinomial
logistic regression, confidence calibrated on a held-out 15%) on a CSV file
with the columns text and label, and writes it to MODEL. Labels are any ids;
a model whose labels include "other" puts low-confidence texts there. The
same data and --seed give the same model, byte for byte.

Example:
  quietdesk topics train --data labelled.csv --out brand.model
  quietdesk topics eval --model brand.model --data held-out.csv`)
	data := fs.String("data", "", "labelled examples, a CSV `FILE` with the columns text and label")
	out := fs.String("out", "", "where to write the `MODEL`")
	seed := fs.Uint64("seed", 1, "shuffling seed")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *data == "" || *out == "" {
		fs.Usage()
		return fmt.Errorf("--data and --out are required: quietdesk topics train --data FILE.csv --out MODEL")
	}
	ex, err := topics.ReadExamplesFile(*data)
	if err != nil {
		return err
	}
	start := a.now()
	progress := a.trainingProgress()
	m, err := topics.Train(ex, topics.TrainOptions{Seed: *seed, Progress: progress})
	if err != nil {
		return fmt.Errorf("%s: %w", *data, err)
	}
	if err := writeFileAtomic(*out, m.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "trained on %d examples, %d labels, %d features in %.1fs; wrote %s\n",
		m.TrainedOn, len(m.Labels), len(m.Vec.Keys), a.now.Since(start).Seconds(), *out)
	return nil
}

// trainingProgress draws a bar on a terminal; elsewhere training is quiet
// until its summary line.
func (a *app) trainingProgress() func(done, total int) {
	if !a.isTerminal {
		return nil
	}
	return func(done, total int) {
		const width = 30
		filled := width * done / total
		fmt.Fprintf(a.stderr, "\rtraining [%s%s] pass %d/%d", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), done, total)
		if done == total {
			fmt.Fprintln(a.stderr)
		}
	}
}

// writeFileAtomic writes through a temporary file, so an interrupted write
// never leaves half a model where a good one was.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func runTopicsEval(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["eval"], `Classifies every text of a labelled CSV file (columns text and label) and
compares with the labels: accuracy, macro-F1, per-label precision, recall,
F1 and support, the most frequent confusions, and the expected calibration
error (how far confidence is from accuracy). Use texts the model was not
trained on.

Honest measures, each against naive Bayes trained on the same data in the
same run:
  --split grouped   holds out whole phrasing families (texts sharing their
                    content words once the topic's own words are set aside),
                    trains on the rest of --data (default: the starter data in
                    --starter-data) and scores the held-out fifth
  --real            scores the real customer messages shipped in the binary
                    with --model (default: the store's or the starter model),
                    each source apart and all of them together; a store's
                    own model on each source (trained on the data and half
                    of the source's messages, scored on the other half,
                    then the halves swap); and how coherent discovery's
                    candidates are on them (purity: the share of the
                    messages placed in a candidate whose label is the
                    candidate's majority label)

Example:
  quietdesk topics eval --split grouped --real`)
	modelPath := fs.String("model", "", "the `MODEL` file (default: the store's current model, or the starter model)")
	data := fs.String("data", "", "labelled examples, a CSV `FILE` with the columns text and label")
	format := fs.String("format", "table", "table or json")
	split := fs.String("split", "", "`grouped`: train and score on a split that holds out whole phrasing families")
	real := fs.Bool("real", false, "score the real-message set")
	asJSON := fs.Bool("json", false, "the same as --format json")
	starterData := fs.String("starter-data", filepath.Join("internal", "topics", "starter"), "the starter's training files, used by --split and --real without --data")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *asJSON {
		*format = "json"
	}
	if *split != "" || *real {
		return runTopicsMeasure(ctx, a, measureOptions{split: *split, real: *real, data: *data, starterData: *starterData,
			modelPath: *modelPath, dsn: *dsn, json: *format == "json"})
	}
	if *data == "" {
		fs.Usage()
		return fmt.Errorf("--data is required: quietdesk topics eval --model MODEL --data FILE.csv")
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format %q: use table or json", *format)
	}
	c, err := classifierFor(ctx, *modelPath, *dsn)
	if err != nil {
		return err
	}
	ex, err := topics.ReadExamplesFile(*data)
	if err != nil {
		return err
	}
	r := topics.Evaluate(c.Model, ex)
	if *format == "json" {
		return printJSON(a, r)
	}
	return printReport(a.stdout, r)
}

// printJSON writes v as indented JSON on stdout.
func printJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printReport(w io.Writer, r topics.Report) error {
	fmt.Fprintf(w, "%d texts: accuracy %.4f, macro-F1 %.4f, calibration error %.4f\n\n", r.N, r.Accuracy, r.MacroF1, r.ECE)
	width := len("LABEL")
	for _, l := range r.Labels {
		width = max(width, len(l.Label))
	}
	fmt.Fprintf(w, "%-*s  %9s  %6s  %5s  %7s\n", width, "LABEL", "PRECISION", "RECALL", "F1", "SUPPORT")
	for _, l := range r.Labels {
		fmt.Fprintf(w, "%-*s  %9.3f  %6.3f  %5.3f  %7d\n", width, l.Label, l.Precision, l.Recall, l.F1, l.Support)
	}
	if len(r.Confusions) > 0 {
		fmt.Fprintln(w, "\nMost confused (label → predicted):")
		for _, c := range r.Confusions {
			fmt.Fprintf(w, "  %s → %s  %d\n", c.Label, c.Predicted, c.Count)
		}
	}
	return nil
}

// classifierFor returns the model in the file at path; without one, the
// store's current classifier (its model and taxonomy), or the starter model
// when no store is named and there is no quietdesk.db here: classifying
// text must not create a database as a side effect.
func classifierFor(ctx context.Context, path, dsn string) (*topics.Classifier, error) {
	if path != "" {
		m, err := topics.ReadModelFile(path)
		return &topics.Classifier{Model: m}, err
	}
	if dsn == "" && os.Getenv("QUIETDESK_DB") == "" {
		if _, err := os.Stat(store.ResolveDSN("")); err != nil {
			return &topics.Classifier{Model: topics.Starter()}, nil
		}
	}
	db, err := openDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return topics.Current(ctx, db)
}

// classified is one line of topics classify's output. Guess is there only
// when the topic fell to other for lack of confidence.
type classified struct {
	Text       string  `json:"text"`
	Topic      string  `json:"topic"`
	Confidence float64 `json:"confidence"`
	Guess      string  `json:"guess,omitempty"`
}

func runTopicsClassify(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(topicsActions["classify"], `Reads one text per line on standard input and writes one JSON line per text:
{"text": "...", "topic": "...", "confidence": 0.93}. A text the model is not
confident about gets the topic other, with its best guess as "guess".

Example:
  echo "where is my parcel?" | quietdesk topics classify`)
	modelPath := fs.String("model", "", "the `MODEL` file (default: the store's current model, or the starter model)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	c, err := classifierFor(ctx, *modelPath, *dsn)
	if err != nil {
		return err
	}
	return classifyLines(a.stdin, a.stdout, c)
}

func classifyLines(r io.Reader, w io.Writer, c *topics.Classifier) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for sc.Scan() {
		text := sc.Text()
		out := classified{Text: text, Topic: topics.Other}
		if strings.TrimSpace(text) != "" {
			p := c.Assign("", "", text)
			out.Topic, out.Confidence = p.Topic, math.Round(p.Confidence.Float64*10000)/10000
			if p.Topic != p.Guess {
				out.Guess = p.Guess
			}
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w (one text per line, at most 1 MB each)", err)
	}
	return bw.Flush()
}
