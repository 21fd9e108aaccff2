package selfserve

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/store"
)

// Querier reads: *store.DB and *store.Tx are.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Setting(ctx context.Context, key string) (string, error)
}

// Order statuses as a customer reads them (docs/order-help.md#statuses).
const (
	StatusPlaced          = "placed"           // not shipped yet
	StatusShipped         = "shipped"          // on its way
	StatusDelayed         = "delayed"          // the carrier reported a delay
	StatusDeliveryProblem = "delivery_problem" // the carrier reported an exception
	StatusDelivered       = "delivered"
	StatusReturned        = "returned" // the shop recorded a return or refund
	StatusCancelled       = "cancelled"
)

// Order is one order as its customer sees it: no money, no costs, no
// other customer's data.
type Order struct {
	ID           int64      `json:"-"`
	ExternalID   string     `json:"-"`
	CustomerID   int64      `json:"-"`
	Name         string     `json:"order"`
	Status       string     `json:"status"`
	PlacedAt     time.Time  `json:"placed_at"`
	Items        []Item     `json:"items"`
	Shipments    []Shipment `json:"shipments"`
	PromisedDate *string    `json:"promised_date"` // YYYY-MM-DD, null when none was promised
	Returns      []Return   `json:"returns"`

	// What the return policy reads.
	fulfilledAt *time.Time
	deliveredAt *time.Time
	cancelled   bool
	shopReturns int
}

// Item is one line of an order.
type Item struct {
	Key      string `json:"-"`
	SKU      string `json:"sku"`
	Title    string `json:"title"`
	Quantity int64  `json:"quantity"`
	Category string `json:"-"`
}

// Shipment is one parcel: its carrier and tracking, when it left and
// when it arrived (null while on its way).
type Shipment struct {
	Carrier        string     `json:"carrier"`
	TrackingNumber string     `json:"tracking_number"`
	TrackingURL    string     `json:"tracking_url"`
	ShippedAt      *time.Time `json:"shipped_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

// Return is a return or cancellation of the order: one the shop recorded
// (kind return, status returned), or a customer's request with its
// status: requested, confirmed (the shop has since recorded it), refused
// or escalated.
type Return struct {
	ID     int64     `json:"-"`
	Kind   string    `json:"kind"`
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

// findOrder returns the order named name (with or without its '#') whose
// customer has address among their identities; nil when there is none.
// Names can repeat across systems: the newest such order wins.
func findOrder(ctx context.Context, q Querier, name string, a Address) (*Order, error) {
	if OrderKey(name) == "" || a.IsEmpty() {
		return nil, nil
	}
	// Phones are matched with and without the plus a customer may omit.
	values := []any{a.Value}
	if a.Kind == "phone" {
		digits := strings.TrimPrefix(a.Value, "+")
		values = []any{digits, "+" + digits}
	}
	names := nameCandidates(name)
	var id int64
	err := q.QueryRow(ctx, `SELECT o.id FROM orders o
		WHERE o.name IN (`+store.Placeholders(len(names))+`) AND o.status <> 'test'
		  AND EXISTS (SELECT 1 FROM customer_identities ci WHERE ci.customer_id = o.customer_id AND ci.kind = ? AND ci.value IN (`+store.Placeholders(len(values))+`))
		ORDER BY o.placed_at DESC, o.id DESC LIMIT 1`,
		append(append(names, a.Kind), values...)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return readOrder(ctx, q, id)
}

// nameCandidates are the stored names an order number as typed may have:
// with and without its '#', as typed, in capitals and in lower case (the
// index on orders.name serves an IN list; lower(name) would not).
func nameCandidates(typed string) []any {
	t := strings.TrimLeft(strings.TrimSpace(typed), "# ")
	var out []any
	seen := map[string]bool{}
	for _, v := range []string{t, strings.ToUpper(t), strings.ToLower(t)} {
		for _, n := range []string{"#" + v, v} {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}

// customerOrders lists the orders of the customer with address, newest
// first, at most limit.
func customerOrders(ctx context.Context, q Querier, a Address, limit int) ([]Order, error) {
	values := []any{a.Value}
	if a.Kind == "phone" {
		digits := strings.TrimPrefix(a.Value, "+")
		values = []any{digits, "+" + digits}
	}
	rows, err := q.Query(ctx, `SELECT o.id FROM orders o
		WHERE o.status <> 'test' AND o.customer_id IN (SELECT customer_id FROM customer_identities WHERE kind = ? AND value IN (`+store.Placeholders(len(values))+`))
		ORDER BY o.placed_at DESC, o.id DESC LIMIT ?`, append(append([]any{a.Kind}, values...), limit)...)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Order, 0, len(ids))
	for _, id := range ids {
		o, err := readOrder(ctx, q, id)
		if err != nil {
			return nil, err
		}
		if o != nil {
			out = append(out, *o)
		}
	}
	return out, nil
}

// readOrder reads one order with its lines, shipments and returns.
func readOrder(ctx context.Context, q Querier, id int64) (*Order, error) {
	o := &Order{ID: id, Items: []Item{}, Shipments: []Shipment{}, Returns: []Return{}}
	var name, status, carrier string
	var placed int64
	var customer, fulfilled, cancelled, promised, delivered sql.NullInt64
	err := q.QueryRow(ctx, `SELECT external_id, name, customer_id, status, placed_at, fulfilled_at, cancelled_at, promised_delivery_at, delivered_at, carrier
		FROM orders WHERE id = ?`, id).Scan(&o.ExternalID, &name, &customer, &status, &placed, &fulfilled, &cancelled, &promised, &delivered, &carrier)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o.Name = name
	if o.Name == "" {
		o.Name = o.ExternalID
	}
	o.CustomerID = customer.Int64
	o.PlacedAt = time.Unix(placed, 0).UTC()
	o.fulfilledAt, o.deliveredAt = unixPtr(fulfilled), unixPtr(delivered)
	o.cancelled = cancelled.Valid || status == "cancelled"
	if promised.Valid {
		d := time.Unix(promised.Int64, 0).UTC().Format(time.DateOnly)
		o.PromisedDate = &d
	}

	rows, err := q.Query(ctx, `SELECT line_key, sku, product, category, quantity FROM order_lines WHERE order_id = ? ORDER BY line_key`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.Key, &it.SKU, &it.Title, &it.Category, &it.Quantity); err != nil {
			rows.Close()
			return nil, err
		}
		if it.Title == "" {
			it.Title = it.SKU
		}
		o.Items = append(o.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	template, err := q.Setting(ctx, desk.SettingTrackingURL)
	if err != nil {
		return nil, err
	}
	lastKind, err := o.readShipments(ctx, q, carrier, strings.TrimSpace(template))
	if err != nil {
		return nil, err
	}
	if err := o.readReturns(ctx, q); err != nil {
		return nil, err
	}
	o.Status = o.status(lastKind)
	return o, nil
}

// status is the order's state in the customer's words: a cancellation
// or a return first, then delivery, then what the carrier last said.
func (o *Order) status(lastKind string) string {
	switch {
	case o.cancelled:
		return StatusCancelled
	case o.shopReturns > 0:
		return StatusReturned
	case o.deliveredAt != nil:
		return StatusDelivered
	case lastKind == "exception":
		return StatusDeliveryProblem
	case lastKind == "delayed":
		return StatusDelayed
	case lastKind != "" || o.fulfilledAt != nil || len(o.Shipments) > 0:
		return StatusShipped
	}
	return StatusPlaced
}

// Shipped reports whether any of the order has left the shop.
func (o *Order) Shipped() bool {
	return o.fulfilledAt != nil || o.deliveredAt != nil || len(o.Shipments) > 0
}

var (
	trackingURLIn    = regexp.MustCompile(`https?://[^\s<>"']+`)
	trackingNumberIn = regexp.MustCompile(`(?i)\btracking(?:\s+(?:number|no\.?|#))?[:\s]+([A-Z0-9][A-Z0-9-]{3,})`)
	carrierIn        = regexp.MustCompile(`(?i)^\s*(.*?)\s*\btracking\b`)
)

// readShipments makes the order's parcels from its fulfilment events: each
// fulfilled or shipped event with its own detail (carrier, tracking number
// and link, as the Shopify mapping and imports write it) is one parcel,
// delivered when a delivered event carries the same detail. An order
// fulfilled without events (a CSV import) is one parcel of its carrier.
// It returns the kind of the last event.
func (o *Order) readShipments(ctx context.Context, q Querier, carrier, template string) (string, error) {
	rows, err := q.Query(ctx, `SELECT kind, at, detail FROM fulfillment_events WHERE order_id = ? ORDER BY at, kind`, o.ID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	byDetail := map[string]int{}
	var lastKind string
	var delivered []struct {
		at     time.Time
		detail string
	}
	for rows.Next() {
		var kind, detail string
		var at int64
		if err := rows.Scan(&kind, &at, &detail); err != nil {
			return "", err
		}
		lastKind = kind
		t := time.Unix(at, 0).UTC()
		switch kind {
		case "fulfilled", "shipped":
			if _, ok := byDetail[detail]; ok {
				continue
			}
			byDetail[detail] = len(o.Shipments)
			o.Shipments = append(o.Shipments, parcel(detail, carrier, template, &t))
		case "delivered":
			delivered = append(delivered, struct {
				at     time.Time
				detail string
			}{t, detail})
			if o.deliveredAt == nil {
				o.deliveredAt = &t
			}
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if len(o.Shipments) == 0 && (o.fulfilledAt != nil || o.deliveredAt != nil) {
		o.Shipments = append(o.Shipments, parcel("", carrier, template, o.fulfilledAt))
	}
	for _, d := range delivered {
		i, ok := byDetail[d.detail]
		if !ok && len(o.Shipments) == 1 {
			i, ok = 0, true
		}
		if ok {
			at := d.at
			o.Shipments[i].DeliveredAt = &at
		}
	}
	if o.deliveredAt != nil && len(o.Shipments) == 1 && o.Shipments[0].DeliveredAt == nil {
		at := *o.deliveredAt
		o.Shipments[0].DeliveredAt = &at
	}
	return lastKind, nil
}

// parcel reads one event's detail ("UPS tracking 1Z999 https://…").
func parcel(detail, carrier, template string, shipped *time.Time) Shipment {
	s := Shipment{Carrier: carrier, ShippedAt: shipped}
	if m := trackingNumberIn.FindStringSubmatch(detail); m != nil {
		s.TrackingNumber = m[1]
	}
	s.TrackingURL = trackingURLIn.FindString(detail)
	if m := carrierIn.FindStringSubmatch(detail); m != nil && strings.TrimSpace(m[1]) != "" {
		s.Carrier = strings.TrimSpace(m[1])
	}
	if s.TrackingURL == "" && s.TrackingNumber != "" && template != "" {
		s.TrackingURL = strings.NewReplacer("{carrier}", url.PathEscape(s.Carrier), "{number}", url.PathEscape(s.TrackingNumber)).Replace(template)
	}
	return s
}

// readReturns lists the shop's returns and the customer's requests,
// oldest first. A request is confirmed once the shop's return (for a
// cancel, the order's cancellation) is stored after it was made.
func (o *Order) readReturns(ctx context.Context, q Querier) error {
	rows, err := q.Query(ctx, `SELECT returned_at FROM returns WHERE order_id = ? ORDER BY returned_at`, o.ID)
	if err != nil {
		return err
	}
	var shop []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			rows.Close()
			return err
		}
		shop = append(shop, time.Unix(at, 0).UTC())
		o.Returns = append(o.Returns, Return{Kind: KindReturn, Status: StatusReturned, At: time.Unix(at, 0).UTC()})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	o.shopReturns = len(shop)
	reqs, err := requestsOf(ctx, q, `r.order_id = ?`, []any{o.ID}, 0)
	if err != nil {
		return err
	}
	for _, r := range reqs {
		o.Returns = append(o.Returns, Return{ID: r.ID, Kind: r.Kind, Status: r.Status, At: r.CreatedAt})
	}
	sort.SliceStable(o.Returns, func(i, j int) bool { return o.Returns[i].At.Before(o.Returns[j].At) })
	return nil
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}
