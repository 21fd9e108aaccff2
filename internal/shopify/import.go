package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// SplitOrders reads Shopify order JSON as the Admin API returns it: one
// order as {"order": {...}}, a page of them as {"orders": [...]}, or a bare
// order object (what the orders/* webhooks send).
func SplitOrders(data []byte) ([]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := decode("file", data, &top); err != nil {
		return nil, err
	}
	if list, ok := top["orders"]; ok {
		var orders []json.RawMessage
		if err := json.Unmarshal(list, &orders); err != nil {
			return nil, domain.Errorf(domain.EInvalid, `"orders" must be a list of order objects`)
		}
		return orders, nil
	}
	if one, ok := top["order"]; ok {
		return []json.RawMessage{one}, nil
	}
	if _, ok := top["id"]; ok {
		return []json.RawMessage{data}, nil
	}
	return nil, domain.Errorf(domain.EInvalid, `the file holds no Shopify order: expected {"orders": [...]}, {"order": {...}} or an order object with an "id"`)
}

// CheckOrders maps every order without the store and reports each
// problem with the order's place in the list and its id, so a file with a
// bad order is refused before anything of it is written.
func CheckOrders(orders []json.RawMessage) error {
	var fields []domain.FieldError
	for i, raw := range orders {
		var o order
		if err := decode("order", raw, &o); err != nil {
			fields = append(fields, itemProblems(i, string(o.ID), err)...)
			continue
		}
		if _, p := o.mapOrder(nil, nil); len(p) > 0 {
			fields = append(fields, itemProblems(i, string(o.ID), invalid("order", p))...)
		}
	}
	if len(fields) > 0 {
		return &domain.Error{Code: domain.EInvalid, Fields: fields,
			Message: fmt.Sprintf("%d of %d orders cannot be stored; nothing was imported", countItems(fields), len(orders))}
	}
	return nil
}

// itemProblems names the order of each problem: "orders[2] (id 450789469)".
func itemProblems(i int, oid string, err error) []domain.FieldError {
	where := fmt.Sprintf("orders[%d]", i)
	if oid != "" {
		where += " (id " + oid + ")"
	}
	de, ok := err.(*domain.Error)
	if !ok || len(de.Fields) == 0 {
		return []domain.FieldError{{Item: i, Field: where, Reason: err.Error()}}
	}
	out := make([]domain.FieldError, len(de.Fields))
	for j, f := range de.Fields {
		out[j] = domain.FieldError{Item: i, Field: where + " " + f.Field, Reason: f.Reason}
	}
	return out
}

func countItems(fields []domain.FieldError) int {
	seen := map[int]bool{}
	for _, f := range fields {
		seen[f.Item] = true
	}
	return len(seen)
}

// ImportOrders keeps and maps a batch of orders in tx, as the orders/*
// webhooks do: an order older than the one stored is skipped.
func ImportOrders(ctx context.Context, tx *store.Tx, env *ingest.Env, orders []json.RawMessage) (counts store.Counts, older int, err error) {
	for i, raw := range orders {
		out, err := putOrder(ctx, tx, env, bytes.TrimSpace(raw))
		if err != nil {
			if fields := itemProblems(i, out.OrderID, err); len(fields) > 0 && domain.ErrorCode(err) == domain.EInvalid {
				return counts, older, &domain.Error{Code: domain.EInvalid, Message: "an order cannot be stored", Fields: fields}
			}
			return counts, older, fmt.Errorf("orders[%d] (id %s): %w", i, out.OrderID, err)
		}
		if out.Ignored != "" {
			older++
		}
		counts.Add(out.Counts)
	}
	return counts, older, nil
}
