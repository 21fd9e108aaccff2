//go:build ignore

// Pseudonymise replaces the personal data of a Shopify "Orders > Export"
// CSV with consistent fake values and keeps every other byte as exported:
//
//	go run ./internal/ingest/testdata/shopify-exports/pseudonymise RAW.csv OUT.csv
//
// It works on the file's bytes, not on a re-written CSV: the header, the
// separators, the line ends (CRLF or LF, and bare LF inside a quoted
// cell), the quoting of every field and every column not listed below
// stay exactly as they were. A replaced field keeps its quotes when it had
// them and gains them only when its new value needs them.
//
// Replaced, by header name (SOURCE.md lists the same):
//   - Email: customerN@example.com, N counting the distinct addresses
//     (compared without case) in order of first appearance;
//   - Billing/Shipping Name and Employee: a fake "First Last" per distinct
//     name (compared without case and extra spaces);
//   - Billing/Shipping Street, Address1, Address2: a fake "N Word Road" per
//     distinct line; a Street that is Address1 + ", " + Address2 (or just
//     Address1) is rebuilt from their fakes, as Shopify builds it;
//   - Billing/Shipping Company: "Company N" per distinct company;
//   - Billing/Shipping Phone and Phone: the same shape with the digits after
//     the first three replaced (separators, a leading + or ', and a
//     spreadsheet's 9.23228E+11 form with its exponent are kept);
//   - Notes and Note Attributes: every name, email, phone and address line
//     of the file found in the text is replaced by its fake, and the value
//     of a "Label: value" line whose label speaks of a name, phone, email or
//     address is replaced too; the rest of the text is kept.
//
// The same original value gets the same fake everywhere in the file, so
// grouping orders by email (or name, or phone) gives the same groups.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run pseudonymise/main.go RAW.csv OUT.csv")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, n, err := pseudonymise(raw)
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: %d records, %d fields replaced\n", os.Args[2], len(n.records), n.changed)
}

// field is one cell as it stands in the file: its raw bytes (with quotes)
// and what follows it (",", a line end, or nothing at the end of file).
type field struct {
	raw    []byte
	quoted bool
	after  []byte
}

func (f field) value() string {
	if !f.quoted {
		return string(f.raw)
	}
	return strings.ReplaceAll(string(f.raw[1:len(f.raw)-1]), `""`, `"`)
}

// set gives the field a new value, quoted as the file would quote it.
func (f *field) set(v string) {
	if f.quoted || strings.ContainsAny(v, ",\"\r\n") {
		f.raw, f.quoted = []byte(`"`+strings.ReplaceAll(v, `"`, `""`)+`"`), true
		return
	}
	f.raw = []byte(v)
}

type file struct {
	records [][]field
	changed int
}

// split cuts the file into records of fields, keeping every byte.
func split(b []byte) ([][]field, error) {
	var recs [][]field
	var rec []field
	for i := 0; i < len(b); {
		var f field
		start := i
		if b[i] == '"' {
			f.quoted = true
			i++
			for {
				if i >= len(b) {
					return nil, fmt.Errorf("record %d: a quoted field is not closed", len(recs)+1)
				}
				if b[i] == '"' {
					if i+1 < len(b) && b[i+1] == '"' {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
		} else {
			for i < len(b) && b[i] != ',' && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		}
		f.raw = b[start:i]
		switch {
		case i >= len(b):
		case b[i] == ',':
			f.after = b[i : i+1]
			i++
		case b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n':
			f.after = b[i : i+2]
			i += 2
		case b[i] == '\n' || b[i] == '\r':
			f.after = b[i : i+1]
			i++
		default:
			return nil, fmt.Errorf("record %d: %q after a quoted field", len(recs)+1, b[i])
		}
		rec = append(rec, f)
		if i >= len(b) || f.after[0] != ',' {
			recs = append(recs, rec)
			rec = nil
		}
	}
	if rec != nil {
		recs = append(recs, rec)
	}
	return recs, nil
}

func pseudonymise(b []byte) ([]byte, *file, error) {
	recs, err := split(b)
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("empty file")
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[strings.TrimPrefix(h.value(), "\ufeff")] = i
	}
	for i, r := range recs[1:] {
		if len(r) != len(recs[0]) {
			return nil, nil, fmt.Errorf("record %d has %d fields, the header %d", i+2, len(r), len(recs[0]))
		}
	}
	p := newFakes()
	f := &file{records: recs}
	get := func(r []field, name string) (*field, bool) {
		i, ok := col[name]
		if !ok {
			return nil, false
		}
		return &r[i], true
	}
	set := func(fl *field, v string) {
		if fl.value() != v {
			fl.set(v)
			f.changed++
		}
	}
	// Notes are done last, once every name, email, phone and address of the
	// file is known, so a value first seen in a later row is still found.
	type note struct{ f *field }
	var notes []note
	for _, r := range recs[1:] {
		if fl, ok := get(r, "Email"); ok && fl.value() != "" {
			set(fl, p.email(fl.value()))
		}
		for _, c := range []string{"Billing Name", "Shipping Name", "Employee"} {
			if fl, ok := get(r, c); ok && strings.TrimSpace(fl.value()) != "" {
				set(fl, p.name(fl.value()))
			}
		}
		for _, c := range []string{"Billing Phone", "Shipping Phone", "Phone"} {
			if fl, ok := get(r, c); ok && fl.value() != "" {
				set(fl, p.phone(fl.value()))
			}
		}
		for _, c := range []string{"Billing Company", "Shipping Company"} {
			if fl, ok := get(r, c); ok && strings.TrimSpace(fl.value()) != "" {
				set(fl, p.company(fl.value()))
			}
		}
		for _, side := range []string{"Billing", "Shipping"} {
			street, _ := get(r, side+" Street")
			a1, _ := get(r, side+" Address1")
			a2, _ := get(r, side+" Address2")
			var v1, v2 string
			if a1 != nil {
				v1 = a1.value()
			}
			if a2 != nil {
				v2 = a2.value()
			}
			if street != nil && street.value() != "" {
				s := street.value()
				switch {
				case v1 != "" && v2 != "" && s == v1+", "+v2:
					set(street, p.line(v1)+", "+p.line(v2))
				case v1 != "" && s == v1:
					set(street, p.line(v1))
				default:
					set(street, p.line(s))
				}
			}
			if v1 != "" {
				set(a1, p.line(v1))
			}
			if v2 != "" {
				set(a2, p.line(v2))
			}
		}
		for _, c := range []string{"Notes", "Note Attributes"} {
			if fl, ok := get(r, c); ok && fl.value() != "" {
				notes = append(notes, note{fl})
			}
		}
	}
	for _, n := range notes {
		set(n.f, p.text(n.f.value()))
	}
	var out bytes.Buffer
	for _, r := range recs {
		for _, fl := range r {
			out.Write(fl.raw)
			out.Write(fl.after)
		}
	}
	return out.Bytes(), f, nil
}

// fakes hands out the fake values, one per distinct original.
type fakes struct {
	emails, names, lines, companies, phones map[string]string
	// known maps each original as written to its fake, for notes.
	known map[string]string
}

func newFakes() *fakes {
	return &fakes{map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}, map[string]string{}}
}

var (
	firsts  = []string{"Alex", "Blair", "Casey", "Dana", "Emery", "Finley", "Gray", "Harper", "Indy", "Jordan", "Kai", "Lee", "Morgan", "Noor", "Oakley", "Parker", "Quinn", "Riley", "Sam", "Taylor"}
	lasts   = []string{"Sample", "Example", "Placeholder", "Testerson", "Mockley", "Dummy", "Fictive", "Alias", "Lorem", "Ipsum", "Nomen", "Tempora"}
	streets = []string{"Birch", "Cedar", "Elm", "Harbour", "Hill", "Maple", "Oak", "Park", "Pine", "River", "Station", "Willow"}
	kinds   = []string{"Road", "Street", "Lane", "Avenue", "Way"}
)

// key compares values without case and extra spaces.
func key(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func (p *fakes) pick(m map[string]string, orig string, make func(n int) string) string {
	k := key(orig)
	v, ok := m[k]
	if !ok {
		v = make(len(m))
		m[k] = v
	}
	if strings.TrimSpace(orig) != "" {
		p.known[strings.TrimSpace(orig)] = v
	}
	return v
}

func (p *fakes) email(s string) string {
	return p.pick(p.emails, s, func(n int) string { return fmt.Sprintf("customer%d@example.com", n+1) })
}

func (p *fakes) name(s string) string {
	return p.pick(p.names, s, func(n int) string {
		return firsts[n%len(firsts)] + " " + lasts[(n/len(firsts))%len(lasts)]
	})
}

func (p *fakes) line(s string) string {
	return p.pick(p.lines, s, func(n int) string {
		return fmt.Sprintf("%d %s %s", 10+n, streets[n%len(streets)], kinds[(n/len(streets))%len(kinds)])
	})
}

func (p *fakes) company(s string) string {
	return p.pick(p.companies, s, func(n int) string { return fmt.Sprintf("Company %d", n+1) })
}

var sci = regexp.MustCompile(`^(\d)\.(\d+)(E[+-]\d+)$`)

// phone keeps the number's shape: the first three digits, every non-digit
// and a spreadsheet exponent stay; the other digits come from a counter.
func (p *fakes) phone(s string) string {
	return p.pick(p.phones, s, func(n int) string {
		digits := fmt.Sprintf("%09d", (uint64(n)+1)*104729%1_000_000_000)
		if m := sci.FindStringSubmatch(s); m != nil {
			mant := []byte(m[1] + m[2])
			j := 0
			for i := 3; i < len(mant); i++ {
				mant[i] = digits[len(digits)-1-j%len(digits)]
				j++
			}
			// A spreadsheet writes no trailing zero in the mantissa.
			if len(mant) > 3 && mant[len(mant)-1] == '0' {
				mant[len(mant)-1] = '7'
			}
			return string(mant[:1]) + "." + string(mant[1:]) + m[3]
		}
		out := []byte(s)
		seen, j := 0, 0
		for i := range out {
			if out[i] < '0' || out[i] > '9' {
				continue
			}
			seen++
			if seen > 3 {
				out[i] = digits[len(digits)-1-j%len(digits)]
				j++
			}
		}
		return string(out)
	})
}

// labelled is a notes line "Label: value" whose label names personal data.
var labelled = regexp.MustCompile(`(?im)^([^:\n]*(?:name|phone|mobile|e-?mail|address|contact)[^:\n]*:[ \t]*)([^\r\n]+)$`)

// text replaces the personal data in free text (Notes, Note Attributes).
func (p *fakes) text(s string) string {
	s = labelled.ReplaceAllStringFunc(s, func(m string) string {
		sub := labelled.FindStringSubmatch(m)
		label, v := sub[1], sub[2]
		l := strings.ToLower(label)
		switch {
		case strings.Contains(v, "@"):
			return label + p.email(strings.TrimSpace(v))
		case strings.Contains(l, "name"):
			return label + p.name(v)
		case strings.Contains(l, "phone") || strings.Contains(l, "mobile"):
			return label + p.phone(strings.TrimSpace(v))
		case strings.Contains(l, "address"):
			return label + p.line(v)
		}
		return label + "(removed)"
	})
	// Longest first, so a full address goes before a name inside it.
	var origs []string
	for o := range p.known {
		origs = append(origs, o)
	}
	sort.Slice(origs, func(i, j int) bool {
		if len(origs[i]) != len(origs[j]) {
			return len(origs[i]) > len(origs[j])
		}
		return origs[i] < origs[j]
	})
	for _, o := range origs {
		if len(o) >= 6 {
			s = strings.ReplaceAll(s, o, p.known[o])
		}
	}
	return s
}
