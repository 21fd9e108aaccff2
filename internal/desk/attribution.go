package desk

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// How a contact's order was found (docs/metrics.md#order-attribution).
const (
	AttrExplicit = "explicit" // given with the contact
	AttrText     = "text"     // an order number found in the message
	AttrRecent   = "recent"   // the customer's latest order in the lookback
	AttrNone     = "none"
)

// orderRef finds things that look like order numbers: "#1001", "order 1001",
// "SO-20391". Candidates are checked against stored orders, so a stray
// number in a message only links an order that exists.
var orderRef = regexp.MustCompile(`(?i)(?:#\s?([A-Z]{0,4}-?\d{3,}))|(?:\border(?:\s+(?:no\.?|number|num|nr))?\s*[:#]?\s*([A-Z]{0,4}-?\d{3,})\b)|\b([A-Z]{1,4}-\d{3,})\b`)

// OrderNumbersIn returns the order references a text mentions, in order.
func OrderNumbersIn(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range orderRef.FindAllStringSubmatch(text, 8) {
		for _, g := range m[1:] {
			if g != "" && !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// Attribution is the order a contact is linked to.
type Attribution struct {
	OrderID int64 // 0 when none
	How     string
}

// Attribute links a contact to an order: an order named explicitly wins, then
// an order number found in the text (the customer's own orders first), then
// the customer's most recent order placed within the lookback before the
// contact started.
func Attribute(ctx context.Context, tx *store.Tx, customerID int64, explicitOrder, text string, at time.Time) (Attribution, error) {
	if explicitOrder != "" {
		id, err := findOrder(ctx, tx, customerID, explicitOrder)
		if err != nil || id != 0 {
			return Attribution{id, AttrExplicit}, err
		}
		// An order named but not stored yet: kept explicit so that it links
		// once the order arrives (see RefreshAttribution).
		return Attribution{0, AttrExplicit}, nil
	}
	for _, ref := range OrderNumbersIn(text) {
		id, err := findOrder(ctx, tx, customerID, ref)
		if err != nil {
			return Attribution{}, err
		}
		if id != 0 {
			return Attribution{id, AttrText}, nil
		}
	}
	if customerID == 0 {
		return Attribution{0, AttrNone}, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM orders WHERE customer_id = ? AND placed_at <= ? AND placed_at >= ? ORDER BY placed_at DESC, id DESC LIMIT 1`,
		customerID, at.Unix(), at.Add(-AttributionLookback).Unix()).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Attribution{0, AttrNone}, nil
	case err != nil:
		return Attribution{}, err
	}
	return Attribution{id, AttrRecent}, nil
}

// findOrder looks an order reference up by external id or by name (with or
// without its '#'), preferring the customer's own orders.
func findOrder(ctx context.Context, tx *store.Tx, customerID int64, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	bare := strings.TrimPrefix(ref, "#")
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM orders WHERE external_id = ? OR external_id = ? OR name = ? OR name = ?
		ORDER BY CASE WHEN customer_id = ? THEN 0 ELSE 1 END, id LIMIT 1`, ref, bare, ref, "#"+bare, customerID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// RefreshAttribution re-links contacts after orders arrive: contacts that
// named one of the given orders (by id, or by name with or without its '#')
// before it was stored, and contacts of the given customers that were linked
// by recency (or to nothing), since a newly stored order may now be their
// most recent one.
func RefreshAttribution(ctx context.Context, tx *store.Tx, orderRefs []string, customerIDs []int64) error {
	var refs []string
	for _, r := range orderRefs {
		refs = append(refs, r)
		if bare := strings.TrimPrefix(r, "#"); bare != r {
			refs = append(refs, bare)
		}
	}
	for start := 0; start < len(refs); start += 500 {
		part := refs[start:min(start+500, len(refs))]
		if _, err := tx.Exec(ctx, `UPDATE contacts SET order_id = (SELECT o.id FROM orders o
				WHERE o.external_id = contacts.external_order OR o.name = contacts.external_order OR o.name = '#' || contacts.external_order
				ORDER BY CASE WHEN o.customer_id = contacts.customer_id THEN 0 ELSE 1 END, o.id LIMIT 1)
			WHERE order_id IS NULL AND attribution = 'explicit' AND external_order IN (`+store.Placeholders(len(part))+`)`, store.Args(part)...); err != nil {
			return err
		}
	}
	lookback := int64(AttributionLookback / time.Second)
	for start := 0; start < len(customerIDs); start += 500 {
		part := store.Args(customerIDs[start:min(start+500, len(customerIDs))])
		in := store.Placeholders(len(part))
		if _, err := tx.Exec(ctx, `UPDATE contacts SET order_id = (SELECT o.id FROM orders o WHERE o.customer_id = contacts.customer_id
				AND o.placed_at <= contacts.started_at AND o.placed_at >= contacts.started_at - ? ORDER BY o.placed_at DESC, o.id DESC LIMIT 1)
			WHERE customer_id IN (`+in+`) AND attribution IN ('recent', 'none')`, append([]any{lookback}, part...)...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE contacts SET attribution = CASE WHEN order_id IS NULL THEN 'none' ELSE 'recent' END
			WHERE customer_id IN (`+in+`) AND attribution IN ('recent', 'none')`, part...); err != nil {
			return err
		}
	}
	return nil
}

// RefreshRepeats recomputes the repeat flag of the given customers' contacts:
// a contact is a repeat when the same customer started another contact in
// the 7 days before it. Imports arrive in any order, so the flag is derived
// from what is stored rather than from arrival order.
func RefreshRepeats(ctx context.Context, tx *store.Tx, customerIDs []int64) error {
	window := int64(RepeatWindow / time.Second)
	for start := 0; start < len(customerIDs); start += 500 {
		part := store.Args(customerIDs[start:min(start+500, len(customerIDs))])
		// Only the contacts whose flag changes are written: a rewrite of
		// an unchanged row would still mark its day for the metrics
		// rollup, and a customer's history can be years of days.
		_, err := tx.Exec(ctx, `UPDATE contacts SET is_repeat = NOT is_repeat
			WHERE customer_id IN (`+store.Placeholders(len(part))+`)
			AND is_repeat <> EXISTS (SELECT 1 FROM contacts p WHERE p.customer_id = contacts.customer_id
				AND p.id <> contacts.id AND (p.started_at < contacts.started_at OR (p.started_at = contacts.started_at AND p.id < contacts.id))
				AND p.started_at >= contacts.started_at - ?)`, append(part, window)...)
		if err != nil {
			return err
		}
	}
	return nil
}
