package topics

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadExamples reads a CSV file with a header naming the columns text and
// label (in any order; other columns are ignored). A bad row is an error
// naming its line, field and reason.
func ReadExamples(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("the file is empty: it needs a header line text,label and one example per line")
	}
	if err != nil {
		return nil, csvError(err)
	}
	textCol, labelCol := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) {
		case "text":
			textCol = i
		case "label":
			labelCol = i
		}
	}
	if textCol < 0 || labelCol < 0 {
		return nil, fmt.Errorf("line 1: the header must name the columns text and label, found %q", strings.Join(header, ","))
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) <= max(textCol, labelCol) {
			return nil, fmt.Errorf("line %d: has %d fields, the header has %d", line, len(rec), len(header))
		}
		e := Example{Text: rec[textCol], Label: strings.TrimSpace(rec[labelCol])}
		switch {
		case strings.TrimSpace(e.Text) == "":
			return nil, fmt.Errorf("line %d: field text: is empty", line)
		case e.Label == "":
			return nil, fmt.Errorf("line %d: field label: is empty", line)
		case strings.ContainsAny(e.Label, " \t\n"):
			return nil, fmt.Errorf("line %d: field label: %q has spaces; labels are ids such as where_is_my_order", line, e.Label)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no examples after the header")
	}
	return out, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d: %v", pe.Line, pe.Err)
	}
	return err
}

// ReadExamplesFile reads examples from a CSV file (ReadExamples).
func ReadExamplesFile(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}
