package ingest

import (
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/domain"
)

// Row is one input record as named fields: a CSV row read through its header,
// or one JSON item. The same parsers read both, so the CSV and the API accept
// exactly the same data and name fields the same way.
type Row interface {
	Get(name string) string
}

// MapRow is a Row backed by a map (JSON items, tests).
type MapRow map[string]string

// Get returns the field's text, "" when absent.
func (m MapRow) Get(name string) string { return m[name] }

// reader reads typed fields from a row and collects what is wrong with them.
type reader struct {
	row      Row
	tp       domain.TimeParser
	problems domain.Problems
}

func (r *reader) str(name string) string { return strings.TrimSpace(r.row.Get(name)) }

func (r *reader) money(name string) domain.Money {
	m, err := domain.ParseMoney(r.row.Get(name))
	if err != nil {
		r.problems.Add(name, "%v", err)
	}
	return m
}

func (r *reader) integer(name string) int64 {
	s := r.str(name)
	if s == "" {
		return 0
	}
	// Spreadsheets write whole numbers as 3.0.
	s = strings.TrimSuffix(strings.TrimSuffix(s, ".0"), ".00")
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.problems.Add(name, "%q is not a whole number", r.str(name))
	}
	return v
}

// when reads a required time.
func (r *reader) when(name string) time.Time {
	s := r.str(name)
	if s == "" {
		r.problems.Add(name, "is required")
		return time.Time{}
	}
	t, err := r.tp.Parse(s)
	if err != nil {
		r.problems.Add(name, "%v", err)
	} else if outsideYears(t) {
		r.problems.Add(name, "%s", outsideYearsReason(s))
	}
	return t
}

// optWhen reads an optional time.
func (r *reader) optWhen(name string) *time.Time {
	if r.str(name) == "" {
		return nil
	}
	t := r.when(name)
	if t.IsZero() {
		return nil
	}
	return &t
}

func (r *reader) date(name string) string { return r.dateOr(name, "") }

// dateOr reads an optional date; advice follows the reason when the date
// is outside the accepted years.
func (r *reader) dateOr(name, advice string) string {
	s := r.str(name)
	if s == "" {
		return ""
	}
	d, err := r.tp.ParseDate(s)
	if err != nil {
		r.problems.Add(name, "%v", err)
		return d
	}
	if t, _ := time.Parse(time.DateOnly, d); outsideYears(t) {
		reason := outsideYearsReason(s)
		if advice != "" {
			reason += ": " + advice
		}
		r.problems.Add(name, "%s", reason)
	}
	return d
}

// email reads an optional email address. Customers are matched on their
// email, so a value that is not one is refused rather than stored.
func (r *reader) email(name string) string {
	s := r.str(name)
	if s != "" && !looksLikeEmail(s) {
		r.problems.Add(name, "%q is not an email address", s)
	}
	return s
}

// ok reports whether none of the fields has a problem yet: the rules
// between fields only judge values that were read.
func (r *reader) ok(names ...string) bool {
	for _, p := range r.problems {
		for _, n := range names {
			if p.Field == n {
				return false
			}
		}
	}
	return true
}

func (r *reader) lower(name string) string { return strings.ToLower(r.str(name)) }
