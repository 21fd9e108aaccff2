package desk

// A customer's timeline (docs/customers.md#the-timeline): everything that
// happened between the customer and the brand, newest first, a page at a
// time. Each source (messages, contacts, orders, fulfilment events,
// returns, self-service sessions, desk events) is read with one indexed
// query bounded by the page size, and the sources are merged here. Pages
// are cut by the position of the last item shown (keyset paging), never
// by an offset, so the thousandth page of a customer with years of
// history costs what the first does.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Querier is what the desk's reads take: a *store.DB (its read
// pool) or a *store.Tx.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Timeline page sizes.
const (
	DefaultTimelinePage = 50
	MaxTimelinePage     = 200
)

// Timeline item types.
const (
	ItemMessage     = "message"
	ItemContact     = "contact"
	ItemOrder       = "order"
	ItemFulfillment = "fulfillment"
	ItemReturn      = "return"
	ItemSelfService = "self_service"
	ItemNotice      = "notice" // a proactive message
	ItemNote        = "note"   // an agent's internal note
	ItemEvent       = "event"  // assignment, state, snooze, tag, topic
	ItemMerge       = "merge"  // a merge or an unmerge of identities
)

// TimelineTypes lists every item type.
var TimelineTypes = []string{ItemMessage, ItemContact, ItemOrder, ItemFulfillment, ItemReturn, ItemSelfService, ItemNotice, ItemNote, ItemEvent, ItemMerge}

// Cursor asks for one page of a timeline.
type Cursor struct {
	// Before is where the page starts: "" for the newest items, else the
	// Next of the page before.
	Before string
	// Limit is the page size: 0 for DefaultTimelinePage, at most
	// MaxTimelinePage.
	Limit int
}

// TimelinePage is one page of a customer's timeline, newest first.
type TimelinePage struct {
	// CustomerID is the customer shown: the survivor when the id asked
	// for was merged into another.
	CustomerID int64
	Items      []TimelineItem
	// Next is the cursor of the following (older) page, "" on the last.
	Next string
}

// TimelineItem is one thing on a timeline. Exactly one of the detail
// fields is set, according to Type.
type TimelineItem struct {
	Type string
	At   time.Time
	// ID is the row's id in its table (a fulfilment event has none of its
	// own: it carries its order's).
	ID int64

	Message     *MessageItem     // message, notice
	Contact     *ContactItem     // contact
	Order       *OrderItem       // order
	Fulfillment *FulfillmentItem // fulfillment
	Return      *ReturnItem      // return
	SelfService *SelfServiceItem // self_service
	Event       *EventItem       // note, event, merge

	pos position
}

// MarshalJSON writes the item flat: type, at and id, then the fields of
// its type.
func (it TimelineItem) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(struct {
		Type string `json:"type"`
		At   string `json:"at"`
		ID   int64  `json:"id"`
	}{it.Type, it.At.UTC().Format(time.RFC3339), it.ID})
	if err != nil {
		return nil, err
	}
	var detail any
	switch {
	case it.Message != nil:
		detail = it.Message
	case it.Contact != nil:
		detail = it.Contact
	case it.Order != nil:
		detail = it.Order
	case it.Fulfillment != nil:
		detail = it.Fulfillment
	case it.Return != nil:
		detail = it.Return
	case it.SelfService != nil:
		detail = it.SelfService
	case it.Event != nil:
		detail = it.Event
	default:
		return head, nil
	}
	body, err := json.Marshal(detail)
	if err != nil {
		return nil, err
	}
	if len(body) <= 2 {
		return head, nil
	}
	return append(append(head[:len(head)-1], ','), body[1:]...), nil
}

// OrderRef names an order an item is about.
type OrderRef struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	PlacedAt time.Time `json:"placed_at"`
}

// OrderCursor is the cursor of the timeline page that starts with the
// order: the way to show an order an item names.
func OrderCursor(o OrderRef) string {
	return position{at: o.PlacedAt.Unix(), source: "order", id: o.ID + 1}.String()
}

func nullableOrder(id sql.NullInt64, name string, placed sql.NullInt64) *OrderRef {
	if !id.Valid {
		return nil
	}
	return &OrderRef{ID: id.Int64, Name: name, PlacedAt: unixUTC(placed.Int64)}
}

// MessageItem is a message on any channel, or a proactive notice.
type MessageItem struct {
	ConversationID int64  `json:"conversation_id"`
	ContactID      *int64 `json:"contact_id"`
	Direction      string `json:"direction"` // in, out
	Channel        string `json:"channel"`
	Author         string `json:"author"` // customer, agent, proactive, system
	Agent          string `json:"agent"`
	From           string `json:"from"`
	Subject        string `json:"subject"`
	// Body is the text: quoted history and signature removed. The HTML
	// alternative is never shown on the timeline.
	Body string `json:"body"`
	// Kind: message, auto_reply, bounce, list, note.
	Kind string `json:"kind"`
	// Status is an outbound message's delivery: queued, retrying, sent,
	// failed ("" for what the brand received); StatusDetail says why it
	// failed.
	Status       string           `json:"status"`
	StatusDetail string           `json:"status_detail"`
	Call         bool             `json:"call"` // a voice message: a call
	Attachments  []AttachmentItem `json:"attachments"`
}

// AttachmentItem is a file that came with a message.
type AttachmentItem struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Inline      bool   `json:"inline"`
	// URL is where a file kept elsewhere is (an MMS picture at Twilio, a
	// call's recording, a social attachment); empty for a file kept here.
	URL string `json:"url,omitempty"`
}

// ContactItem is a contact: what CPO counts.
type ContactItem struct {
	Channel         string    `json:"channel"`
	Call            bool      `json:"call"` // an inbound call
	Source          string    `json:"source"`
	Topic           string    `json:"topic"`
	TopicName       string    `json:"topic_name"`
	TopicConfidence *float64  `json:"topic_confidence"`
	IsRepeat        bool      `json:"is_repeat"`
	ConversationID  *int64    `json:"conversation_id"`
	Order           *OrderRef `json:"order"`
	Agent           string    `json:"agent"`
	HandleSeconds   int64     `json:"handle_seconds"`
	Subject         string    `json:"subject"`
	// Text is what an imported contact said (a native contact's words are
	// its messages).
	Text string `json:"text,omitempty"`
}

// OrderItem is an order with its lines.
type OrderItem struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	// Value is the order's net revenue (items − discounts + shipping) in
	// the store's currency.
	Value            domain.Money `json:"value"`
	Currency         string       `json:"currency"`
	OriginalCurrency string       `json:"original_currency,omitempty"`
	Carrier          string       `json:"carrier"`
	PromisedAt       *time.Time   `json:"promised_delivery_at"`
	DeliveredAt      *time.Time   `json:"delivered_at"`
	CancelledAt      *time.Time   `json:"cancelled_at"`
	Lines            []OrderLine  `json:"lines"`
}

// OrderLine is one line of an order.
type OrderLine struct {
	SKU       string       `json:"sku"`
	Product   string       `json:"product"`
	Quantity  int64        `json:"quantity"`
	UnitPrice domain.Money `json:"unit_price"`
}

// FulfillmentItem is a fulfilment event of an order.
type FulfillmentItem struct {
	Order   OrderRef `json:"order"`
	Kind    string   `json:"kind"` // fulfilled, shipped, delivered, delayed, exception
	Detail  string   `json:"detail"`
	Carrier string   `json:"carrier"`
	// TrackingURL is the web address the event's detail gives, if any.
	TrackingURL string `json:"tracking_url"`
}

// ReturnItem is a return of an order, with its refund.
type ReturnItem struct {
	ExternalID         string       `json:"external_id"`
	Order              OrderRef     `json:"order"`
	RefundAmount       domain.Money `json:"refund_amount"`
	ReturnShippingCost domain.Money `json:"return_shipping_cost"`
	Currency           string       `json:"currency"`
	Reason             string       `json:"reason"`
}

// SelfServiceItem is a self-service session.
type SelfServiceItem struct {
	ExternalID string    `json:"external_id"`
	Kind       string    `json:"kind"`    // article, order_status, return
	Outcome    string    `json:"outcome"` // resolved, escalated
	Topic      string    `json:"topic"`
	Article    string    `json:"article"`
	Order      *OrderRef `json:"order"`
}

// EventItem is something agents did: a note, an assignment, a state
// change, a snooze, a tag, a topic correction; or a merge of identities.
type EventItem struct {
	// Kind is the desk event's: note, assign, state, snooze, tag, topic,
	// merge, unmerge.
	Kind           string `json:"kind"`
	ConversationID *int64 `json:"conversation_id"`
	Actor          string `json:"actor"`
	// Detail is the note's text, or what changed.
	Detail string `json:"detail"`
	// Merge is set on merge and unmerge events.
	Merge *MergeRef `json:"merge,omitempty"`
}

// MergeRef is the merge a merge or unmerge event is about.
type MergeRef struct {
	ID         int64 `json:"id"`
	SurvivorID int64 `json:"survivor_id"`
	MergedID   int64 `json:"merged_id"`
	// Undone: the merge was undone since (an unmerge button is offered
	// only on merges that are not).
	Undone bool `json:"undone"`
}

// Sources of the timeline, in the order they are listed when their items
// happened in the same second, oldest first: an order before its
// shipment, a customer's message before the contact it started.
var sourceRank = map[string]int{"order": 1, "fulfillment": 2, "return": 3, "self_service": 4, "message": 5, "contact": 6, "event": 7}

// position is an item's place in the timeline: items are listed by at,
// then source, then id (and a fulfilment event, which has no id of its
// own, by its kind), all descending.
type position struct {
	at     int64
	source string
	id     int64
	sub    string
}

// before reports whether p is listed after q (it is older).
func (p position) before(q position) bool {
	if p.at != q.at {
		return p.at < q.at
	}
	if rp, rq := sourceRank[p.source], sourceRank[q.source]; rp != rq {
		return rp < rq
	}
	if p.id != q.id {
		return p.id < q.id
	}
	return p.sub < q.sub
}

// String is the cursor: at.source.id, and .kind for a fulfilment event.
func (p position) String() string {
	s := strconv.FormatInt(p.at, 10) + "." + p.source + "." + strconv.FormatInt(p.id, 10)
	if p.sub != "" {
		s += "." + p.sub
	}
	return s
}

var cursorShape = regexp.MustCompile(`^(-?\d{1,19})\.([a-z_]+)\.(\d{1,19})(?:\.([a-z_]+))?$`)

func parsePosition(s string) (position, error) {
	m := cursorShape.FindStringSubmatch(s)
	bad := &domain.Error{Code: domain.EInvalid, Message: "bad timeline cursor",
		Fields: []domain.FieldError{{Field: "before", Reason: fmt.Sprintf("%q is not a cursor: pass the next value of the page before, unchanged", s)}}}
	if m == nil {
		return position{}, bad
	}
	at, err1 := strconv.ParseInt(m[1], 10, 64)
	id, err2 := strconv.ParseInt(m[3], 10, 64)
	if _, known := sourceRank[m[2]]; err1 != nil || err2 != nil || !known || (m[4] != "") != (m[2] == "fulfillment") {
		return position{}, bad
	}
	return position{at: at, source: m[2], id: id, sub: m[4]}, nil
}

// Timeline returns one page of the customer's timeline, newest first. A
// customer merged into another shows the survivor's (TimelinePage says
// which).
func Timeline(ctx context.Context, q Querier, customerID int64, page Cursor) (TimelinePage, error) {
	var out TimelinePage
	limit := page.Limit
	switch {
	case limit == 0:
		limit = DefaultTimelinePage
	case limit < 0 || limit > MaxTimelinePage:
		return out, &domain.Error{Code: domain.EInvalid, Message: "bad page size",
			Fields: []domain.FieldError{{Field: "limit", Reason: fmt.Sprintf("%d is not between 1 and %d", limit, MaxTimelinePage)}}}
	}
	var after *position
	if page.Before != "" {
		p, err := parsePosition(page.Before)
		if err != nil {
			return out, err
		}
		after = &p
	}
	id, err := ResolveCustomer(ctx, q, customerID)
	if err != nil {
		return out, err
	}
	out.CustomerID = id
	// Each source gives its newest limit+1 items after the cursor; the
	// page is the newest limit of them all, and one more says there is a
	// next page.
	var items []TimelineItem
	for _, read := range []func(context.Context, Querier, int64, *position, int) ([]TimelineItem, error){
		readMessages, readContacts, readOrders, readFulfillments, readReturns, readSelfService, readEvents,
	} {
		got, err := read(ctx, q, id, after, limit+1)
		if err != nil {
			return out, err
		}
		items = append(items, got...)
	}
	slices.SortFunc(items, func(a, b TimelineItem) int {
		switch {
		case b.pos.before(a.pos):
			return -1
		case a.pos.before(b.pos):
			return 1
		}
		return 0
	})
	if len(items) > limit {
		items = items[:limit]
		out.Next = items[limit-1].pos.String()
	}
	if err := fillDetails(ctx, q, items); err != nil {
		return out, err
	}
	out.Items = items
	return out, nil
}

// ResolveCustomer follows merges from a customer id to the customer it now
// is: itself, or the survivor it was merged into.
func ResolveCustomer(ctx context.Context, q Querier, customerID int64) (int64, error) {
	id := customerID
	// Merges re-point earlier merges at the survivor, so one step is the
	// rule; the bound only guards against a cycle written by hand.
	for range 16 {
		var into sql.NullInt64
		err := q.QueryRow(ctx, `SELECT merged_into FROM customers WHERE id = ?`, id).Scan(&into)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, domain.Errorf(domain.ENotFound, "customer %d does not exist", customerID)
		}
		if err != nil {
			return 0, err
		}
		if !into.Valid {
			return id, nil
		}
		id = into.Int64
	}
	return 0, fmt.Errorf("customer %d: merges form a cycle", customerID)
}

// keyset is the condition that keeps a source's items listed after the
// cursor: ties in time are broken by source, then by id. atCol and idCol
// must lead an index with the customer, so the condition is a range scan.
func keyset(after *position, source, atCol, idCol string) (string, []any) {
	if after == nil {
		return "", nil
	}
	rank, cur := sourceRank[source], sourceRank[after.source]
	switch {
	case rank < cur:
		return " AND " + atCol + " <= ?", []any{after.at}
	case rank > cur:
		return " AND " + atCol + " < ?", []any{after.at}
	}
	return " AND " + atCol + " <= ? AND (" + atCol + " < ? OR " + idCol + " < ?)", []any{after.at, after.at, after.id}
}

func unixUTC(s int64) time.Time { return time.Unix(s, 0).UTC() }

func nullableTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := unixUTC(v.Int64)
	return &t
}

func nullableID(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

// queryEach runs a query and calls scan for each row.
func queryEach(ctx context.Context, q Querier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func readMessages(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	cond, args := keyset(after, "message", "m.at", "m.id")
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT m.id, m.at, m.conversation_id, m.contact_id, m.channel, m.direction, m.author, m.agent, m.from_addr, m.subject, m.body, m.kind,
			`+DeliveryStatusSQL+`, `+DeliveryDetailSQL+`
		FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id
		WHERE m.customer_id = ?`+cond+` ORDER BY m.at DESC, m.id DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var m MessageItem
			var at int64
			var contact sql.NullInt64
			if err := rows.Scan(&it.ID, &at, &m.ConversationID, &contact, &m.Channel, &m.Direction, &m.Author, &m.Agent, &m.From, &m.Subject, &m.Body, &m.Kind,
				&m.Status, &m.StatusDetail); err != nil {
				return err
			}
			m.ContactID = nullableID(contact)
			m.Call = m.Channel == "voice"
			m.Attachments = []AttachmentItem{}
			it.Type = ItemMessage
			if m.Author == "proactive" {
				it.Type = ItemNotice
			}
			it.At, it.Message, it.pos = unixUTC(at), &m, position{at: at, source: "message", id: it.ID}
			out = append(out, it)
			return nil
		})
	return out, err
}

func readContacts(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	cond, args := keyset(after, "contact", "c.started_at", "c.id")
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT c.id, c.started_at, c.channel, c.source, c.topic, COALESCE(t.name, ''), c.topic_confidence, c.is_repeat, c.conversation_id,
			c.order_id, COALESCE(o.name, ''), o.placed_at, c.agent, c.handle_seconds, c.subject, c.body
		FROM contacts c LEFT JOIN orders o ON o.id = c.order_id LEFT JOIN topics t ON t.id = c.topic
		WHERE c.customer_id = ?`+cond+` ORDER BY c.started_at DESC, c.id DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var c ContactItem
			var at int64
			var conf sql.NullFloat64
			var conv, order, placed sql.NullInt64
			var orderName, body string
			if err := rows.Scan(&it.ID, &at, &c.Channel, &c.Source, &c.Topic, &c.TopicName, &conf, &c.IsRepeat, &conv,
				&order, &orderName, &placed, &c.Agent, &c.HandleSeconds, &c.Subject, &body); err != nil {
				return err
			}
			if conf.Valid {
				c.TopicConfidence = &conf.Float64
			}
			c.Order = nullableOrder(order, orderName, placed)
			if c.Source != "native" {
				c.Text = body
			}
			c.ConversationID = nullableID(conv)
			c.Call = c.Channel == "voice"
			it.Type, it.At, it.Contact, it.pos = ItemContact, unixUTC(at), &c, position{at: at, source: "contact", id: it.ID}
			out = append(out, it)
			return nil
		})
	return out, err
}

func readOrders(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	cond, args := keyset(after, "order", "o.placed_at", "o.id")
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT o.id, o.placed_at, o.external_id, o.name, o.status, o.currency, o.original_currency,
			o.item_revenue - o.discounts + o.shipping_charged, o.carrier, o.promised_delivery_at, o.delivered_at, o.cancelled_at
		FROM orders o WHERE o.customer_id = ?`+cond+` ORDER BY o.placed_at DESC, o.id DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var o OrderItem
			var at int64
			var promised, delivered, cancelled sql.NullInt64
			if err := rows.Scan(&it.ID, &at, &o.ExternalID, &o.Name, &o.Status, &o.Currency, &o.OriginalCurrency,
				&o.Value, &o.Carrier, &promised, &delivered, &cancelled); err != nil {
				return err
			}
			o.PromisedAt, o.DeliveredAt, o.CancelledAt = nullableTime(promised), nullableTime(delivered), nullableTime(cancelled)
			o.Lines = []OrderLine{}
			it.Type, it.At, it.Order, it.pos = ItemOrder, unixUTC(at), &o, position{at: at, source: "order", id: it.ID}
			out = append(out, it)
			return nil
		})
	return out, err
}

// trackingURL finds a web address in a fulfilment event's detail.
var trackingURL = regexp.MustCompile(`https?://[^\s<>"']+`)

func readFulfillments(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	// Events are reached through the customer's orders (their key starts
	// with the order), so the rows sorted are the customer's only.
	cond, args := "", []any(nil)
	if after != nil {
		rank, cur := sourceRank["fulfillment"], sourceRank[after.source]
		switch {
		case rank < cur:
			cond, args = " AND f.at <= ?", []any{after.at}
		case rank > cur:
			cond, args = " AND f.at < ?", []any{after.at}
		default:
			cond = " AND f.at <= ? AND (f.at < ? OR f.order_id < ? OR (f.order_id = ? AND f.kind < ?))"
			args = []any{after.at, after.at, after.id, after.id, after.sub}
		}
	}
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT f.order_id, f.kind, f.at, f.detail, o.name, o.placed_at, o.carrier
		FROM orders o JOIN fulfillment_events f ON f.order_id = o.id
		WHERE o.customer_id = ?`+cond+` ORDER BY f.at DESC, f.order_id DESC, f.kind DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var f FulfillmentItem
			var at, placed int64
			if err := rows.Scan(&f.Order.ID, &f.Kind, &at, &f.Detail, &f.Order.Name, &placed, &f.Carrier); err != nil {
				return err
			}
			f.Order.PlacedAt = unixUTC(placed)
			f.TrackingURL = trackingURL.FindString(f.Detail)
			it.Type, it.At, it.ID, it.Fulfillment = ItemFulfillment, unixUTC(at), f.Order.ID, &f
			it.pos = position{at: at, source: "fulfillment", id: f.Order.ID, sub: f.Kind}
			out = append(out, it)
			return nil
		})
	return out, err
}

func readReturns(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	cond, args := keyset(after, "return", "r.returned_at", "r.id")
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT r.id, r.returned_at, r.external_id, r.order_id, o.name, o.placed_at, o.currency, r.refund_amount, r.return_shipping_cost, r.reason
		FROM orders o JOIN returns r ON r.order_id = o.id
		WHERE o.customer_id = ?`+cond+` ORDER BY r.returned_at DESC, r.id DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var x ReturnItem
			var at, placed int64
			if err := rows.Scan(&it.ID, &at, &x.ExternalID, &x.Order.ID, &x.Order.Name, &placed, &x.Currency, &x.RefundAmount, &x.ReturnShippingCost, &x.Reason); err != nil {
				return err
			}
			x.Order.PlacedAt = unixUTC(placed)
			it.Type, it.At, it.Return, it.pos = ItemReturn, unixUTC(at), &x, position{at: at, source: "return", id: it.ID}
			out = append(out, it)
			return nil
		})
	return out, err
}

func readSelfService(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	cond, args := keyset(after, "self_service", "s.started_at", "s.id")
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT s.id, s.started_at, s.external_id, s.kind, s.outcome, s.topic, s.article, s.order_id, COALESCE(o.name, ''), o.placed_at
		FROM self_service_sessions s LEFT JOIN orders o ON o.id = s.order_id
		WHERE s.customer_id = ?`+cond+` ORDER BY s.started_at DESC, s.id DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var s SelfServiceItem
			var at int64
			var order, placed sql.NullInt64
			var orderName string
			if err := rows.Scan(&it.ID, &at, &s.ExternalID, &s.Kind, &s.Outcome, &s.Topic, &s.Article, &order, &orderName, &placed); err != nil {
				return err
			}
			s.Order = nullableOrder(order, orderName, placed)
			it.Type, it.At, it.SelfService, it.pos = ItemSelfService, unixUTC(at), &s, position{at: at, source: "self_service", id: it.ID}
			out = append(out, it)
			return nil
		})
	return out, err
}

func readEvents(ctx context.Context, q Querier, customerID int64, after *position, limit int) ([]TimelineItem, error) {
	cond, args := keyset(after, "event", "e.at", "e.id")
	var out []TimelineItem
	err := queryEach(ctx, q, `SELECT e.id, e.at, e.kind, e.conversation_id, e.detail, COALESCE(u.name, ''), COALESCE(u.email, '')
		FROM desk_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.customer_id = ?`+cond+` ORDER BY e.at DESC, e.id DESC LIMIT ?`,
		append(append([]any{customerID}, args...), limit), func(rows *sql.Rows) error {
			var it TimelineItem
			var e EventItem
			var at int64
			var conv sql.NullInt64
			var name, email string
			if err := rows.Scan(&it.ID, &at, &e.Kind, &conv, &e.Detail, &name, &email); err != nil {
				return err
			}
			e.ConversationID = nullableID(conv)
			e.Actor = userDisplayName(name, email)
			switch e.Kind {
			case "note":
				it.Type = ItemNote
			case EventMerge, EventUnmerge:
				it.Type = ItemMerge
				var ref MergeRef
				if json.Unmarshal([]byte(e.Detail), &ref) == nil {
					e.Merge = &ref
					e.Detail = mergeSentence(e.Kind, ref)
				}
			default:
				it.Type = ItemEvent
			}
			it.At, it.Event, it.pos = unixUTC(at), &e, position{at: at, source: "event", id: it.ID}
			out = append(out, it)
			return nil
		})
	return out, err
}

// userDisplayName is the name colleagues know a user by: their name, else their
// address's local part. Events without a user were made through the API.
func userDisplayName(name, email string) string {
	if name != "" {
		return name
	}
	local, _, _ := strings.Cut(email, "@")
	return local
}

func mergeSentence(kind string, m MergeRef) string {
	if kind == EventUnmerge {
		return fmt.Sprintf("customer %d split again from customer %d", m.MergedID, m.SurvivorID)
	}
	return fmt.Sprintf("customer %d merged into customer %d", m.MergedID, m.SurvivorID)
}

// fillDetails adds what the page's items carry from other tables: the
// orders' lines, the messages' attachments, whether merges were undone.
// Each is one query over the page's ids.
func fillDetails(ctx context.Context, q Querier, items []TimelineItem) error {
	orders := map[int64]*OrderItem{}
	messages := map[int64]*MessageItem{}
	merges := map[int64][]*MergeRef{}
	for i := range items {
		switch it := &items[i]; {
		case it.Order != nil:
			orders[it.ID] = it.Order
		case it.Message != nil:
			messages[it.ID] = it.Message
		case it.Event != nil && it.Event.Merge != nil:
			merges[it.Event.Merge.ID] = append(merges[it.Event.Merge.ID], it.Event.Merge)
		}
	}
	if len(orders) > 0 {
		ids := sortedKeys(orders)
		err := queryEach(ctx, q, `SELECT order_id, sku, product, quantity, unit_price FROM order_lines WHERE order_id IN (`+store.Placeholders(len(ids))+`) ORDER BY order_id, line_key`,
			store.Args(ids), func(rows *sql.Rows) error {
				var id int64
				var l OrderLine
				if err := rows.Scan(&id, &l.SKU, &l.Product, &l.Quantity, &l.UnitPrice); err != nil {
					return err
				}
				orders[id].Lines = append(orders[id].Lines, l)
				return nil
			})
		if err != nil {
			return err
		}
	}
	if len(messages) > 0 {
		ids := sortedKeys(messages)
		err := queryEach(ctx, q, `SELECT message_id, id, name, content_type, size, inline, url FROM attachments WHERE message_id IN (`+store.Placeholders(len(ids))+`) ORDER BY message_id, id`,
			store.Args(ids), func(rows *sql.Rows) error {
				var id int64
				var a AttachmentItem
				if err := rows.Scan(&id, &a.ID, &a.Name, &a.ContentType, &a.Size, &a.Inline, &a.URL); err != nil {
					return err
				}
				messages[id].Attachments = append(messages[id].Attachments, a)
				return nil
			})
		if err != nil {
			return err
		}
	}
	if len(merges) > 0 {
		ids := sortedKeys(merges)
		err := queryEach(ctx, q, `SELECT id FROM customer_merges WHERE undone_at IS NOT NULL AND id IN (`+store.Placeholders(len(ids))+`)`,
			store.Args(ids), func(rows *sql.Rows) error {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				for _, m := range merges[id] {
					m.Undone = true
				}
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[int64]V) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
