package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// ingest answers POST /api/v1/{kind}. Every item is checked before anything
// is written, and the whole batch is written in one transaction: a request
// is stored entirely or not at all, and sending it again changes nothing.
func (s *Server) ingest(kind *ingest.Kind) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		recs, err := s.readBatch(r, kind)
		if err != nil {
			return err
		}
		var counts store.Counts
		err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
			var err error
			counts, err = kind.Write(r.Context(), tx, ingest.NewEnv(s.Now), recs)
			return err
		})
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, counts)
	})
}

// readBatch reads a request's items and parses them with the kind's own
// parser (the CSV importer's), so the API and the CSV files accept the same
// fields. It returns the records, or an invalid error naming every bad field
// of every item.
func (s *Server) readBatch(r *http.Request, kind *ingest.Kind) ([]any, error) {
	items, err := decodeItems(r.Body)
	if err != nil {
		return nil, err
	}
	loc, err := store.TimeZone(r.Context(), s.db)
	if err != nil {
		return nil, err
	}
	tp := domain.TimeParser{Loc: loc}
	var problems []domain.FieldError
	recs := make([]any, len(items))
	firstWithKey := map[string]int{}
	refs := map[string][]int{} // order id → items naming it
	fields := fieldsOf(kind)
	for i, item := range items {
		row, p := rowOf(item, kind, fields)
		rec, more := kind.Parse(row, tp)
		p = merge(p, more)
		if kind == ingest.Orders {
			p = append(p, attachLines(rec.(*commerce.Order), item["lines"], tp)...)
		}
		key := ""
		switch {
		case kind.Key != "":
			key = strings.TrimSpace(row[kind.Key])
		case kind.KeyOf != nil && len(p) == 0:
			key = kind.KeyOf(rec)
		}
		if key != "" {
			if first, dup := firstWithKey[key]; !dup {
				firstWithKey[key] = i
			} else if kind.Key != "" {
				p.Add(kind.Key, "duplicate id %q: item %d has it too", key, first)
			} else {
				p.Add("", "duplicate: item %d describes the same %s", first, strings.TrimSuffix(kind.Name, "s"))
			}
		}
		if kind.OrderRef != nil && len(p) == 0 {
			if id := kind.OrderRef(rec); id != "" {
				refs[id] = append(refs[id], i)
			}
		}
		for _, f := range p {
			f.Item = i
			problems = append(problems, f)
		}
		recs[i] = rec
	}
	unknown, err := orderProblems(r.Context(), s.db, kind, refs, recs, loc)
	if err != nil {
		return nil, err
	}
	problems = append(problems, unknown...)
	if len(problems) > 0 {
		sort.SliceStable(problems, func(a, b int) bool {
			pa, pb := problems[a], problems[b]
			return pa.Item < pb.Item || pa.Item == pb.Item && pa.Field < pb.Field
		})
		bad := map[int]bool{}
		for _, p := range problems {
			bad[p.Item] = true
		}
		return nil, &domain.Error{Code: domain.EInvalid, Fields: problems,
			Message: fmt.Sprintf("%d of %d %s are invalid; nothing was stored", len(bad), len(items), kind.Name)}
	}
	return recs, nil
}

// orderProblems names the items that refer to orders not stored, and those
// the kind's rules refuse against their order (a return dated before it),
// as the file import does. (The kinds' writers refuse unknown orders too,
// but without saying which item it was.)
func orderProblems(ctx context.Context, db *store.DB, kind *ingest.Kind, refs map[string][]int, recs []any, loc *time.Location) ([]domain.FieldError, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(refs))
	for id := range refs {
		ids = append(ids, id)
	}
	orders, err := ingest.StoredOrders(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	var out []domain.FieldError
	for id, items := range refs {
		o, known := orders[id]
		for _, i := range items {
			switch {
			case !known:
				out = append(out, domain.FieldError{Item: i, Field: "order_id", Reason: fmt.Sprintf("order %q is not stored: send it to /api/v1/orders first", id)})
			case kind.AgainstOrder != nil:
				for _, p := range kind.AgainstOrder(recs[i], o, loc) {
					p.Item = i
					out = append(out, p)
				}
			}
		}
	}
	return out, nil
}

// decodeItems reads a body holding one item or {"items": [...]}. Numbers are
// kept as their text (UseNumber), so 19.99 reaches the money parser as
// "19.99" and not as the nearest float.
func decodeItems(body io.Reader) ([]map[string]any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, bodyError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bodyError(err)
	}
	// Go keeps the last of two values of one key; which one the sender
	// meant is unknown, so neither is taken.
	if err := duplicateKeys(data); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, domain.Errorf(domain.EInvalid, "the body holds more than one JSON value: send one item, or {\"items\": [...]}")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "the body must be a JSON object: one item, or {\"items\": [...]}")
	}
	raw, isBatch := obj["items"]
	if !isBatch {
		return []map[string]any{obj}, nil
	}
	list, ok := raw.([]any)
	if !ok || len(obj) != 1 {
		return nil, domain.Errorf(domain.EInvalid, "a batch is {\"items\": [...]} with an array of items and nothing else")
	}
	if len(list) > MaxItems {
		return nil, domain.Errorf(domain.EInvalid, "%d items in one request: send at most %d", len(list), MaxItems)
	}
	items := make([]map[string]any, len(list))
	var problems domain.Problems
	for i, v := range list {
		if items[i], ok = v.(map[string]any); !ok {
			problems = append(problems, domain.FieldError{Item: i, Reason: "an item must be a JSON object"})
		}
	}
	if len(problems) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "some items are not JSON objects; nothing was stored", Fields: problems}
	}
	return items, nil
}

// duplicateKeys refuses a JSON document in which an object names a key
// twice, naming the key and, in a batch, the item. data is valid JSON.
func duplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object    bool
		keys      map[string]bool
		expectKey bool
		count     int // elements seen, for arrays
	}
	var stack []*frame
	item := -1 // the index of the batch item being read, at depth 2
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // already decoded once: cannot happen
		}
		top := func() *frame {
			if len(stack) == 0 {
				return nil
			}
			return stack[len(stack)-1]
		}
		// A value in an object is followed by a key again.
		value := func() {
			if f := top(); f != nil {
				if f.object {
					f.expectKey = true
				} else {
					if len(stack) == 2 {
						item = f.count
					}
					f.count++
				}
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if f := top(); f != nil && !f.object && len(stack) == 2 {
					item = f.count
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expectKey: t == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				value()
			}
		case string:
			if f := top(); f != nil && f.object && f.expectKey {
				if f.keys[t] {
					if len(stack) == 3 && item >= 0 {
						return &domain.Error{Code: domain.EInvalid, Message: "an item names a field twice; nothing was stored",
							Fields: []domain.FieldError{{Item: item, Field: t, Reason: "appears twice in the item: send it once"}}}
					}
					return domain.Errorf(domain.EInvalid, "the field %q appears twice in one object: send it once", t)
				}
				f.keys[t] = true
				f.expectKey = false
				continue
			}
			value()
		default:
			value()
		}
	}
}

func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EInvalid, "the body is empty: send one item, or {\"items\": [...]}")
	default:
		return domain.Errorf(domain.EInvalid, "the body is not valid JSON: %v", err)
	}
}

// rowOf turns one JSON item into the text the kind parsers read, as a CSV
// cell would hold it: strings as they are, numbers in their exact decimal
// text, booleans as true or false, null as absent. Unknown fields are
// refused: unlike a CSV export's extra columns, they are a client's typo.
func rowOf(item map[string]any, kind *ingest.Kind, fields []string) (ingest.MapRow, domain.Problems) {
	row := make(ingest.MapRow, len(item))
	var p domain.Problems
	for name, v := range item {
		if kind == ingest.Orders && name == "lines" {
			continue // read by attachLines
		}
		if !slices.Contains(fields, name) {
			p.Add(name, "is not a field of %s (see /api/v1/openapi.json)", kind.Name)
			continue
		}
		switch v := v.(type) {
		case nil:
		case string:
			row[name] = v
		case json.Number:
			row[name] = v.String()
		case bool:
			row[name] = strconv.FormatBool(v)
		default:
			p.Add(name, "must be a string, number, boolean or null")
			row[name] = "" // present but unusable: merge drops the parser's "is required"
		}
	}
	return row, p
}

func fieldsOf(k *ingest.Kind) []string {
	return append(append([]string(nil), k.Required...), k.Optional...)
}

// merge adds the parser's problems to the JSON ones, leaving out a second
// complaint about a field already named.
func merge(p, more domain.Problems) domain.Problems {
	for _, f := range more {
		if !slices.ContainsFunc(p, func(g domain.FieldError) bool { return g.Field == f.Field }) {
			p = append(p, f)
		}
	}
	return p
}

// lineFields are the fields of an order's nested lines: an order line's,
// less the order id, which is the order's.
var lineFields = slices.DeleteFunc(fieldsOf(ingest.OrderLines), func(f string) bool { return f == "order_id" })

// attachLines reads an order's optional "lines" array into Order.Lines. An
// absent or null array leaves the stored lines alone; an empty one removes
// them.
func attachLines(o *commerce.Order, raw any, tp domain.TimeParser) domain.Problems {
	if raw == nil {
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		var p domain.Problems
		p.Add("lines", "must be an array of lines (sku, quantity, unit_price…)")
		return p
	}
	var p domain.Problems
	o.Lines = make([]commerce.OrderLine, 0, len(list))
	keys := map[string]int{}
	for j, v := range list {
		prefix := fmt.Sprintf("lines[%d]", j)
		item, ok := v.(map[string]any)
		if !ok {
			p.Add(prefix, "a line must be a JSON object")
			continue
		}
		row, lp := rowOf(item, ingest.OrderLines, lineFields)
		row["order_id"] = o.ExternalID
		rec, more := ingest.OrderLines.Parse(row, tp)
		lp = merge(lp, more)
		l := rec.(*commerce.OrderLine)
		// A line is keyed by its SKU (its product when it has none); a
		// second line with the same key would silently replace the first.
		key := l.SKU
		if key == "" {
			key = l.Product
		}
		if first, dup := keys[key]; dup && key != "" {
			lp.Add("sku", "duplicate line %q: lines[%d] has it too", key, first)
		} else {
			keys[key] = j
		}
		for _, f := range lp {
			if f.Field == "order_id" {
				continue // the order's own order_id problem is reported once
			}
			f.Field = prefix + "." + f.Field
			p = append(p, f)
		}
		o.Lines = append(o.Lines, *l)
	}
	return p
}
