package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The Shopify "Orders > Export" CSV: one row per line item, the order's
// own fields only on its first row, an order's rows next to each other.
// Each run of rows with the same Name becomes one order with its lines.
// docs/formats.md §3.

func init() { RegisterFormat(shopifyFormat) }

var shopifyFormat = &Format{
	Name: "shopify",
	Kind: shopifyOrders,
	Detect: func(header []string) bool {
		idx := headerIndex(header)
		return len(missingColumns(idx, "Name")) == 0 && len(presentColumns(header, idx, shopifyDates)) > 0
	},
	Open: func(c *CSV, tp domain.TimeParser) (Source, error) {
		idx := headerIndex(c.Header())
		dates := presentColumns(c.Header(), idx, shopifyDates)
		if len(missingColumns(idx, "Name")) > 0 || len(dates) == 0 {
			return nil, fmt.Errorf("line 1: not a Shopify orders export: it needs the order's Name and a date column (%s); the header has: %s",
				strings.Join(shopifyDates, ", "), strings.Join(c.Header(), ", "))
		}
		return &shopifySource{csv: c, tp: tp, idx: idx, dates: dates, seen: firstSeen{},
			lineItems: len(missingColumns(idx, "Lineitem quantity", "Lineitem price")) == 0}, nil
	},
}

// shopifyOrders is the orders kind whose write also stores refunds. The
// export carries refunds only as the order's "Refunded Amount"; an order
// has no field for it, so each refund is stored as a return of that order,
// which the returns-cost metrics already read.
var shopifyOrders = func() *Kind {
	k := *Orders
	k.Write = writeShopifyOrders
	return &k
}()

// shopifyOrder is what the source produces: the order, and its refund when
// it has one.
type shopifyOrder struct {
	Order  commerce.Order
	Refund *commerce.Return
	// RevenueUnknown is set when the file has no amount for the order
	// (shopify_amounts.go): its amounts are stored as 0 and flagged.
	RevenueUnknown bool
}

// writeShopifyOrders writes the orders in the store's currency, then their
// refunds in the same transaction (a return needs its order stored, and is
// converted at its order's rate). The counts include the refunds, so that
// a re-export with a new refund does not say "unchanged".
func writeShopifyOrders(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
	var refunds []commerce.Return
	for _, r := range recs {
		if so := r.(*shopifyOrder); so.Refund != nil {
			refunds = append(refunds, *so.Refund)
		}
	}
	orders, err := inStoreCurrency(ctx, tx, recs)
	if err != nil {
		return store.Counts{}, err
	}
	counts, err := WriteOrders(ctx, tx, env, orders)
	if err != nil {
		return counts, err
	}
	if err := markRevenueUnknown(ctx, tx, recs); err != nil || len(refunds) == 0 {
		return counts, err
	}
	rc, err := commerce.UpsertReturns(ctx, tx, refunds)
	counts.Add(rc)
	return counts, err
}

type shopifySource struct {
	csv *CSV
	tp  domain.TimeParser
	idx map[string]int
	// dates are the file's date columns an order's date is read from, as
	// the header spells them, in shopifyDates' order.
	dates []string
	// lineItems is whether the file has the line-item amounts.
	lineItems bool
	next      *Record   // the first row of the next order, read ahead
	seen      firstSeen // order Name → line of its first row
}

func (s *shopifySource) Header() []string { return s.csv.Header() }

func (s *shopifySource) row(rec Record) exportRow {
	return exportRow{idx: s.idx, fields: rec.Fields, apostrophe: true}
}

func (s *shopifySource) read() (Record, error) {
	if s.next != nil {
		rec := *s.next
		s.next = nil
		return rec, nil
	}
	return nextRow(s.csv)
}

// Next reads the rows of one order.
func (s *shopifySource) Next() (Item, error) {
	first, err := s.read()
	if err != nil {
		return Item{}, err
	}
	rows := []Record{first}
	// A row without a Name cannot be grouped: it stands alone and is
	// reported.
	if name := s.row(first).Get("Name"); name != "" {
		for {
			rec, err := s.read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return Item{}, err
			}
			if s.row(rec).Get("Name") != name {
				s.next = &rec
				break
			}
			rows = append(rows, rec)
		}
	}
	return s.order(rows)
}

// shopifyFields names Shopify's columns for the order fields Validate checks.
var shopifyFields = map[string]string{
	"order_id": "Id", "placed_at": "Created at", "fulfilled_at": "Fulfilled at", "status": "Fulfillment Status", "currency": "Currency",
	"item_revenue": "Lineitem price", "discounts": "Discount Amount", "shipping_charged": "Shipping",
	"return_id": "Id", "returned_at": "Created at", "refund_amount": "Refunded Amount",
}

func (s *shopifySource) order(rows []Record) (Item, error) {
	line := rows[0].Line
	if p := unreadableRows(rows); len(p) > 0 {
		return Item{Line: line, Record: &shopifyOrder{}, Problems: p, Raw: rawRows(rows)}, nil
	}
	head := s.row(rows[0])
	for _, col := range append(s.dates, "Cancelled at") {
		if err := checkDateOrder(s.tp, line, col, head.Get(col)); err != nil {
			return Item{}, err
		}
	}
	r := &reader{row: head, tp: s.tp}
	name := r.str("Name")
	// Shopify's numeric id is the stable key; a spreadsheet can turn it into
	// 6.63424E+12, and then the Name (#1001), unique in a store, stands in.
	id := digits(r.str("Id"))
	if id == "" {
		id = name
	}
	if name == "" {
		r.problems.Add("Name", "is empty")
	} else if first, dup := s.seen[name]; dup {
		// Storing it would replace the first part's lines with this part's.
		// Its first row is a line-item row, so nothing else about it is
		// worth reporting.
		r.problems.Add("Name", "order %s already seen on line %d: an order's rows must be next to each other", name, first)
		return Item{Line: line, Record: &shopifyOrder{}, Problems: r.problems, Raw: rawRows(rows)}, nil
	} else {
		s.seen[name] = line
	}
	o := commerce.Order{
		ExternalID: id,
		Name:       name,
		// The export has no Shopify customer id: the email (and phone) say
		// who the customer is.
		Customer:        commerce.CustomerRef{Email: strings.ToLower(r.email("Email")), Phone: r.str("Phone"), Name: r.str("Billing Name")},
		PlacedAt:        s.placedAt(r),
		FulfilledAt:     r.optWhen("Fulfilled at"),
		CancelledAt:     r.optWhen("Cancelled at"),
		Currency:        strings.ToUpper(r.str("Currency")),
		ShippingCharged: r.money("Shipping"),
		DiscountCode:    r.str("Discount Code"),
		SalesChannel:    r.str("Source"),
		// Not Carrier: "Shipping Method" is the shipping rate the customer
		// chose ("Free Shipping", "Standard"), not who carried the parcel,
		// and a carrier guardrail over rate names means nothing. The
		// export names no carrier; Shopify's fulfilments do
		// (docs/shopify.md#carrier-and-category).
		Country: r.str("Shipping Country"),
		Tags:    joinTags(strings.Split(r.str("Tags"), ",")),
	}
	// Pickups and draft orders have no shipping address.
	if o.Country == "" {
		o.Country = r.str("Billing Country")
	}
	// Cancelled at decides, whatever Financial Status says (§3.3).
	switch {
	case o.CancelledAt != nil:
		o.Status = "cancelled"
	case r.lower("Fulfillment Status") == "fulfilled":
		o.Status = "fulfilled"
	default:
		o.Status = "placed" // unfulfilled, partial
	}
	// A file of several currencies imports order by order, each converted
	// or refused as the store's currency rules say (currency.go).
	unknown, amountColumn := s.amounts(&o, rows, r)

	var refund *commerce.Return
	if amount := r.money("Refunded Amount"); amount != 0 {
		// The export does not say when the refund happened: the latest
		// date it has stands in.
		at := o.PlacedAt
		if o.CancelledAt != nil {
			at = *o.CancelledAt
		} else if o.FulfilledAt != nil {
			at = *o.FulfilledAt
		}
		refund = &commerce.Return{ExternalID: id + "-refund", OrderExternalID: id, ReturnedAt: at, RefundAmount: amount, Reason: "refunded in Shopify"}
	}

	problems := r.problems
	if len(problems) == 0 {
		problems = o.Validate()
		checkDiscounts(&problems, &o)
		if refund != nil {
			problems = append(problems, refund.Validate()...)
			// An order of unknown revenue has no amount to hold it to.
			if !unknown {
				checkRefund(&problems, refund.RefundAmount, o.ItemRevenue+o.ShippingCharged, name)
			}
		}
		problems = renameProblems(problems, s.columns(amountColumn))
	}
	return Item{Line: line, Record: &shopifyOrder{Order: o, Refund: refund, RevenueUnknown: unknown}, Problems: problems, Raw: rawRows(rows)}, nil
}

// lines reads every row's line item into the order and sums item revenue.
// A problem on a later row of the order names that row's line.
func (s *shopifySource) lines(o *commerce.Order, rows []Record, r *reader) {
	used := map[string]bool{}
	for i, rec := range rows {
		lr := &reader{row: s.row(rec), tp: s.tp}
		qty := lr.integer("Lineitem quantity")
		price := lr.money("Lineitem price") // the unit price
		switch {
		case lr.str("Lineitem quantity") == "":
			lr.problems.Add("Lineitem quantity", "is empty")
		case qty <= 0 && len(lr.problems) == 0:
			lr.problems.Add("Lineitem quantity", "must be positive (got %d)", qty)
		}
		if price < 0 {
			lr.problems.Add("Lineitem price", "must not be negative (got %s)", price)
		}
		for _, p := range lr.problems {
			if rec.Line != rows[0].Line {
				p.Reason += fmt.Sprintf(" (line %d)", rec.Line)
			}
			r.problems = append(r.problems, p)
		}
		l := commerce.OrderLine{OrderExternalID: o.ExternalID, SKU: lr.str("Lineitem sku"), Product: lr.str("Lineitem name"),
			Quantity: qty, UnitPrice: price}
		l.LineKey = ShopifyLineKey(l.SKU, l.Product, i, used)
		o.Lines = append(o.Lines, l)
		o.ItemRevenue += domain.Money(int64(price) * qty)
	}
	// The order's SKU dimension is its first line's. The export has no
	// product category column, so Category stays empty.
	if len(o.Lines) > 0 {
		o.SKU = o.Lines[0].SKU
	}
}

// unreadableRows gathers the problems of an order's rows that cannot be
// read (Record.Problems); one on a later row names that row's line.
func unreadableRows(rows []Record) domain.Problems {
	var out domain.Problems
	for _, rec := range rows {
		for _, p := range rec.Problems {
			if rec.Line != rows[0].Line {
				p.Reason += fmt.Sprintf(" (line %d)", rec.Line)
			}
			out = append(out, p)
		}
	}
	return out
}

// rawRows keeps every row of an order for the reject file, so a rejected
// order can be fixed there and imported again whole.
func rawRows(rows []Record) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = r.Fields
	}
	return out
}

// ShopifyLineKey is the key of the i-th line of a Shopify order (from 0),
// the same from the CSV export and from the order JSON. The SKU is often
// empty; the name stands in, and the line's place in the order tells
// repeated ones apart. used holds the keys the order's earlier lines took.
func ShopifyLineKey(sku, product string, i int, used map[string]bool) string {
	key := sku
	if key == "" {
		key = product
	}
	if key == "" || used[key] {
		key = fmt.Sprintf("%s#%d", key, i+1)
	}
	used[key] = true
	return key
}
