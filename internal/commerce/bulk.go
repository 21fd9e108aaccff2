package commerce

import (
	"strings"
	"time"

	"quietdesk/internal/domain"
)

// Bulk loaders (the demo store) insert new records many rows per statement
// with ids they reserved (store.ReserveIDs), skipping the per-row look-ups
// of the upserts. The functions here give them exactly the columns and
// values the upserts store, row_hash included, so a bulk-loaded store is
// indistinguishable from an imported one. internal/demo's
// TestBulkMatchesNormalWrites holds the two paths together.

// OrderRowColumns are the columns of OrderRow, in its order.
func OrderRowColumns() []string {
	cols := []string{"id", "external_id"}
	for _, c := range strings.Split(orderColumns, ",") {
		cols = append(cols, strings.TrimSpace(c))
	}
	return cols
}

// OrderRow is the row UpsertOrders inserts for the new order o of customer
// customerID (0 for none), stored under id. Its lines, if any, are written
// with LineRow.
func OrderRow(id int64, o *Order, customerID int64) []any {
	return append([]any{id, o.ExternalID}, orderArgs(o, customerID, o.hash(customerID))...)
}

// LineRowColumns are the columns of LineRow, in its order.
func LineRowColumns() []string {
	return []string{"order_id", "line_key", "sku", "product", "category", "quantity", "unit_price", "unit_cost"}
}

// LineRow is the row UpsertOrders stores for one line of the order orderID.
func LineRow(orderID int64, l *OrderLine) []any {
	return []any{orderID, l.key(), l.SKU, l.Product, l.Category, l.Quantity, int64(l.UnitPrice), int64(l.UnitCost)}
}

// EventRowColumns are the columns of EventRow, in its order.
func EventRowColumns() []string { return []string{"order_id", "kind", "at", "detail"} }

// EventRow is the row AddFulfillmentEvents stores for e of the order orderID.
func EventRow(orderID int64, e *FulfillmentEvent) []any {
	return []any{orderID, e.Kind, e.At.Unix(), e.Detail}
}

// ReturnRowColumns are the columns of ReturnRow, in its order.
func ReturnRowColumns() []string {
	return append([]string{"id", "external_id"}, append(returnTable.Columns, "row_hash")...)
}

// ReturnRow is the row UpsertReturns inserts for the new return r of the
// order orderID, stored under id.
func ReturnRow(id int64, r *Return, orderID int64) []any {
	// The same fingerprint as UpsertReturns.
	h := domain.Hash(orderID, r.ReturnedAt, r.RefundAmount, r.ReturnShippingCost, r.RestockedCOGS, r.Reason)
	return []any{id, r.ExternalID, orderID, r.ReturnedAt.Unix(), int64(r.RefundAmount), int64(r.ReturnShippingCost), int64(r.RestockedCOGS), r.Reason, h}
}

// CustomerRowColumns and IdentityRowColumns are the columns of the rows
// NewCustomerRows returns.
func CustomerRowColumns() []string { return []string{"id", "name", "created_at"} }
func IdentityRowColumns() []string { return []string{"kind", "value", "customer_id"} }

// IdentityConflict is the clause ResolveAll inserts identities with.
const IdentityConflict = "ON CONFLICT (kind, value) DO NOTHING"

// NewCustomerRows are the rows ResolveAll inserts for a new customer that
// ref names, stored under id and created at now: the customer and one row
// per identifier.
func NewCustomerRows(id int64, ref CustomerRef, now time.Time) (customer []any, identities [][]any) {
	for _, i := range ref.identities() {
		identities = append(identities, []any{i.kind, i.value, id})
	}
	return []any{id, ref.Name, now.Unix()}, identities
}
