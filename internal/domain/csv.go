package domain

import (
	"encoding/csv"
	"io"
	"strconv"
)

// CSVWriter writes CSV that a spreadsheet opens safely: a cell that would
// start a formula (=, +, -, @, or a tab or carriage return before one) is
// prefixed with a quote, as OWASP advises against CSV injection, unless it
// is a plain number such as -3.5. Customer and imported content (a carrier
// named =cmd|' /C calc'!A0) ends up in every download, so every CSV the
// product writes goes through it.
type CSVWriter struct{ w *csv.Writer }

// NewCSVWriter writes to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{csv.NewWriter(w)} }

// Write writes one record, neutralised.
func (c *CSVWriter) Write(record []string) error {
	safe := make([]string, len(record))
	for i, cell := range record {
		safe[i] = CSVCell(cell)
	}
	return c.w.Write(safe)
}

// Flush writes what is buffered and returns the first error met.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// CSVCell is a cell as CSVWriter writes it.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return s
		}
		return "'" + s
	}
	return s
}
