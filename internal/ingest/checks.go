package ingest

// Rules that refuse input which parses but cannot be right: text that is
// not UTF-8, dates outside the store's years, amounts that contradict their
// order. Each names the field and says why, in the checking pass, so that
// a file is refused before anything of it is written.

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// maxField bounds one field. Real values are far smaller; a field this
// large is a quote left open that swallowed the rows after it, or content
// no metric reads.
const maxField = 1 << 20

// badText says why a field cannot be stored as text, "" when it can.
func badText(s string) string {
	if len(s) > maxField {
		return fmt.Sprintf("is %.1f MiB long, over the 1 MiB a field may hold (is a quote left open?)", float64(len(s))/(1<<20))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL byte (0x00): save the file as UTF-8"
	}
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return fmt.Sprintf("invalid UTF-8 (byte 0x%02x): save the file as UTF-8", s[i])
			}
			i += size
		}
	}
	return ""
}

// looksLikeEmail accepts local@domain.tld without spaces, brackets or list
// separators. It is no full address parser: it catches names, placeholders
// such as "n/a" and two addresses in one cell, each of which would become
// an identity shared by unrelated customers, who would then be merged.
func looksLikeEmail(s string) bool {
	local, host, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.ContainsAny(s, " \t<>,;\"") || strings.Contains(host, "@") {
		return false
	}
	dot := strings.LastIndexByte(host, '.')
	return dot > 0 && dot < len(host)-1
}

// outsideYears reports whether a time's calendar day is outside the dates
// the store holds (domain.EarliestDate to domain.LatestDate). Such a date is
// a typing error or a placeholder (0001-01-01 for none, 9999-12-31 for no
// end), and stored it would stretch every period and rollup to it.
func outsideYears(t time.Time) bool {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return day.Before(domain.EarliestDate) || day.After(domain.LatestDate)
}

func outsideYearsReason(value string) string {
	return fmt.Sprintf("%q is outside the accepted range (%s to %s)", value,
		domain.EarliestDate.Format(time.DateOnly), domain.LatestDate.Format(time.DateOnly))
}

// checkDiscounts refuses discounts above what the order charged for items
// and shipping (free-shipping codes count among discounts, as Shopify's
// do): the metrics would read a negative net revenue.
func checkDiscounts(p *domain.Problems, o *commerce.Order) {
	charged := o.ItemRevenue + o.ShippingCharged
	if o.ItemRevenue >= 0 && o.ShippingCharged >= 0 && o.Discounts > charged {
		p.Add("discounts", "%s is more than the order's items and shipping together (%s): a discount cannot exceed what was charged", o.Discounts, charged)
	}
}

// checkRefund refuses a refund of 100 times what its order charged for
// items and shipping, or more. That is the mark of an amount written in
// cents (a full refund of 110.00 written 11000), hence "or more"; a refund
// somewhat above its order (taxes, goodwill) passes.
func checkRefund(p *domain.Problems, refund, charged domain.Money, order string) {
	switch {
	case refund <= 0 || charged < 0:
	case charged == 0:
		p.Add("refund_amount", "%s refunded on order %s, which charged nothing for items and shipping", refund, order)
	case refund/100 >= charged: // refund >= 100 × charged, without overflow
		p.Add("refund_amount", "%s is 100 times or more what order %s charged for items and shipping (%s): was it written in cents?", refund, order, charged)
	}
}

// StoredOrder is what the checks of a record need of the stored order it
// names (Kind.AgainstOrder).
type StoredOrder struct {
	PlacedAt time.Time
	// Charged is item revenue plus shipping charged.
	Charged domain.Money
	// FXRate is the rate the order's amounts were converted at, "" when
	// it came in the store's currency. Its returns are in its currency.
	FXRate commerce.Rate
}

// checkReturn holds a return to its order. Days are compared, in the
// store's zone, so that a return given as a date on its order's day passes.
func checkReturn(rec any, o StoredOrder, loc *time.Location) domain.Problems {
	x := rec.(*commerce.Return)
	var p domain.Problems
	if x.ReturnedAt.In(loc).Format(time.DateOnly) < o.PlacedAt.In(loc).Format(time.DateOnly) {
		p.Add("returned_at", "%s is before order %s was placed (%s): a return comes after its order",
			x.ReturnedAt.In(loc).Format("2006-01-02 15:04"), x.OrderExternalID, o.PlacedAt.In(loc).Format("2006-01-02 15:04"))
	}
	// Charged is stored in the store's currency; the refund is compared
	// as it will be stored.
	refund, err := o.FXRate.Convert(x.RefundAmount)
	if err != nil {
		p.Add("refund_amount", "%v", err)
		return p
	}
	checkRefund(&p, refund, o.Charged, x.OrderExternalID)
	return p
}

// StoredOrders returns the stored orders among the external ids; an id
// missing from the result names no stored order. The file import and the
// API check records against their orders with it.
func StoredOrders(ctx context.Context, db *store.DB, ids []string) (map[string]StoredOrder, error) {
	out := make(map[string]StoredOrder, len(ids))
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		const chunk = 500
		for start := 0; start < len(ids); start += chunk {
			part := ids[start:min(start+chunk, len(ids))]
			args := store.Args(part)
			rows, err := tx.Query(ctx, `SELECT external_id, placed_at, item_revenue + shipping_charged, fx_rate FROM orders WHERE external_id IN (`+store.Placeholders(len(part))+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id string
				var placed, charged int64
				var rate commerce.Rate
				if err := rows.Scan(&id, &placed, &charged, &rate); err != nil {
					rows.Close()
					return err
				}
				out[id] = StoredOrder{PlacedAt: time.Unix(placed, 0), Charged: domain.Money(charged), FXRate: rate}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
