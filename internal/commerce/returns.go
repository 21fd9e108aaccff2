package commerce

import (
	"context"
	"fmt"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Return is a return or refund against an order. Money that belongs to an
// order follows the order in the metrics, whenever the return arrives.
type Return struct {
	ExternalID         string
	OrderExternalID    string
	ReturnedAt         time.Time
	RefundAmount       domain.Money
	ReturnShippingCost domain.Money
	RestockedCOGS      domain.Money
	Reason             string
}

// Validate checks one return.
func (r *Return) Validate() domain.Problems {
	var p domain.Problems
	p.Require("return_id", r.ExternalID)
	p.Require("order_id", r.OrderExternalID)
	if r.ReturnedAt.IsZero() {
		p.Add("returned_at", "is required")
	}
	for f, m := range map[string]domain.Money{"refund_amount": r.RefundAmount, "return_shipping_cost": r.ReturnShippingCost, "restocked_cogs": r.RestockedCOGS} {
		if m < 0 {
			p.Add(f, "must not be negative (got %s)", m)
		}
	}
	return p
}

var returnTable = store.Keyed{Table: "returns", Key: "external_id",
	Columns: []string{"order_id", "returned_at", "refund_amount", "return_shipping_cost", "restocked_cogs", "reason"}}

// UpsertReturns writes returns keyed on their external id. A return's
// amounts are in its order's own currency: they are converted at the
// order's rate.
func UpsertReturns(ctx context.Context, tx *store.Tx, returns []Return) (store.Counts, error) {
	var counts store.Counts
	ext := make([]string, len(returns))
	rids := make([]string, len(returns))
	for i := range returns {
		ext[i] = returns[i].OrderExternalID
		rids[i] = returns[i].ExternalID
	}
	orders, err := orderRefs(ctx, tx, ext)
	if err != nil {
		return counts, err
	}
	have, err := returnTable.Existing(ctx, tx, rids)
	if err != nil {
		return counts, err
	}
	for _, r := range returns {
		order, ok := orders[r.OrderExternalID]
		if !ok {
			return counts, domain.Errorf(domain.EInvalid, "return %s: order_id %q is not a known order: import the orders first", r.ExternalID, r.OrderExternalID)
		}
		oid := order.id
		if err := convertAll(order.rate, &r.RefundAmount, &r.ReturnShippingCost, &r.RestockedCOGS); err != nil {
			return counts, domain.Errorf(domain.EInvalid, "return %s: %v", r.ExternalID, err)
		}
		h := domain.Hash(oid, r.ReturnedAt, r.RefundAmount, r.ReturnShippingCost, r.RestockedCOGS, r.Reason)
		_, outcome, err := returnTable.Write(ctx, tx, have, r.ExternalID, h,
			oid, r.ReturnedAt.Unix(), int64(r.RefundAmount), int64(r.ReturnShippingCost), int64(r.RestockedCOGS), r.Reason)
		if err != nil {
			return counts, fmt.Errorf("return %s: %w", r.ExternalID, err)
		}
		counts.Count(outcome)
	}
	return counts, nil
}
