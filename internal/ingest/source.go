package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
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
	if head, _ := br.Peek(512); notText(head) != "" {
		return nil, errors.New(notText(head))
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	} else if bytes.HasPrefix(bom, []byte{0xFF, 0xFE}) || bytes.HasPrefix(bom, []byte{0xFE, 0xFF}) {
		return nil, errors.New(`the file is UTF-16 (Excel's "Unicode Text"): save it as "CSV UTF-8"`)
	}
	cr := csv.NewReader(br)
	cr.Comma = headerDelimiter(br) // shopify_csv.go
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

// notText says what a file that begins with head is when it is plainly not
// CSV text (a spreadsheet, a PDF, an image), so the message names it
// instead of a byte of line 1; "" when it may be CSV.
func notText(head []byte) string {
	const saveAs = `: save it as "CSV UTF-8" and import that file`
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "the file is a spreadsheet (.xlsx, .ods) or a zip archive, not CSV" + saveAs
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "the file is an old Excel spreadsheet (.xls), not CSV" + saveAs
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "the file is a PDF, not CSV: export the data as CSV instead"
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}), bytes.HasPrefix(head, []byte("GIF8")),
		len(head) > 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return "the file is an image, not CSV: export the data as CSV instead"
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "" // UTF-16 text: NewCSV says how to save it
	case binary(head):
		return "the file is binary, not CSV text" + saveAs
	}
	return ""
}

// binary reports whether a file's first bytes are no text: a NUL byte in
// the header line, or control characters in a tenth of them. (A NUL in a
// later row is that row's problem, reported with its line.)
func binary(head []byte) bool {
	first, _, _ := bytes.Cut(head, []byte("\n"))
	if bytes.IndexByte(first, 0) >= 0 {
		return true
	}
	control := 0
	for _, b := range head {
		if b < 0x20 && b != '\t' && b != '\r' && b != '\n' {
			control++
		}
	}
	return len(head) > 0 && control*10 >= len(head)
}

// Rename renames header columns: m maps a column of the file ("Order
// Number") to the name the format reads ("order_id"). A name m gives that
// the header lacks, or a rename onto a column the file already has, is
// refused: the mapping was made for another file.
func (c *CSV) Rename(m map[string]string) error {
	if len(m) == 0 {
		return nil
	}
	for from := range m {
		if _, ok := c.index[strings.TrimSpace(from)]; !ok {
			return fmt.Errorf("line 1: the column mapping names column %q, which the header lacks; the header has: %s", from, strings.Join(c.header, ", "))
		}
	}
	renamed := slices.Clone(c.header)
	for i, h := range c.header {
		if to := strings.TrimSpace(m[h]); to != "" {
			renamed[i] = to
		}
	}
	index := map[string]int{}
	for i, h := range renamed {
		if h == "" {
			continue
		}
		if first, dup := index[h]; dup {
			return fmt.Errorf("line 1: the column mapping gives two columns the name %q (%q and %q): map only one of them", h, c.header[first], c.header[i])
		}
		index[h] = i
	}
	c.header, c.index = renamed, index
	return nil
}

// ParseRename reads column mappings written "Their Column=order_id", as
// the --map flag takes them, into a map for Options.Rename.
func ParseRename(pairs []string) (map[string]string, error) {
	m := map[string]string{}
	for _, p := range pairs {
		from, to, ok := strings.Cut(p, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok || from == "" || to == "" {
			return nil, fmt.Errorf("column mapping %q: write it as 'Their Column=column_name'", p)
		}
		if prev, dup := m[from]; dup && prev != to {
			return nil, fmt.Errorf("column %q is mapped twice (to %s and to %s): keep one", from, prev, to)
		}
		m[from] = to
	}
	return m, nil
}

// Recognise lists the formats, of every kind, whose header this is: the
// tools' exports first, then generic files. A file chosen as one kind but
// recognised as another's is refused with what it holds.
func Recognise(header []string) []*Format {
	var tools, generic []*Format
	for _, name := range KindNames() {
		for _, f := range formats[name] {
			if f.Detect(header) {
				tools = append(tools, f)
			}
		}
		if g := GenericFormat(Kinds[name]); g.Detect(header) {
			generic = append(generic, g)
		}
	}
	return append(tools, generic...)
}
