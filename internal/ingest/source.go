package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"quietdesk/internal/domain"
)

// Item is one record read from a file: the line it starts on, its key (for
// duplicate detection), the parsed record and what is wrong with it.
type Item struct {
	Line     int
	Key      string
	Record   any
	Problems domain.Problems
	// Raw is the record's rows as read (an order of a Shopify export spans
	// several), written to the reject file when it is skipped.
	Raw [][]string
}

// Source reads records from a file in one format.
type Source interface {
	// Next returns the next item, io.EOF at the end, or an error that makes
	// the whole file unreadable.
	Next() (Item, error)
	// Header is the file's header row, for the reject file.
	Header() []string
}

// Format turns a file of one tool's export into records of one kind.
type Format struct {
	Name string
	// Kind is the record kind the format produces.
	Kind *Kind
	// Detect reports whether a header row is this format's.
	Detect func(header []string) bool
	// Open starts reading records after the header.
	Open func(c *CSV, tp domain.TimeParser) (Source, error)
}

// CSV reads a CSV file row by row with line numbers and named columns. It
// strips a UTF-8 byte-order mark and accepts CRLF, as spreadsheets write.
// It refuses what cannot be stored as text in the header's columns: a
// header naming a column twice, and (row by row, see Record.Problems) rows
// of another width, bytes that are not UTF-8, NUL bytes and huge fields.
type CSV struct {
	r      *csv.Reader
	header []string
	index  map[string]int
}

// NewCSV reads the header row of r.
func NewCSV(r io.Reader) (*CSV, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	} else if bytes.HasPrefix(bom, []byte{0xFF, 0xFE}) || bytes.HasPrefix(bom, []byte{0xFE, 0xFF}) {
		return nil, errors.New(`the file is UTF-16 (Excel's "Unicode Text"): save it as "CSV UTF-8"`)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty: expected a header row")
	}
	if err != nil {
		return nil, fmt.Errorf("line 1: cannot read the header row: %w", err)
	}
	c := &CSV{r: cr, header: make([]string, len(header)), index: map[string]int{}}
	// Exports are read by column name ignoring case, so two columns whose
	// names differ only in case are as ambiguous as two of the same name.
	// Unnamed columns are ignored like unknown ones, so they may repeat.
	seen := map[string]int{}
	for i, h := range header {
		if reason := badText(h); reason != "" {
			return nil, fmt.Errorf("line 1: column %d of the header: %s", i+1, reason)
		}
		h = strings.TrimSpace(h)
		c.header[i] = h
		if h == "" {
			continue
		}
		if first, dup := seen[strings.ToLower(h)]; dup {
			return nil, fmt.Errorf("line 1: the header has column %q twice (columns %d and %d): rename or remove one, so it is clear which to read", h, first+1, i+1)
		}
		seen[strings.ToLower(h)] = i
		c.index[h] = i
	}
	return c, nil
}

// Header returns the column names.
func (c *CSV) Header() []string { return c.header }

// Has reports whether the header has a column.
func (c *CSV) Has(name string) bool { _, ok := c.index[name]; return ok }

// Missing returns the required columns the header lacks.
func (c *CSV) Missing(required []string) []string {
	var out []string
	for _, r := range required {
		if !c.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// Read returns the next row and the line it starts on.
func (c *CSV) Read() (Record, error) {
	rec, err := c.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, fmt.Errorf("line %d, column %d: %v (check the quoting of that row)", pe.StartLine, pe.Column, pe.Err)
		}
		return Record{}, err
	}
	line, _ := c.r.FieldPos(0)
	return Record{csv: c, Fields: rec, Line: line, Problems: c.check(rec)}, nil
}

// check says what makes a row unreadable as the header's columns of text.
// A row of another width has its values under the wrong columns (an
// unquoted comma shifts every value after it), so only its width is
// reported. The text checks run on every field, used or not: a bad byte
// anywhere shows the file is not UTF-8, and PostgreSQL refuses NUL bytes
// and invalid UTF-8 in the middle of a write, after earlier batches are
// stored, where SQLite would store them as they are.
func (c *CSV) check(fields []string) domain.Problems {
	var p domain.Problems
	switch n, want := len(fields), len(c.header); {
	case n > want:
		p.Add("", "has %d fields but the header has %d: a value holding a comma must be in double quotes", n, want)
		return p
	case n < want:
		p.Add("", "has %d fields but the header has %d: a value is missing, or a line break splits the row", n, want)
		return p
	}
	for i, f := range fields {
		if reason := badText(f); reason != "" {
			column := c.header[i]
			if column == "" {
				column = strconv.Itoa(i + 1)
			}
			p.Add(column, "%s", reason)
		}
	}
	return p
}

// Record is one CSV row read through its header.
type Record struct {
	csv    *CSV
	Fields []string
	Line   int
	// Problems make the row unreadable (see CSV.check); such a row is
	// reported with them alone, since what a parser would say of its
	// fields is noise.
	Problems domain.Problems
}

// Get returns the value of a named column, "" when absent or short.
func (r Record) Get(name string) string {
	i, ok := r.csv.index[name]
	if !ok || i >= len(r.Fields) {
		return ""
	}
	return r.Fields[i]
}

// Empty reports whether every field is blank (spreadsheets leave such rows).
func (r Record) Empty() bool {
	for _, f := range r.Fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// genericSource reads the generic format of one kind: one row, one record.
type genericSource struct {
	csv  *CSV
	kind *Kind
	tp   domain.TimeParser
}

func (s *genericSource) Header() []string { return s.csv.Header() }

func (s *genericSource) Next() (Item, error) {
	for {
		rec, err := s.csv.Read()
		if err != nil {
			return Item{}, err
		}
		if rec.Empty() {
			continue
		}
		if len(rec.Problems) > 0 {
			return Item{Line: rec.Line, Problems: rec.Problems, Raw: [][]string{rec.Fields}}, nil
		}
		v, problems := s.kind.Parse(rec, s.tp)
		item := Item{Line: rec.Line, Record: v, Problems: problems, Raw: [][]string{rec.Fields}}
		switch {
		case s.kind.Key != "":
			item.Key = strings.TrimSpace(rec.Get(s.kind.Key))
		case s.kind.KeyOf != nil && len(problems) == 0:
			item.Key = s.kind.KeyOf(v)
		}
		return item, nil
	}
}

// GenericFormat is the documented CSV format of a kind (docs/import.md#generic-csv-formats).
func GenericFormat(k *Kind) *Format {
	return &Format{
		Name: "generic",
		Kind: k,
		Detect: func(header []string) bool {
			set := map[string]bool{}
			for _, h := range header {
				set[strings.TrimSpace(h)] = true
			}
			for _, r := range k.Required {
				if !set[r] {
					return false
				}
			}
			return true
		},
		Open: func(c *CSV, tp domain.TimeParser) (Source, error) {
			if missing := c.Missing(k.Required); len(missing) > 0 {
				return nil, fmt.Errorf("line 1: missing required column(s) %s for %s; the header has: %s",
					strings.Join(missing, ", "), k.Name, strings.Join(c.Header(), ", "))
			}
			return &genericSource{csv: c, kind: k, tp: tp}, nil
		},
	}
}

// formats lists the tools' own export formats per kind; the generic format
// of each kind is always available besides them.
var formats = map[string][]*Format{}

// RegisterFormat adds a tool's export format for its kind.
func RegisterFormat(f *Format) { formats[f.Kind.Name] = append(formats[f.Kind.Name], f) }

// FormatNames lists the export formats a kind accepts besides generic.
func FormatNames(kind string) []string {
	var out []string
	for _, f := range formats[kind] {
		out = append(out, f.Name)
	}
	return out
}

// pickFormat finds the format: the one named, or the one whose header
// matches, or generic.
func pickFormat(kind *Kind, name string, header []string) (*Format, error) {
	if name == "" || name == "auto" {
		for _, f := range formats[kind.Name] {
			if f.Detect(header) {
				return f, nil
			}
		}
		return GenericFormat(kind), nil
	}
	if name == "generic" {
		return GenericFormat(kind), nil
	}
	for _, f := range formats[kind.Name] {
		if f.Name == name {
			return f, nil
		}
	}
	names := append([]string{"generic"}, FormatNames(kind.Name)...)
	return nil, fmt.Errorf("format %q is not known for %s: use one of %s", name, kind.Name, strings.Join(names, ", "))
}
