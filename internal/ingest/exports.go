package ingest

// What the tools' own export formats (shopify.go, zendesk.go, gorgias.go)
// share. docs/formats.md describes the files and why each rule exists.

import (
	"fmt"
	"regexp"
	"strings"

	"quietdesk/internal/domain"
)

// headerIndex maps lower-cased column names to their position. The tools'
// columns are looked up by name, ignoring case, because their exports add,
// move and re-case columns between versions and spreadsheet re-saves.
func headerIndex(header []string) map[string]int {
	idx := make(map[string]int, len(header))
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[k]; !dup {
			idx[k] = i
		}
	}
	return idx
}

// pick returns the header's spelling of the first of names it has, "" when
// it has none: the value is both the key to read and the column named in
// problems, so users see their own file's column.
func pick(header []string, idx map[string]int, names ...string) string {
	for _, n := range names {
		if i, ok := idx[strings.ToLower(n)]; ok {
			return header[i]
		}
	}
	return ""
}

// missingColumns lists the names the header lacks.
func missingColumns(idx map[string]int, names ...string) []string {
	var out []string
	for _, n := range names {
		if _, ok := idx[strings.ToLower(n)]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// exportRow is one row of a tool's export read by column name, so that the
// shared field reader (fields.go) parses it and names the tool's columns in
// what it reports.
type exportRow struct {
	idx    map[string]int
	fields []string
	// apostrophe strips the one leading "'" spreadsheets use to keep zips
	// and phones as text ('4001, '+46 …); only Shopify files carry it.
	apostrophe bool
}

func (r exportRow) Get(name string) string {
	i, ok := r.idx[strings.ToLower(name)]
	if !ok || name == "" || i >= len(r.fields) {
		return ""
	}
	v := strings.TrimSpace(r.fields[i])
	if r.apostrophe {
		v = strings.TrimPrefix(v, "'")
	}
	return v
}

// digits returns s when it is a plain number, "" otherwise. Tool ids are
// numbers; a spreadsheet turns long ones into 3.81204E+11, and such a
// mangled id must not be used, or it would merge different people.
func digits(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return s
}

// joinTags stores tags one way whatever the tool's separator: "a, b".
// Commas, because Shopify tags contain spaces.
func joinTags(tags []string) string {
	var out []string
	for _, t := range tags {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, ", ")
}

// orderNumberColumn finds a ticket custom field holding the order number:
// Zendesk's "Order number [txt]", Gorgias's "Ticket Field: Order number".
func orderNumberColumn(header []string) string {
	for _, h := range header {
		n := strings.ToLower(strings.TrimSpace(h))
		n = strings.TrimPrefix(n, "ticket field: ")
		if i := strings.Index(n, " ["); i > 0 && strings.HasSuffix(n, "]") {
			n = n[:i]
		}
		if n == "order number" {
			return h
		}
	}
	return ""
}

// customValue reads a custom field; Zendesk writes "-" for an empty one.
func customValue(r Row, column string) string {
	if column == "" {
		return ""
	}
	if v := strings.TrimSpace(r.Get(column)); v != "-" {
		return v
	}
	return ""
}

var slashDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}\b`)

// checkDateOrder guards the slash dates of spreadsheet re-saves. The time
// parser reads each value alone: 14/05/2025 can only be day-first, while
// 03/05/2025 is read in the chosen order. A value that can only be read in
// the other order shows that the file's ambiguous dates were misread too,
// so the whole file is refused rather than imported with swapped days.
func checkDateOrder(tp domain.TimeParser, line int, column, value string) error {
	m := slashDate.FindStringSubmatch(strings.TrimSpace(value))
	if m == nil {
		return nil
	}
	a, b := atoi(m[1]), atoi(m[2])
	switch {
	case a > 12 && b <= 12 && tp.Order == domain.MonthFirst:
		return fmt.Errorf("line %d: %s %q can only be day-first, but slash dates are being read month-first: import the file again reading dates day-first (--date-order dmy)", line, column, value)
	case b > 12 && a <= 12 && tp.Order == domain.DayFirst:
		return fmt.Errorf("line %d: %s %q can only be month-first, but slash dates are being read day-first: import the file again reading dates month-first (--date-order mdy)", line, column, value)
	}
	return nil
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// renameProblems turns the internal field names a record's Validate uses
// into the tool's column names, so every problem names a column the user
// can find in the file.
func renameProblems(p domain.Problems, names map[string]string) domain.Problems {
	for i := range p {
		if n, ok := names[p[i].Field]; ok {
			p[i].Field = n
		}
	}
	return p
}

// contactColumns maps the contact fields Validate names to a tool's columns.
func contactColumns(id, created, channel string) map[string]string {
	return map[string]string{"contact_id": id, "started_at": created, "channel": channel}
}

// firstSeen remembers the line of each id, to refuse a repeated one with
// the tool's column name (the importer's own check would name ours).
type firstSeen map[string]int

func (s firstSeen) check(p *domain.Problems, column, id string, line int) {
	if first, dup := s[id]; dup {
		p.Add(column, "%s already seen on line %d: keeping that one", id, first)
		return
	}
	s[id] = line
}
