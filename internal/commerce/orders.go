package commerce

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Order statuses. A cancelled order that was never fulfilled and a test order
// are not "orders processed" (docs/metrics.md#orders-processed).
var OrderStatuses = []string{"placed", "fulfilled", "cancelled", "test"}

// Order is an order as a brand's systems describe it.
type Order struct {
	ExternalID  string
	Name        string
	Customer    CustomerRef
	PlacedAt    time.Time
	Status      string
	FulfilledAt *time.Time
	CancelledAt *time.Time
	// Currency is the currency the order names, "" for the store's
	// (docs/import.md#currency).
	Currency string
	// OriginalCurrency and FXRate are set when the order came in another
	// currency than the store's: its amounts, its lines' and its returns'
	// were multiplied by FXRate (Book.InStoreCurrency).
	OriginalCurrency   string
	FXRate             Rate
	ItemRevenue        domain.Money
	Discounts          domain.Money
	ShippingCharged    domain.Money
	COGS               domain.Money
	FulfillmentCost    domain.Money
	PaymentFees        domain.Money
	SalesChannel       string
	Campaign           string
	DiscountCode       string
	Category           string
	SKU                string
	Country            string
	Carrier            string
	Warehouse          string
	Tags               string
	PromisedDeliveryAt *time.Time
	DeliveredAt        *time.Time
	// Lines, when not nil, replace the order's stored lines (exports that
	// carry line items with the order, such as Shopify's).
	Lines []OrderLine
}

// Validate checks what no parser can: the rules between fields.
func (o *Order) Validate() domain.Problems {
	var p domain.Problems
	p.Require("order_id", o.ExternalID)
	if o.PlacedAt.IsZero() {
		p.Add("placed_at", "is required")
	}
	if o.Status == "" {
		o.Status = "placed"
	}
	p.OneOf("status", o.Status, OrderStatuses...)
	if o.Currency != "" && !ValidCurrency(o.Currency) {
		p.Add("currency", "%q is not a currency code: write its ISO 4217 code, like EUR", o.Currency)
	}
	for field, m := range map[string]domain.Money{"item_revenue": o.ItemRevenue, "discounts": o.Discounts, "shipping_charged": o.ShippingCharged, "cogs": o.COGS, "fulfillment_cost": o.FulfillmentCost, "payment_fees": o.PaymentFees} {
		if m < 0 {
			p.Add(field, "must not be negative (got %s)", m)
		}
	}
	if o.FulfilledAt != nil && o.FulfilledAt.Before(o.PlacedAt.Add(-time.Minute)) {
		p.Add("fulfilled_at", "is before placed_at")
	}
	for i := range o.Lines {
		for _, f := range o.Lines[i].Validate() {
			f.Field = fmt.Sprintf("lines[%d].%s", i, f.Field)
			p = append(p, f)
		}
	}
	sort.Slice(p, func(i, j int) bool { return p[i].Field < p[j].Field })
	return p
}

func (o *Order) hash(customerID int64) int64 {
	parts := []any{o.Name, customerID, o.PlacedAt, o.Status, o.FulfilledAt, o.CancelledAt, o.Currency,
		o.ItemRevenue, o.Discounts, o.ShippingCharged, o.COGS, o.FulfillmentCost, o.PaymentFees,
		o.SalesChannel, o.Campaign, o.DiscountCode, o.Category, o.SKU, o.Country, o.Carrier, o.Warehouse,
		o.Tags, o.PromisedDeliveryAt, o.DeliveredAt, o.Lines == nil}
	// Only converted orders hash their rate, so that the orders stored
	// before there were rates keep their fingerprint.
	if o.FXRate != "" {
		parts = append(parts, "fx", o.OriginalCurrency, string(o.FXRate))
	}
	for _, l := range o.Lines {
		parts = append(parts, l.key(), l.SKU, l.Product, l.Category, l.Quantity, l.UnitPrice, l.UnitCost)
	}
	return domain.Hash(parts...)
}

// OrderLine is one line item.
type OrderLine struct {
	OrderExternalID string
	// LineKey identifies the line within its order; the SKU when empty.
	LineKey   string
	SKU       string
	Product   string
	Category  string
	Quantity  int64
	UnitPrice domain.Money
	UnitCost  domain.Money
}

func (l *OrderLine) key() string {
	if l.LineKey != "" {
		return l.LineKey
	}
	if l.SKU != "" {
		return l.SKU
	}
	return l.Product
}

// Validate checks one line.
func (l *OrderLine) Validate() domain.Problems {
	var p domain.Problems
	if l.key() == "" {
		p.Add("sku", "is required")
	}
	if l.Quantity <= 0 {
		p.Add("quantity", "must be positive (got %d)", l.Quantity)
	}
	if l.UnitPrice < 0 {
		p.Add("unit_price", "must not be negative (got %s)", l.UnitPrice)
	}
	if l.UnitCost < 0 {
		p.Add("unit_cost", "must not be negative (got %s)", l.UnitCost)
	}
	return p
}

func existing(ctx context.Context, tx *store.Tx, table string, ids []string) (map[string][2]int64, error) {
	return store.Keyed{Table: table, Key: "external_id"}.Existing(ctx, tx, ids)
}

const orderColumns = `name, customer_id, placed_at, status, fulfilled_at, cancelled_at, currency,
	item_revenue, discounts, shipping_charged, cogs, fulfillment_cost, payment_fees,
	sales_channel, campaign, discount_code, category, sku, country, carrier, warehouse, tags,
	promised_delivery_at, delivered_at, original_currency, fx_rate, row_hash`

func orderArgs(o *Order, customerID int64, h int64) []any {
	var cust any
	if customerID != 0 {
		cust = customerID
	}
	return []any{o.Name, cust, o.PlacedAt.Unix(), o.Status, domain.UnixOrNil(o.FulfilledAt), domain.UnixOrNil(o.CancelledAt), o.Currency,
		int64(o.ItemRevenue), int64(o.Discounts), int64(o.ShippingCharged), int64(o.COGS), int64(o.FulfillmentCost), int64(o.PaymentFees),
		o.SalesChannel, o.Campaign, o.DiscountCode, o.Category, o.SKU, o.Country, o.Carrier, o.Warehouse, o.Tags,
		domain.UnixOrNil(o.PromisedDeliveryAt), domain.UnixOrNil(o.DeliveredAt), o.OriginalCurrency, string(o.FXRate), h}
}

// UpsertOrders writes a batch of validated orders, keyed on external id. An
// order whose stored fields are identical is not written again. The ids of
// customers whose orders were written are returned so callers can refresh
// what depends on them (such as contact attribution).
func UpsertOrders(ctx context.Context, tx *store.Tx, customers *Customers, orders []Order) (store.Counts, []int64, error) {
	var counts store.Counts
	ids := make([]string, len(orders))
	refs := make([]CustomerRef, len(orders))
	for i := range orders {
		ids[i] = orders[i].ExternalID
		refs[i] = orders[i].Customer
	}
	have, err := existing(ctx, tx, "orders", ids)
	if err != nil {
		return counts, nil, err
	}
	customerIDs, err := customers.ResolveAll(ctx, tx, refs)
	if err != nil {
		return counts, nil, err
	}
	update := `UPDATE orders SET ` + setList(orderColumns) + ` WHERE id = ?`
	touched := map[int64]bool{}
	// New orders without lines need no id back, so they are inserted many
	// rows per statement: on SQLite that is most of an import's speed.
	var pending [][]any
	lastIndex := make(map[string]int, len(orders))
	for i := range orders {
		lastIndex[orders[i].ExternalID] = i
	}
	for i := range orders {
		o := &orders[i]
		cid := customerIDs[i]
		h := o.hash(cid)
		prev, found := have[o.ExternalID]
		var orderID int64
		switch {
		case found && prev[1] == h:
			counts.Unchanged++
			continue
		case found:
			orderID = prev[0]
			if _, err := tx.Exec(ctx, update, append(orderArgs(o, cid, h), orderID)...); err != nil {
				return counts, nil, fmt.Errorf("order %s: %w", o.ExternalID, err)
			}
			counts.Updated++
		case o.Lines == nil && lastIndex[o.ExternalID] == i:
			pending = append(pending, append([]any{o.ExternalID}, orderArgs(o, cid, h)...))
			counts.Created++
		default:
			insert := `INSERT INTO orders (external_id, ` + orderColumns + `) VALUES (?, ` + store.Placeholders(orderColumnCount) + `) RETURNING id`
			if err := tx.QueryRow(ctx, insert, append([]any{o.ExternalID}, orderArgs(o, cid, h)...)...).Scan(&orderID); err != nil {
				return counts, nil, fmt.Errorf("order %s: %w", o.ExternalID, err)
			}
			counts.Created++
			// A later item of the same batch may repeat the id.
			have[o.ExternalID] = [2]int64{orderID, h}
		}
		if cid != 0 {
			touched[cid] = true
		}
		if o.Lines != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM order_lines WHERE order_id = ?`, orderID); err != nil {
				return counts, nil, err
			}
			for _, l := range o.Lines {
				if err := writeLine(ctx, tx, orderID, &l); err != nil {
					return counts, nil, fmt.Errorf("order %s line %s: %w", o.ExternalID, l.key(), err)
				}
			}
		}
	}
	if err := insertOrderRows(ctx, tx, pending); err != nil {
		return counts, nil, err
	}
	out := make([]int64, 0, len(touched))
	for id := range touched {
		out = append(out, id)
	}
	return counts, out, nil
}

const orderColumnCount = 27

// insertOrderRows inserts new orders (external_id first) many per statement.
func insertOrderRows(ctx context.Context, tx *store.Tx, rows [][]any) error {
	columns := []string{"external_id"}
	for _, c := range strings.Split(orderColumns, ",") {
		columns = append(columns, strings.TrimSpace(c))
	}
	return store.InsertRows(ctx, tx, "orders", columns, rows, "")
}

func setList(columns string) string {
	var parts []string
	for _, c := range strings.Split(columns, ",") {
		parts = append(parts, strings.TrimSpace(c)+" = ?")
	}
	return strings.Join(parts, ", ")
}

func writeLine(ctx context.Context, tx *store.Tx, orderID int64, l *OrderLine) error {
	_, err := tx.Exec(ctx, `INSERT INTO order_lines (order_id, line_key, sku, product, category, quantity, unit_price, unit_cost)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (order_id, line_key) DO UPDATE SET sku = excluded.sku, product = excluded.product, category = excluded.category,
			quantity = excluded.quantity, unit_price = excluded.unit_price, unit_cost = excluded.unit_cost`,
		orderID, l.key(), l.SKU, l.Product, l.Category, l.Quantity, int64(l.UnitPrice), int64(l.UnitCost))
	return err
}

// OrderIDs maps external order ids to stored ids; unknown ids are absent.
func OrderIDs(ctx context.Context, tx *store.Tx, externalIDs []string) (map[string]int64, error) {
	have, err := existing(ctx, tx, "orders", externalIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(have))
	for k, v := range have {
		out[k] = v[0]
	}
	return out, nil
}

// UpsertLines writes order lines keyed on (order, line key). Lines of orders
// that are not stored are an error naming the order. A line's prices are
// in its order's own currency: they are converted at the order's rate.
func UpsertLines(ctx context.Context, tx *store.Tx, lines []OrderLine) (store.Counts, error) {
	var counts store.Counts
	ext := make([]string, len(lines))
	for i := range lines {
		ext[i] = lines[i].OrderExternalID
	}
	refs, err := orderRefs(ctx, tx, ext)
	if err != nil {
		return counts, err
	}
	for i := range lines {
		l := lines[i] // a copy: the caller's line keeps its own amounts
		ref, ok := refs[l.OrderExternalID]
		if !ok {
			return counts, domain.Errorf(domain.EInvalid, "order_id %q is not a known order: import the orders first", l.OrderExternalID)
		}
		if err := convertAll(ref.rate, &l.UnitPrice, &l.UnitCost); err != nil {
			return counts, domain.Errorf(domain.EInvalid, "order %s line %s: %v", l.OrderExternalID, l.key(), err)
		}
		oid := ref.id
		var qty, price, cost int64
		var sku, product, category string
		err := tx.QueryRow(ctx, `SELECT sku, product, category, quantity, unit_price, unit_cost FROM order_lines WHERE order_id = ? AND line_key = ?`, oid, l.key()).
			Scan(&sku, &product, &category, &qty, &price, &cost)
		switch {
		case err == nil && sku == l.SKU && product == l.Product && category == l.Category && qty == l.Quantity && price == int64(l.UnitPrice) && cost == int64(l.UnitCost):
			counts.Unchanged++
			continue
		case err == nil:
			counts.Updated++
		default:
			counts.Created++
		}
		if err := writeLine(ctx, tx, oid, &l); err != nil {
			return counts, err
		}
	}
	return counts, nil
}

// FulfillmentKinds are the order events proactive rules and the timeline read.
// backordered: an item is out of stock after the order was placed;
// partial: part of the order shipped, the rest follows.
var FulfillmentKinds = []string{"fulfilled", "shipped", "delivered", "delayed", "exception", "backordered", "partial"}

// FulfillmentEvent is one thing that happened to an order's shipment.
type FulfillmentEvent struct {
	OrderExternalID string
	Kind            string
	At              time.Time
	Detail          string
}

// Validate checks one event.
func (e *FulfillmentEvent) Validate() domain.Problems {
	var p domain.Problems
	p.Require("order_id", e.OrderExternalID)
	p.OneOf("kind", e.Kind, FulfillmentKinds...)
	if e.At.IsZero() {
		p.Add("at", "is required")
	}
	return p
}

// AddFulfillmentEvents records events, keyed on order, kind and time: the
// same event twice is one event, and a changed detail updates it.
func AddFulfillmentEvents(ctx context.Context, tx *store.Tx, events []FulfillmentEvent) (store.Counts, error) {
	var counts store.Counts
	ext := make([]string, len(events))
	for i := range events {
		ext[i] = events[i].OrderExternalID
	}
	ids, err := OrderIDs(ctx, tx, ext)
	if err != nil {
		return counts, err
	}
	for _, e := range events {
		oid, ok := ids[e.OrderExternalID]
		if !ok {
			return counts, domain.Errorf(domain.EInvalid, "order_id %q is not a known order: import the orders first", e.OrderExternalID)
		}
		var detail string
		err := tx.QueryRow(ctx, `SELECT detail FROM fulfillment_events WHERE order_id = ? AND kind = ? AND at = ?`, oid, e.Kind, e.At.Unix()).Scan(&detail)
		switch {
		case err == nil && detail == e.Detail:
			counts.Unchanged++
			continue
		case err == nil:
			counts.Updated++
		default:
			counts.Created++
		}
		if _, err := tx.Exec(ctx, `INSERT INTO fulfillment_events (order_id, kind, at, detail) VALUES (?, ?, ?, ?)
			ON CONFLICT (order_id, kind, at) DO UPDATE SET detail = excluded.detail`, oid, e.Kind, e.At.Unix(), e.Detail); err != nil {
			return counts, err
		}
	}
	return counts, nil
}
