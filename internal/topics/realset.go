package topics

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// The real-message set: customer messages from public sources, kept as
// published with their licences under testdata/real/<owner>__<repo>/, each
// labelled by hand onto the default taxonomy (SOURCE.md there says how).
// No model trains on them; they measure how a model does on text written by
// people rather than by a template. They are embedded so `quietdesk topics
// eval --real` works wherever the binary runs.
//
//go:embed testdata/real
var realFS embed.FS

// Files of one real source.
const (
	realMessages = "messages.csv" // the messages as published (a message column)
	realLabels   = "labels.csv"   // text,label: our label for every message
)

// realMessageColumns are the names a source's messages.csv may give its
// message column, since it keeps the header as published: Banking77 calls
// it text, HINT3 sentence. A header must name exactly one of them.
var realMessageColumns = []string{"text", "sentence"}

// RealSource is one source of the real set.
type RealSource struct {
	Name     string    // owner__repo
	Examples []Example // in the order of messages.csv
}

// RealSet returns the embedded real-message set, source by source.
func RealSet() ([]RealSource, error) {
	sub, err := fs.Sub(realFS, "testdata/real")
	if err != nil {
		return nil, err
	}
	return ReadRealSet(sub)
}

// RealExamples is every source of RealSet in one list.
func RealExamples() ([]Example, error) {
	srcs, err := RealSet()
	if err != nil {
		return nil, err
	}
	var out []Example
	for _, s := range srcs {
		out = append(out, s.Examples...)
	}
	return out, nil
}

// ReadRealSet reads every source directory of fsys. Each needs
// messages.csv, labels.csv, LICENSE and SOURCE.md; every message needs
// exactly one label, every label a message, and labels must be topics of
// the default taxonomy.
func ReadRealSet(fsys fs.FS) ([]RealSource, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var out []RealSource
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		src, err := readRealSource(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("real set %s: %w", e.Name(), err)
		}
		out = append(out, src)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil, fmt.Errorf("the real set has no sources")
	}
	return out, nil
}

func readRealSource(fsys fs.FS, dir string) (RealSource, error) {
	for _, f := range []string{"LICENSE", "SOURCE.md"} {
		if _, err := fs.Stat(fsys, path.Join(dir, f)); err != nil {
			return RealSource{}, fmt.Errorf("%s is missing: every source keeps its licence and where it came from", f)
		}
	}
	texts, err := readColumn(fsys, path.Join(dir, realMessages), realMessageColumns)
	if err != nil {
		return RealSource{}, err
	}
	lf, err := fsys.Open(path.Join(dir, realLabels))
	if err != nil {
		return RealSource{}, err
	}
	defer lf.Close()
	labelled, err := ReadExamples(lf)
	if err != nil {
		return RealSource{}, fmt.Errorf("%s: %w", realLabels, err)
	}
	label := map[string]string{}
	for i, e := range labelled {
		if !IsDefault(e.Label) {
			return RealSource{}, fmt.Errorf("%s: example %d: %q is not a topic of the default taxonomy (%s)", realLabels, i+1, e.Label, strings.Join(DefaultIDs(), ", "))
		}
		if _, dup := label[e.Text]; dup {
			return RealSource{}, fmt.Errorf("%s: example %d: %q is labelled twice", realLabels, i+1, e.Text)
		}
		label[e.Text] = e.Label
	}
	src := RealSource{Name: dir}
	seen := map[string]bool{}
	for i, t := range texts {
		l, ok := label[t]
		if !ok {
			return RealSource{}, fmt.Errorf("%s: message %d %q has no label in %s", realMessages, i+1, t, realLabels)
		}
		if seen[t] {
			return RealSource{}, fmt.Errorf("%s: message %d %q appears twice", realMessages, i+1, t)
		}
		seen[t] = true
		src.Examples = append(src.Examples, Example{Text: t, Label: l})
	}
	if len(seen) != len(label) {
		for t := range label {
			if !seen[t] {
				return RealSource{}, fmt.Errorf("%s: %q is not a message of %s", realLabels, t, realMessages)
			}
		}
	}
	return src, nil
}

// readColumn reads the one column of a CSV file with a header that is
// named by one of names.
func readColumn(fsys fs.FS, name string, names []string) ([]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, csvError(err))
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no messages after the header", name)
	}
	col := -1
	for i, h := range rows[0] {
		if !slices.Contains(names, h) {
			continue
		}
		if col >= 0 {
			return nil, fmt.Errorf("%s: the header names both %q and %q: which one holds the messages?", name, rows[0][col], h)
		}
		col = i
	}
	if col < 0 {
		return nil, fmt.Errorf("%s: the header has no column %s", name, quotedOr(names))
	}
	column := rows[0][col]
	out := make([]string, 0, len(rows)-1)
	for i, r := range rows[1:] {
		if col >= len(r) || strings.TrimSpace(r[col]) == "" {
			return nil, fmt.Errorf("%s: line %d: field %s: is empty", name, i+2, column)
		}
		out = append(out, r[col])
	}
	return out, nil
}

// quotedOr lists names as "a", "b" or "c".
func quotedOr(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
