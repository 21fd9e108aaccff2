package desk

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The order panel beside a conversation: the customer's recent orders with
// what agents are asked about (docs/desk.md#order-panel).

// PanelOrder is one order as the panel shows it.
type PanelOrder struct {
	ID         int64        `json:"id"`
	Number     string       `json:"number"` // the order's name (#1001), else its id
	ExternalID string       `json:"external_id"`
	Status     string       `json:"status"` // in words: placed, shipped, delayed, delivered, cancelled…
	PlacedAt   time.Time    `json:"placed_at"`
	Currency   string       `json:"currency"`
	Total      domain.Money `json:"total"` // items less discounts plus shipping
	Carrier    string       `json:"carrier,omitempty"`
	// Tracking is the tracking number the shipment's event names;
	// TrackingURL a link to follow it, when one is known.
	Tracking    string        `json:"tracking,omitempty"`
	TrackingURL string        `json:"tracking_url,omitempty"`
	Promised    *time.Time    `json:"promised_at,omitempty"`
	Delivered   *time.Time    `json:"delivered_at,omitempty"`
	Late        bool          `json:"late"` // delivered after the promised date (a date alone lasts its whole day)
	Lines       []PanelLine   `json:"lines"`
	Events      []PanelEvent  `json:"events"`
	Returns     []PanelReturn `json:"returns"`
}

// PanelLine is one item of an order.
type PanelLine struct {
	SKU       string       `json:"sku"`
	Product   string       `json:"product"`
	Quantity  int64        `json:"quantity"`
	UnitPrice domain.Money `json:"unit_price"`
}

// PanelEvent is one fulfilment event.
type PanelEvent struct {
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	Detail string    `json:"detail,omitempty"`
}

// PanelReturn is one return of an order.
type PanelReturn struct {
	ReturnedAt time.Time    `json:"returned_at"`
	Refund     domain.Money `json:"refund"`
	Reason     string       `json:"reason,omitempty"`
}

// Overdue reports whether the order is past its promised date at now and
// not delivered.
func (o PanelOrder) Overdue(now time.Time) bool {
	return o.Delivered == nil && o.Promised != nil && now.After(promisedBy(*o.Promised)) && o.Status != "cancelled"
}

// promisedBy is the moment a promise runs out: a promised date (a time at
// midnight, as imports write a date alone) lasts the whole day.
func promisedBy(p time.Time) time.Time {
	if p.Hour() == 0 && p.Minute() == 0 && p.Second() == 0 {
		return p.Add(24 * time.Hour)
	}
	return p
}

// MaxPanelOrders bounds the orders of the panel.
const MaxPanelOrders = 20

// OrderPanel lists a customer's most recent orders, newest first, with
// their lines, fulfilment events, tracking and returns.
func OrderPanel(ctx context.Context, q Querier, customerID int64, limit int) ([]PanelOrder, error) {
	if limit <= 0 || limit > MaxPanelOrders {
		limit = MaxPanelOrders
	}
	return panelOrders(ctx, q, `customer_id = ?`, customerID, limit)
}

// panelOrder reads one order as the panel shows it; nil when it does not
// exist.
func panelOrder(ctx context.Context, q Querier, orderID int64) (*PanelOrder, error) {
	out, err := panelOrders(ctx, q, `id = ?`, orderID, 1)
	if err != nil || len(out) == 0 {
		return nil, err
	}
	return &out[0], nil
}

func panelOrders(ctx context.Context, q Querier, where string, arg any, limit int) ([]PanelOrder, error) {
	rows, err := q.Query(ctx, `SELECT id, name, external_id, status, placed_at, currency, item_revenue - discounts + shipping_charged, carrier,
			promised_delivery_at, delivered_at, cancelled_at, fulfilled_at
		FROM orders WHERE `+where+` ORDER BY placed_at DESC, id DESC LIMIT ?`, arg, limit)
	if err != nil {
		return nil, err
	}
	var out []PanelOrder
	byID := map[int64]int{}
	for rows.Next() {
		var o PanelOrder
		var name string
		var placed int64
		var promised, delivered, cancelled, fulfilled sql.NullInt64
		if err := rows.Scan(&o.ID, &name, &o.ExternalID, &o.Status, &placed, &o.Currency, &o.Total, &o.Carrier, &promised, &delivered, &cancelled, &fulfilled); err != nil {
			rows.Close()
			return nil, err
		}
		o.Number = orDefaultString(name, o.ExternalID)
		o.PlacedAt = time.Unix(placed, 0).UTC()
		o.Promised, o.Delivered = unixPtr(promised), unixPtr(delivered)
		if cancelled.Valid {
			o.Status = "cancelled"
		} else if fulfilled.Valid && o.Status == "placed" {
			o.Status = "fulfilled"
		}
		o.Lines, o.Events, o.Returns = []PanelLine{}, []PanelEvent{}, []PanelReturn{}
		byID[o.ID] = len(out)
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	in := store.Placeholders(len(ids))
	if err := eachRow(ctx, q, `SELECT order_id, sku, product, quantity, unit_price FROM order_lines WHERE order_id IN (`+in+`) ORDER BY order_id, line_key`, store.Args(ids), func(rows *sql.Rows) error {
		var id int64
		var l PanelLine
		if err := rows.Scan(&id, &l.SKU, &l.Product, &l.Quantity, &l.UnitPrice); err != nil {
			return err
		}
		o := &out[byID[id]]
		o.Lines = append(o.Lines, l)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, q, `SELECT order_id, kind, at, detail FROM fulfillment_events WHERE order_id IN (`+in+`) ORDER BY order_id, at, kind`, store.Args(ids), func(rows *sql.Rows) error {
		var id, at int64
		var e PanelEvent
		if err := rows.Scan(&id, &e.Kind, &at, &e.Detail); err != nil {
			return err
		}
		e.At = time.Unix(at, 0).UTC()
		o := &out[byID[id]]
		o.Events = append(o.Events, e)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eachRow(ctx, q, `SELECT order_id, returned_at, refund_amount, reason FROM returns WHERE order_id IN (`+in+`) ORDER BY order_id, returned_at`, store.Args(ids), func(rows *sql.Rows) error {
		var id, at int64
		var r PanelReturn
		if err := rows.Scan(&id, &at, &r.Refund, &r.Reason); err != nil {
			return err
		}
		r.ReturnedAt = time.Unix(at, 0).UTC()
		o := &out[byID[id]]
		o.Returns = append(o.Returns, r)
		return nil
	}); err != nil {
		return nil, err
	}
	template, err := inboxSetting(ctx, q, SettingTrackingURL)
	if err != nil {
		return nil, err
	}
	for i := range out {
		finishPanelOrder(&out[i], template)
	}
	return out, nil
}

// trackingURLIn finds a link in an event's detail; trackingNumberIn the
// number after "tracking" ("DHL tracking DH1001").
var (
	trackingURLIn    = regexp.MustCompile(`https?://[^\s<>"']+`)
	trackingNumberIn = regexp.MustCompile(`(?i)\btracking(?:\s+(?:number|no\.?|#))?[:\s]+([A-Z0-9][A-Z0-9-]{3,})`)
)

// finishPanelOrder works out what the events say: the status in words,
// the tracking number and link, the delivery, and lateness.
func finishPanelOrder(o *PanelOrder, template string) {
	for _, e := range o.Events {
		if u := trackingURLIn.FindString(e.Detail); u != "" && o.TrackingURL == "" {
			o.TrackingURL = u
		}
		if m := trackingNumberIn.FindStringSubmatch(e.Detail); m != nil && o.Tracking == "" {
			o.Tracking = m[1]
		}
		if e.Kind == "delivered" && o.Delivered == nil {
			at := e.At
			o.Delivered = &at
		}
	}
	if o.TrackingURL == "" && o.Tracking != "" && template != "" {
		o.TrackingURL = strings.NewReplacer("{carrier}", url.PathEscape(o.Carrier), "{number}", url.PathEscape(o.Tracking)).Replace(template)
	}
	if o.Status != "cancelled" && o.Status != "test" {
		if n := len(o.Events); n > 0 {
			switch last := o.Events[n-1].Kind; last {
			case "exception":
				o.Status = "delivery problem"
			default:
				o.Status = last
			}
		}
		if o.Delivered != nil {
			o.Status = "delivered"
		}
	}
	if len(o.Returns) > 0 && o.Status == "delivered" {
		o.Status = "returned"
	}
	o.Late = o.Delivered != nil && o.Promised != nil && o.Delivered.After(promisedBy(*o.Promised))
}

func eachRow(ctx context.Context, q Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

func orDefaultString(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
