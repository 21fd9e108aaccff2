package selfserve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// Kinds of request.
const (
	KindReturn = "return"
	KindCancel = "cancel"
)

// Request statuses. Confirmed is never stored: a requested one reads as
// confirmed once the shop's return, or the order's cancellation, is stored.
const (
	RequestRequested = "requested"
	RequestRefused   = "refused"
	RequestEscalated = "escalated"
	RequestConfirmed = "confirmed"
)

// RequestStatuses lists the statuses a request can read as.
var RequestStatuses = []string{RequestRequested, RequestConfirmed, RequestRefused, RequestEscalated}

// Why a request was refused (docs/order-help.md#what-is-refused).
const (
	RefuseOutsideWindow    = "outside_window"
	RefuseReturned         = "already_returned"
	RefuseExcluded         = "excluded_item"
	RefuseShipped          = "already_shipped"
	RefuseNotShipped       = "not_shipped"
	RefuseCancelled        = "cancelled"
	RefuseCancelNotAllowed = "cancel_not_allowed"
	RefuseAlreadyRequested = "already_requested"
)

// MaxReasonChars bounds the customer's reason.
const MaxReasonChars = 2000

// LineQuantity is one line a return names, by its key.
type LineQuantity struct {
	Key      string
	Quantity int64
}

// RequestInput is what the customer asks.
type RequestInput struct {
	Kind    string
	Lines   []LineQuantity // return: the lines and how many of each
	Reason  string
	Session string // the self-service session, "" for none
}

// Request is a stored return or cancel request.
type Request struct {
	ID              int64         `json:"id"`
	Order           string        `json:"order"`
	OrderExternalID string        `json:"order_id"`
	Kind            string        `json:"kind"`
	Status          string        `json:"status"`
	Refusal         string        `json:"refusal,omitempty"`
	RefusalText     string        `json:"refusal_text,omitempty"`
	Reason          string        `json:"reason"`
	Address         string        `json:"address"`
	CreatedAt       time.Time     `json:"created_at"`
	EscalatedAt     *time.Time    `json:"escalated_at,omitempty"`
	ConversationID  int64         `json:"conversation_id,omitempty"`
	Lines           []RequestLine `json:"lines"`
}

// RequestLine is one line of a return request.
type RequestLine struct {
	Key      string `json:"line"`
	SKU      string `json:"sku"`
	Title    string `json:"title"`
	Quantity int64  `json:"quantity"`
}

// Submit records a request for the order c proves, checked against the
// return policy at now: allowed, it is requested; refused, it says why.
// The same request sent again (same order, kind, lines and reason) is the
// first one, unchanged.
func Submit(ctx context.Context, db *store.DB, c Claims, in RequestInput, now time.Time) (Request, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	var out Request
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		o, err := OrderFor(ctx, tx, c)
		if err != nil {
			return err
		}
		lines, err := checkInput(o, &in)
		if err != nil {
			return err
		}
		key := requestKey(o.ID, in.Kind, lines, in.Reason)
		if existing, err := requestsOf(ctx, tx, `r.request_key = ?`, []any{key}, 1); err != nil || len(existing) == 1 {
			if err == nil {
				out = existing[0]
			}
			return err
		}
		policy, err := LoadPolicy(ctx, tx)
		if err != nil {
			return err
		}
		open, err := openQuantities(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		code, text := policy.Check(o, in.Kind, lines, open, now)
		status := RequestRequested
		if code != "" {
			status = RequestRefused
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO selfserve_requests (request_key, order_id, kind, status, refusal, refusal_text, reason, address, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, key, o.ID, in.Kind, status, code, text, in.Reason, c.Address.Value, now.Unix()).Scan(&id); err != nil {
			return err
		}
		for _, l := range lines {
			if _, err := tx.Exec(ctx, `INSERT INTO selfserve_request_lines (request_id, line_key, sku, title, quantity) VALUES (?, ?, ?, ?, ?)`,
				id, l.Key, l.SKU, l.Title, l.Quantity); err != nil {
				return err
			}
		}
		if err := recordEvent(ctx, tx, in.Session, kb.EventReturn, "resolved", o.ExternalID, c.Address, 0, now); err != nil {
			return err
		}
		got, err := requestsOf(ctx, tx, `r.id = ?`, []any{id}, 1)
		if err != nil {
			return err
		}
		out = got[0]
		return nil
	})
	return out, err
}

// checkInput validates the request against the order, naming each bad
// field, and returns the lines it names, sorted by key.
func checkInput(o *Order, in *RequestInput) ([]RequestLine, error) {
	var p domain.Problems
	p.OneOf("kind", in.Kind, KindReturn, KindCancel)
	if n := len([]rune(in.Reason)); n > MaxReasonChars {
		p.Add("reason", "is %d characters; at most %d", n, MaxReasonChars)
	}
	items := map[string]Item{}
	for _, it := range o.Items {
		items[it.Key] = it
	}
	var lines []RequestLine
	if in.Kind == KindReturn {
		seen, named := map[string]bool{}, false
		for _, l := range in.Lines {
			if l.Quantity == 0 {
				continue
			}
			it, ok := items[l.Key]
			field := "lines[" + l.Key + "].quantity"
			switch {
			case !ok:
				p.Add("lines", "%q is not a line of this order", l.Key)
				named = true
				continue
			case seen[l.Key]:
				p.Add(field, "is given twice")
				continue
			case l.Quantity < 0 || l.Quantity > it.Quantity:
				p.Add(field, "must be from 0 to %d (the quantity ordered); got %d", it.Quantity, l.Quantity)
				continue
			}
			seen[l.Key] = true
			lines = append(lines, RequestLine{Key: l.Key, SKU: it.SKU, Title: it.Title, Quantity: l.Quantity})
		}
		if len(lines) == 0 && !named {
			p.Add("lines", "choose at least one item and how many to return")
		}
	}
	if len(p) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "the request was not sent", Fields: p}
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i].Key < lines[j].Key })
	return lines, nil
}

func requestKey(orderID int64, kind string, lines []RequestLine, reason string) string {
	parts := []any{orderID, kind, reason}
	for _, l := range lines {
		parts = append(parts, l.Key, l.Quantity)
	}
	return strconv.FormatInt(domain.Hash(parts...), 36)
}

// openQuantities sums, per line, what requests still standing (requested
// or escalated) ask to return; cancel counts a standing cancel request.
func openQuantities(ctx context.Context, tx *store.Tx, orderID int64) (map[string]int64, error) {
	out := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT r.kind, COALESCE(l.line_key, ''), COALESCE(l.quantity, 0) FROM selfserve_requests r
		LEFT JOIN selfserve_request_lines l ON l.request_id = r.id
		WHERE r.order_id = ? AND r.status IN (?, ?)`, orderID, RequestRequested, RequestEscalated)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, key string
		var qty int64
		if err := rows.Scan(&kind, &key, &qty); err != nil {
			return nil, err
		}
		if kind == KindCancel {
			out[""]++
			continue
		}
		out[key] += qty
	}
	return out, rows.Err()
}

// Check decides a request under the policy at now: "" when allowed, else
// the refusal's code and the sentence the customer reads. open holds what
// standing requests already ask (openQuantities).
//
// The return window runs from the delivery; an order shipped but with no
// delivery recorded counts from its order date (docs/order-help.md#return-window).
func (p Policy) Check(o *Order, kind string, lines []RequestLine, open map[string]int64, now time.Time) (string, string) {
	if kind == KindCancel {
		switch {
		case o.cancelled:
			return RefuseCancelled, "This order is already cancelled."
		case !p.CancelAllowed:
			return RefuseCancelNotAllowed, "Orders cannot be cancelled online."
		case o.Shipped():
			return RefuseShipped, "This order has already shipped, so it can no longer be cancelled. Once it arrives you can return it."
		case open[""] > 0:
			return RefuseAlreadyRequested, "A cancellation of this order was already asked for; the shop will confirm it."
		}
		return "", ""
	}
	switch {
	case o.cancelled:
		return RefuseCancelled, "This order was cancelled, so there is nothing to return."
	case o.shopReturns > 0:
		return RefuseReturned, "This order has already been returned."
	case !o.Shipped():
		if p.CancelAllowed {
			return RefuseNotShipped, "This order has not shipped yet, so it cannot be returned: you can cancel it instead."
		}
		return RefuseNotShipped, "This order has not shipped yet, so it cannot be returned."
	}
	if p.WindowDays == 0 {
		return RefuseOutsideWindow, "Returns are not taken online: ask a person."
	}
	start, from := o.PlacedAt, "the order date"
	if o.deliveredAt != nil {
		start, from = *o.deliveredAt, "delivery"
	}
	end := start.AddDate(0, 0, p.WindowDays)
	if now.After(end) {
		return RefuseOutsideWindow, fmt.Sprintf("Returns are accepted within %d days of %s; for this order that ended on %s.", p.WindowDays, from, end.Format("2 January 2006"))
	}
	items := map[string]Item{}
	for _, it := range o.Items {
		items[it.Key] = it
	}
	for _, l := range lines {
		if entry, ok := p.Excludes(items[l.Key]); ok {
			what := entry
			if prefix, sku := cutSKU(entry); sku {
				what = "items whose SKU starts with " + prefix
			}
			return RefuseExcluded, fmt.Sprintf("%s cannot be returned (%s are not returnable).", l.Title, what)
		}
	}
	for _, l := range lines {
		if open[l.Key]+l.Quantity > items[l.Key].Quantity {
			return RefuseAlreadyRequested, fmt.Sprintf("A return of %s was already asked for.", l.Title)
		}
	}
	return "", ""
}

// Escalate hands request id of the order c proves to a person: it becomes
// a conversation (an email from the customer, with the request as its
// text) and the request is escalated with it. Escalating it again changes
// nothing and returns the same conversation.
func Escalate(ctx context.Context, db *store.DB, c Claims, id int64, session string, now time.Time) (Request, error) {
	var out Request
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		o, err := OrderFor(ctx, tx, c)
		if err != nil {
			return err
		}
		got, err := requestsOf(ctx, tx, `r.id = ? AND r.order_id = ?`, []any{id, o.ID}, 1)
		if err != nil {
			return err
		}
		if len(got) == 0 {
			return domain.Errorf(domain.ENotFound, "this order has no such request")
		}
		r := got[0]
		if r.ConversationID != 0 {
			out = r
			return nil
		}
		m := desk.Message{
			ExternalID: fmt.Sprintf("selfserve-request-%d", r.ID), Channel: "email", Author: "customer",
			Subject: requestSubject(r), Body: requestBody(r), At: now, Received: now, OrderExternalID: o.ExternalID,
		}
		email, err := customerEmail(ctx, tx, o, c.Address)
		if err != nil {
			return err
		}
		switch {
		case email != "":
			m.Customer, m.FromAddr = commerce.CustomerRef{Email: email}, email
		default:
			// Known by phone alone: the conversation is a text message, so
			// the agent's answer goes back the same way.
			m.Channel, m.Via, m.Customer, m.FromAddr = "sms", "sms", commerce.CustomerRef{Phone: c.Address.Value}, c.Address.Value
		}
		rec, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), m)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE selfserve_requests SET status = ?, escalated_at = ?, conversation_id = ? WHERE id = ?`,
			RequestEscalated, now.Unix(), rec.ConversationID, r.ID); err != nil {
			return err
		}
		if err := recordEvent(ctx, tx, session, kb.EventReturn, "escalated", o.ExternalID, c.Address, 0, now); err != nil {
			return err
		}
		if err := recordEvent(ctx, tx, session, kb.EventEscalate, "", o.ExternalID, c.Address, rec.ConversationID, now); err != nil {
			return err
		}
		got, err = requestsOf(ctx, tx, `r.id = ?`, []any{r.ID}, 1)
		if err != nil {
			return err
		}
		out = got[0]
		return nil
	})
	return out, err
}

// customerEmail is the address the conversation is with: the proven one
// when it is an email, else an email of the order's customer ("" when
// they have none).
func customerEmail(ctx context.Context, tx *store.Tx, o *Order, a Address) (string, error) {
	if a.Kind == "email" {
		return a.Value, nil
	}
	var email string
	err := tx.QueryRow(ctx, `SELECT value FROM customer_identities WHERE customer_id = ? AND kind = 'email' ORDER BY value LIMIT 1`, o.CustomerID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return email, err
}

func requestSubject(r Request) string {
	if r.Kind == KindCancel {
		return "Cancel request for order " + orderLabel(r.Order)
	}
	return "Return request for order " + orderLabel(r.Order)
}

func orderLabel(name string) string {
	if strings.HasPrefix(name, "#") {
		return name
	}
	return "#" + name
}

// requestBody is the request as the agent reads it: what was asked, what
// the policy said, and the customer's own words.
func requestBody(r Request) string {
	var b strings.Builder
	verb := "return"
	if r.Kind == KindCancel {
		verb = "cancel"
	}
	fmt.Fprintf(&b, "I asked to %s order %s in the help centre", verb, orderLabel(r.Order))
	if r.Status == RequestRefused && r.RefusalText != "" {
		fmt.Fprintf(&b, " and was told: %s", r.RefusalText)
	}
	b.WriteString("\nI would like a person to look at it.\n\n")
	fmt.Fprintf(&b, "Request %d (%s), %s\n", r.ID, r.Kind, r.CreatedAt.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Order: %s\n", orderLabel(r.Order))
	if r.Refusal != "" {
		fmt.Fprintf(&b, "Refused: %s\n", r.Refusal)
	}
	if len(r.Lines) > 0 {
		b.WriteString("Items:\n")
		for _, l := range r.Lines {
			fmt.Fprintf(&b, "- %d × %s", l.Quantity, l.Title)
			if l.SKU != "" && l.SKU != l.Title {
				fmt.Fprintf(&b, " (%s)", l.SKU)
			}
			b.WriteString("\n")
		}
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, "Reason: %s\n", r.Reason)
	}
	return b.String()
}

// ListOptions filter Requests.
type ListOptions struct {
	Status string // one of RequestStatuses, or all
	Limit  int    // newest first; 100 when zero
}

// Requests lists requests, newest first.
func Requests(ctx context.Context, q Querier, opt ListOptions) ([]Request, error) {
	if opt.Limit <= 0 {
		opt.Limit = 100
	}
	where, args := "1 = 1", []any{}
	switch opt.Status {
	case "":
	case RequestConfirmed:
		where = "r.status = ? AND " + confirmedSQL
		args = append(args, RequestRequested)
	case RequestRequested:
		where = "r.status = ? AND NOT " + confirmedSQL
		args = append(args, RequestRequested)
	case RequestRefused, RequestEscalated:
		where, args = "r.status = ?", append(args, opt.Status)
	default:
		return nil, &domain.Error{Code: domain.EInvalid, Message: "cannot list requests", Fields: domain.Problems{{Field: "status", Reason: fmt.Sprintf("%q is not one of %s", opt.Status, strings.Join(RequestStatuses, ", "))}}}
	}
	return requestsOf(ctx, q, where, args, opt.Limit)
}

// confirmedSQL holds for a request the shop has since confirmed: a return
// of its order stored at or after it, or for a cancel the order's
// cancellation.
const confirmedSQL = `(CASE WHEN r.kind = 'cancel' THEN EXISTS (SELECT 1 FROM orders co WHERE co.id = r.order_id AND (co.cancelled_at IS NOT NULL OR co.status = 'cancelled'))
	ELSE EXISTS (SELECT 1 FROM returns rt WHERE rt.order_id = r.order_id AND rt.returned_at >= r.created_at) END)`

// requestsOf reads requests matching where (over selfserve_requests r),
// newest first; limit 0 reads all.
func requestsOf(ctx context.Context, q Querier, where string, args []any, limit int) ([]Request, error) {
	query := `SELECT r.id, o.name, o.external_id, r.kind, r.status, r.refusal, r.refusal_text, r.reason, r.address, r.created_at, r.escalated_at,
			COALESCE(r.conversation_id, 0), ` + confirmedSQL + `
		FROM selfserve_requests r JOIN orders o ON o.id = r.order_id WHERE ` + where + ` ORDER BY r.created_at DESC, r.id DESC`
	if limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []Request
	for rows.Next() {
		var r Request
		var created int64
		var escalated sql.NullInt64
		var confirmed bool
		if err := rows.Scan(&r.ID, &r.Order, &r.OrderExternalID, &r.Kind, &r.Status, &r.Refusal, &r.RefusalText, &r.Reason, &r.Address, &created, &escalated,
			&r.ConversationID, &confirmed); err != nil {
			rows.Close()
			return nil, err
		}
		if r.Order == "" {
			r.Order = r.OrderExternalID
		}
		r.CreatedAt, r.EscalatedAt = time.Unix(created, 0).UTC(), unixPtr(escalated)
		if r.Status == RequestRequested && confirmed {
			r.Status = RequestConfirmed
		}
		r.Lines = []RequestLine{}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		lr, err := q.Query(ctx, `SELECT line_key, sku, title, quantity FROM selfserve_request_lines WHERE request_id = ? ORDER BY line_key`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for lr.Next() {
			var l RequestLine
			if err := lr.Scan(&l.Key, &l.SKU, &l.Title, &l.Quantity); err != nil {
				lr.Close()
				return nil, err
			}
			out[i].Lines = append(out[i].Lines, l)
		}
		lr.Close()
		if err := lr.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OrderRequests lists the requests of the order c proves, newest first.
func OrderRequests(ctx context.Context, q Querier, o *Order) ([]Request, error) {
	return requestsOf(ctx, q, `r.order_id = ?`, []any{o.ID}, 0)
}
