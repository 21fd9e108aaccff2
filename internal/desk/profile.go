package desk

// A customer's profile, shown beside the timeline
// (docs/customers.md#the-profile), and customer search.

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// CustomerProfile is who a customer is and what their history adds up to.
type CustomerProfile struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	Emails    []string  `json:"emails"`
	Phones    []string  `json:"phones"`
	// ExternalIDs are the ids other systems know the customer by, by
	// system (customer for the brand's own, shopify, zendesk, gorgias…).
	ExternalIDs map[string][]string `json:"external_ids"`
	Orders      LifetimeOrders      `json:"orders"`
	// Contacts are all the customer's contacts, on every channel.
	Contacts       int `json:"contacts"`
	RepeatContacts int `json:"repeat_contacts"`
	// CPO is the customer's contacts per order over their lifetime: Contacts
	// ÷ Orders.Count, null without an order.
	CPO               *float64              `json:"cpo"`
	OpenConversations []ConversationSummary `json:"open_conversations"`
	// MergedIDs are the customers merged into this one; their ids resolve
	// to it.
	MergedIDs []int64 `json:"merged_ids"`
	// Merges are the merges into this customer, newest first, undone ones
	// included.
	Merges []CustomerMerge `json:"merges"`
}

// LifetimeOrders sums a customer's orders processed
// (docs/metrics.md#orders-processed), their money in the store's currency.
type LifetimeOrders struct {
	Count int `json:"count"`
	// Value is their net revenue: items − discounts + shipping.
	Value    domain.Money `json:"value"`
	Currency string       `json:"currency"`
	First    *time.Time   `json:"first_at"`
	Last     *time.Time   `json:"last_at"`
}

// ConversationSummary is a conversation in a list.
type ConversationSummary struct {
	ID            int64     `json:"id"`
	Subject       string    `json:"subject"`
	State         string    `json:"state"`
	Channel       string    `json:"channel"`
	LastMessageAt time.Time `json:"last_message_at"`
}

// ordersProcessed is docs/metrics.md#orders-processed for orders o: not a
// test order, and not cancelled before it was fulfilled. It must say what
// the metrics engine's definition says.
const ordersProcessed = `o.status <> 'test' AND NOT ((o.cancelled_at IS NOT NULL OR o.status = 'cancelled')
	AND (o.fulfilled_at IS NULL OR (o.cancelled_at IS NOT NULL AND o.cancelled_at < o.fulfilled_at)))`

// Profile returns a customer's profile; a merged-away id answers with the
// survivor's.
func Profile(ctx context.Context, q Querier, customerID int64) (CustomerProfile, error) {
	p := CustomerProfile{Emails: []string{}, Phones: []string{}, ExternalIDs: map[string][]string{}, OpenConversations: []ConversationSummary{}, MergedIDs: []int64{}}
	id, err := ResolveCustomer(ctx, q, customerID)
	if err != nil {
		return p, err
	}
	var created int64
	if err := q.QueryRow(ctx, `SELECT id, name, created_at FROM customers WHERE id = ?`, id).Scan(&p.ID, &p.Name, &created); err != nil {
		return p, err
	}
	p.CreatedAt = unixUTC(created)

	err = queryEach(ctx, q, `SELECT kind, value FROM customer_identities WHERE customer_id = ? ORDER BY kind, value`, []any{id}, func(rows *sql.Rows) error {
		var kind, value string
		if err := rows.Scan(&kind, &value); err != nil {
			return err
		}
		switch kind {
		case "email":
			p.Emails = append(p.Emails, value)
		case "phone":
			p.Phones = append(p.Phones, value)
		default:
			p.ExternalIDs[kind] = append(p.ExternalIDs[kind], value)
		}
		return nil
	})
	if err != nil {
		return p, err
	}

	var first, last sql.NullInt64
	if err := q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(o.item_revenue - o.discounts + o.shipping_charged), 0), MIN(o.placed_at), MAX(o.placed_at)
		FROM orders o WHERE o.customer_id = ? AND `+ordersProcessed, id).Scan(&p.Orders.Count, &p.Orders.Value, &first, &last); err != nil {
		return p, err
	}
	p.Orders.First, p.Orders.Last = nullableTime(first), nullableTime(last)
	if p.Orders.Currency, err = storeCurrency(ctx, q); err != nil {
		return p, err
	}

	var repeats sql.NullInt64
	if err := q.QueryRow(ctx, `SELECT COUNT(*), SUM(CASE WHEN is_repeat THEN 1 ELSE 0 END) FROM contacts WHERE customer_id = ?`, id).Scan(&p.Contacts, &repeats); err != nil {
		return p, err
	}
	p.RepeatContacts = int(repeats.Int64)
	if p.Orders.Count > 0 {
		cpo := float64(p.Contacts) / float64(p.Orders.Count)
		p.CPO = &cpo
	}

	err = queryEach(ctx, q, `SELECT id, subject, state, channel, last_message_at FROM conversations
		WHERE customer_id = ? AND state <> 'closed' ORDER BY last_message_at DESC, id DESC LIMIT 50`, []any{id}, func(rows *sql.Rows) error {
		var c ConversationSummary
		var at int64
		if err := rows.Scan(&c.ID, &c.Subject, &c.State, &c.Channel, &at); err != nil {
			return err
		}
		c.LastMessageAt = unixUTC(at)
		p.OpenConversations = append(p.OpenConversations, c)
		return nil
	})
	if err != nil {
		return p, err
	}
	err = queryEach(ctx, q, `SELECT id FROM customers WHERE merged_into = ? ORDER BY id`, []any{id}, func(rows *sql.Rows) error {
		var m int64
		err := rows.Scan(&m)
		p.MergedIDs = append(p.MergedIDs, m)
		return err
	})
	if err != nil {
		return p, err
	}
	p.Merges, err = CustomerMerges(ctx, q, id)
	return p, err
}

// storeCurrency is the store's currency setting, "" until one is known.
func storeCurrency(ctx context.Context, q Querier) (string, error) {
	var c string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, commerce.CurrencySetting).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}

// CustomerSummary is a customer in a list of search results.
type CustomerSummary struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Emails []string `json:"emails"`
	Phones []string `json:"phones"`
	// Matched says what the search found: name, email, phone, order,
	// external_id or id.
	Matched string `json:"matched"`
}

// MaxSearchResults bounds a customer search.
const MaxSearchResults = 50

// SearchCustomers finds customers by what an agent has at hand: an order
// number, an email address or its start, a phone number, an external id,
// the start of a name, or a customer id. Customers merged away are found
// as their survivor. Each way is one indexed lookup.
func SearchCustomers(ctx context.Context, q Querier, text string) ([]CustomerSummary, error) {
	text = strings.TrimSpace(text)
	out := []CustomerSummary{}
	if text == "" {
		return out, nil
	}
	if len(text) > 200 {
		return out, &domain.Error{Code: domain.EInvalid, Message: "bad search",
			Fields: []domain.FieldError{{Field: "q", Reason: "is longer than 200 characters"}}}
	}
	found := map[int64]string{} // customer → how it was found
	var order []int64
	add := func(id int64, how string) error {
		id, err := ResolveCustomer(ctx, q, id)
		if err != nil {
			return err
		}
		if _, seen := found[id]; !seen && len(order) < MaxSearchResults {
			found[id] = how
			order = append(order, id)
		}
		return nil
	}
	lookup := func(how, query string, args ...any) error {
		var ids []int64
		err := queryEach(ctx, q, query, args, func(rows *sql.Rows) error {
			var id sql.NullInt64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if id.Valid {
				ids = append(ids, id.Int64)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := add(id, how); err != nil {
				return err
			}
		}
		return nil
	}
	limit := MaxSearchResults
	bare := strings.TrimPrefix(text, "#")
	if err := lookup("order", `SELECT customer_id FROM orders WHERE name = ? OR name = ? OR external_id = ? LIMIT ?`, text, "#"+bare, bare, limit); err != nil {
		return nil, err
	}
	if email := commerce.NormalizeEmail(text); strings.Contains(email, "@") {
		if err := lookup("email", `SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = ?`, email); err != nil {
			return nil, err
		}
	}
	if phone := commerce.NormalizePhone(text); phone != "" && strings.Trim(text, "+0123456789 ()-.") == "" {
		if err := lookup("phone", `SELECT customer_id FROM customer_identities WHERE kind = 'phone' AND value = ?`, phone); err != nil {
			return nil, err
		}
	}
	if err := lookup("external_id", `SELECT customer_id FROM customer_identities WHERE value = ? AND kind NOT IN ('email', 'phone') LIMIT ?`, text, limit); err != nil {
		return nil, err
	}
	if id, err := strconv.ParseInt(bare, 10, 64); err == nil && id > 0 && strings.Trim(bare, "0123456789") == "" {
		if err := lookup("id", `SELECT id FROM customers WHERE id = ?`, id); err != nil {
			return nil, err
		}
	}
	// Prefixes last: an exact match ranks first.
	if lo, hi, ok := prefixRange(strings.ToLower(text)); ok {
		if err := lookup("email", `SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value >= ? AND value < ? ORDER BY value LIMIT ?`, lo, hi, limit); err != nil {
			return nil, err
		}
		if err := lookup("name", `SELECT id FROM customers WHERE lower(name) >= ? AND lower(name) < ? ORDER BY lower(name), id LIMIT ?`, lo, hi, limit); err != nil {
			return nil, err
		}
	}
	if len(order) == 0 {
		return out, nil
	}
	byID := map[int64]*CustomerSummary{}
	for _, id := range order {
		out = append(out, CustomerSummary{ID: id, Matched: found[id], Emails: []string{}, Phones: []string{}})
	}
	for i := range out {
		byID[out[i].ID] = &out[i]
	}
	args := store.Args(order)
	err := queryEach(ctx, q, `SELECT id, name FROM customers WHERE id IN (`+store.Placeholders(len(args))+`)`, args, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		byID[id].Name = name
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = queryEach(ctx, q, `SELECT customer_id, kind, value FROM customer_identities WHERE kind IN ('email', 'phone') AND customer_id IN (`+store.Placeholders(len(args))+`) ORDER BY value`,
		args, func(rows *sql.Rows) error {
			var id int64
			var kind, value string
			if err := rows.Scan(&id, &kind, &value); err != nil {
				return err
			}
			if kind == "email" {
				byID[id].Emails = append(byID[id].Emails, value)
			} else {
				byID[id].Phones = append(byID[id].Phones, value)
			}
			return nil
		})
	return out, err
}

// prefixRange is the range of strings that start with p, in byte order:
// [p, p with its last byte raised). SQLite compares text that way, and
// PostgreSQL does under the C collation; under a language's collation the
// range may miss a name that sorts apart from its prefix (punctuation),
// which a search by the start of a name can live with.
func prefixRange(p string) (lo, hi string, ok bool) {
	b := []byte(p)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return "", "", false
	}
	b[len(b)-1]++
	return p, string(b), true
}

// FindCustomer names one customer by an id, an email address, a phone
// number or an external id, as a merge form takes it. It fails when none
// or more than one customer is named.
func FindCustomer(ctx context.Context, q Querier, ref string) (int64, error) {
	ref = strings.TrimSpace(ref)
	var ids []int64
	collect := func(query string, args ...any) error {
		return queryEach(ctx, q, query, args, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if id, err := ResolveCustomer(ctx, q, id); err != nil {
				return err
			} else if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
			return nil
		})
	}
	if ref == "" {
		return 0, domain.Errorf(domain.EInvalid, "name a customer: an id, an email address or a phone number")
	}
	var err error
	if strings.Contains(ref, "@") {
		err = collect(`SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = ?`, commerce.NormalizeEmail(ref))
	} else {
		// Digits may be an id, a phone number or another system's id: a
		// number that is more than one of them names nobody for sure.
		if strings.Trim(ref, "0123456789") == "" {
			if n, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
				err = collect(`SELECT id FROM customers WHERE id = ?`, n)
			}
		}
		if err == nil {
			err = collect(`SELECT customer_id FROM customer_identities WHERE (kind = 'phone' AND value = ?) OR value = ?`, commerce.NormalizePhone(ref), ref)
		}
	}
	switch {
	case err != nil:
		return 0, err
	case len(ids) == 0:
		return 0, domain.Errorf(domain.ENotFound, "no customer is %q", ref)
	case len(ids) > 1:
		return 0, domain.Errorf(domain.EInvalid, "%q names %d customers: give the customer's id", ref, len(ids))
	}
	return ids[0], nil
}
