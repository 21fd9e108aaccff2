package ingest

import (
	"context"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/store"
)

// Real exports come trimmed to a few columns, or one row per order
// without line items: an order needs only its Name and a date, and its
// money is read from whichever columns the file kept
// (docs/import.md#shopify-exports-as-they-come).

// shopifyDates are the columns an order's date may come from: the first
// of them that is not empty on the order's first row. Created at is when
// the order was placed; the others are close to it, and an order with
// only those is better placed by them than refused.
var shopifyDates = []string{"Created at", "Paid at", "Fulfilled at"}

// presentColumns returns the names the header has, as it spells them, in
// names' order.
func presentColumns(header []string, idx map[string]int, names []string) []string {
	var out []string
	for _, n := range names {
		if c := pick(header, idx, n); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// placedAt reads the order's date from the first date column it has.
func (s *shopifySource) placedAt(r *reader) time.Time {
	for _, c := range s.dates {
		if r.str(c) != "" {
			return r.when(c)
		}
	}
	r.problems.Add(s.dates[0], "is empty, and the order has no other date (%s): an order needs the day it was placed", strings.Join(s.dates, ", "))
	return time.Time{}
}

// amounts reads the order's money from the columns the file has, in this
// order of precedence:
//
//  1. line items: each row's Lineitem price × Lineitem quantity, less the
//     order's Discount Amount (the export's own layout);
//  2. Subtotal, which is after discounts, before shipping and taxes;
//  3. Total less Taxes and Shipping;
//  4. none: the order's revenue is unknown, not zero.
//
// Shipping is the Shipping column in the first three. It returns whether
// the revenue is unknown, and the column the item revenue came from, for
// problems.
func (s *shopifySource) amounts(o *commerce.Order, rows []Record, r *reader) (unknown bool, column string) {
	switch {
	case s.lineItems && r.str("Lineitem quantity") != "":
		o.Lines = []commerce.OrderLine{}
		o.Discounts = r.money("Discount Amount") // includes free-shipping codes
		s.lines(o, rows, r)
		return false, "Lineitem price"
	case r.str("Subtotal") != "":
		o.ItemRevenue = r.money("Subtotal")
		return false, "Subtotal"
	case r.str("Total") != "":
		total, taxes := r.money("Total"), r.money("Taxes")
		if r.ok("Total", "Taxes", "Shipping") {
			o.ItemRevenue = total - taxes - o.ShippingCharged
			if o.ItemRevenue < 0 {
				r.problems.Add("Total", "%s less Taxes %s and Shipping %s is negative: check the amounts of the order", total, taxes, o.ShippingCharged)
				o.ItemRevenue = 0
			}
		}
		return false, "Total"
	}
	// Nothing says what the order was worth. A Shipping alone is not its
	// revenue either: keep no amount at all rather than part of one.
	o.ShippingCharged = 0
	return true, "Lineitem price"
}

// columns names Shopify's columns for the order fields Validate checks,
// with the item revenue's column the one the order's amount came from.
func (s *shopifySource) columns(amount string) map[string]string {
	out := make(map[string]string, len(shopifyFields))
	for k, v := range shopifyFields {
		out[k] = v
	}
	out["item_revenue"] = amount
	if len(s.dates) > 0 {
		out["placed_at"] = s.dates[0]
	}
	return out
}

// markRevenueUnknown flags the written orders whose revenue the file did
// not give, and clears the flag of those it did. The orders' own write
// left the flag alone: it is set after it, in the same transaction, and
// only where it changes, so a re-import writes nothing.
func markRevenueUnknown(ctx context.Context, tx *store.Tx, recs []any) error {
	var unknown, known []string
	for _, rec := range recs {
		so := rec.(*shopifyOrder)
		if so.RevenueUnknown {
			unknown = append(unknown, so.Order.ExternalID)
		} else {
			known = append(known, so.Order.ExternalID)
		}
	}
	for _, set := range []struct {
		ids  []string
		from string
		to   string
	}{{unknown, "FALSE", "TRUE"}, {known, "TRUE", "FALSE"}} {
		for len(set.ids) > 0 {
			part := set.ids[:min(len(set.ids), 1000)]
			set.ids = set.ids[len(part):]
			if _, err := tx.Exec(ctx, `UPDATE orders SET revenue_unknown = `+set.to+` WHERE revenue_unknown = `+set.from+
				` AND external_id IN (`+store.Placeholders(len(part))+`)`, store.Args(part)...); err != nil {
				return err
			}
		}
	}
	return nil
}
