package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode"

	"quietdesk/internal/domain"
	"quietdesk/internal/imports"
	"quietdesk/internal/ingest"
)

// previewRows is how many records the page shows before an import.
const previewRows = 10

// preview is the first records of a file as the import will read them:
// the parsed values, not the cells.
type preview struct {
	Columns []string
	Rows    []previewRow
	Error   string // the file cannot be read as it is mapped: why
}

type previewRow struct {
	Line     int
	Cells    []string
	Problems []string
}

// buildPreview opens an upload as ImportFile will (its format, its
// mapping) and reads its first records.
func buildPreview(data []byte, run *imports.Run, loc *time.Location) preview {
	var p preview
	src, _, err := ingest.OpenFile(bytes.NewReader(data), run.FileName, ingest.Options{Kind: run.Kind, Format: "auto", Rename: run.Mapping, TimeZone: loc, DateOrder: domain.DayFirst})
	if err != nil {
		p.Error = err.Error()
		return p
	}
	index := map[string]int{}
	var rows []map[string]string
	for len(p.Rows) < previewRows {
		item, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.Error = fmt.Sprintf("%s: %v", run.FileName, err)
			break
		}
		row := previewRow{Line: item.Line}
		for _, pr := range item.Problems {
			if pr.Field != "" {
				row.Problems = append(row.Problems, pr.Field+": "+pr.Reason)
			} else {
				row.Problems = append(row.Problems, pr.Reason)
			}
		}
		values := map[string]string{}
		if item.Record != nil {
			flatten("", reflect.ValueOf(item.Record), loc, func(label, value string) {
				if _, ok := index[label]; !ok {
					index[label] = len(p.Columns)
					p.Columns = append(p.Columns, label)
				}
				values[label] = value
			})
		}
		rows = append(rows, values)
		p.Rows = append(p.Rows, row)
	}
	for i := range p.Rows {
		cells := make([]string, len(p.Columns))
		for label, v := range rows[i] {
			cells[index[label]] = v
		}
		p.Rows[i].Cells = cells
	}
	return p
}

var timeType = reflect.TypeFor[time.Time]()

// flatten lists a record's set fields as label and text: nested structs
// by their path ("customer email"), times in the store's zone, lists by
// their length. A field holding the record itself (a Shopify order and its
// refund) adds no word to the labels.
func flatten(prefix string, v reflect.Value, loc *time.Location, emit func(label, value string)) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == timeType:
		if t := v.Interface().(time.Time); !t.IsZero() {
			emit(prefix, t.In(loc).Format("2006-01-02 15:04"))
		}
		return
	case v.Kind() == reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			label := fieldWords(f.Name)
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous || (prefix == "" && ft.Kind() == reflect.Struct && ft.Name() == f.Name) {
				label = ""
			}
			flatten(strings.TrimSpace(prefix+" "+label), v.Field(i), loc, emit)
		}
		return
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Map:
		if v.Len() > 0 {
			emit(prefix, fmt.Sprint(v.Len()))
		}
		return
	}
	if v.IsZero() {
		return
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		emit(prefix, s.String())
		return
	}
	emit(prefix, fmt.Sprint(v.Interface()))
}

// fieldWords turns a field name into lower-case words: PlacedAt is "placed
// at", ExternalID the record's "id", COGS "cogs".
func fieldWords(name string) string {
	if name == "ExternalID" {
		return "id"
	}
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
