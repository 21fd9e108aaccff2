// Package commerce keeps the store's customers, orders, order lines,
// fulfilment events and returns.
package commerce

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// CustomerRef is everything a record says about who the customer is. Any of
// the identifiers may be empty; a record that carries two identifiers known
// to belong to two different customers proves they are the same person, and
// the two are merged.
type CustomerRef struct {
	ExternalID string `json:"customer_id,omitempty"`
	// System is the system that issued ExternalID: "customer" for the brand's
	// own ids, or shopify, zendesk, gorgias.
	System string `json:"-"`
	Email  string `json:"customer_email,omitempty"`
	Phone  string `json:"customer_phone,omitempty"`
	Name   string `json:"customer_name,omitempty"`
}

type identity struct{ kind, value string }

func (r CustomerRef) identities() []identity {
	var ids []identity
	if r.ExternalID != "" {
		sys := r.System
		if sys == "" {
			sys = "customer"
		}
		ids = append(ids, identity{sys, strings.TrimSpace(r.ExternalID)})
	}
	if e := NormalizeEmail(r.Email); e != "" {
		ids = append(ids, identity{"email", e})
	}
	if p := NormalizePhone(r.Phone); p != "" {
		ids = append(ids, identity{"phone", p})
	}
	return ids
}

// IsEmpty reports whether the reference names nobody.
func (r CustomerRef) IsEmpty() bool { return len(r.identities()) == 0 }

// NormalizeEmail lowercases and trims an address so that one person's mail
// matches whatever case their order was placed in.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizePhone keeps the digits and a leading plus.
func NormalizePhone(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		if r == '+' && i == 0 || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() < 5 {
		return ""
	}
	return b.String()
}

// Customers resolves customer references to customer ids inside write
// transactions. It caches what it has seen, because an import names the
// same customers over and over; the cache is only trusted after the
// transaction that filled it commits (Commit) and is dropped otherwise
// (Discard).
type Customers struct {
	cache   map[identity]int64
	pending map[identity]int64
	Now     func() time.Time
}

// maxCachedIdentities bounds the cache so memory stays flat on huge imports.
const maxCachedIdentities = 300_000

// NewCustomers returns a resolver with an empty cache.
func NewCustomers() *Customers {
	return &Customers{cache: map[identity]int64{}, pending: map[identity]int64{}, Now: time.Now}
}

// Commit trusts what the last transaction resolved.
func (c *Customers) Commit() {
	if len(c.cache)+len(c.pending) > maxCachedIdentities {
		c.cache = map[identity]int64{}
	}
	for k, v := range c.pending {
		c.cache[k] = v
	}
	c.pending = map[identity]int64{}
}

// Discard forgets what the last (rolled back) transaction resolved.
func (c *Customers) Discard() { c.pending = map[identity]int64{} }

func (c *Customers) lookup(id identity) (int64, bool) {
	if v, ok := c.pending[id]; ok {
		return v, true
	}
	v, ok := c.cache[id]
	return v, ok
}

// Prefetch loads, in a few queries, the stored identities of a batch of
// references, so that resolving them one by one costs no round trip for
// customers already known.
func (c *Customers) Prefetch(ctx context.Context, tx *store.Tx, refs []CustomerRef) error {
	byKind := map[string][]any{}
	seen := map[identity]bool{}
	for _, r := range refs {
		for _, id := range r.identities() {
			if _, ok := c.lookup(id); !ok && !seen[id] {
				seen[id] = true
				byKind[id.kind] = append(byKind[id.kind], id.value)
			}
		}
	}
	for kind, values := range byKind {
		for start := 0; start < len(values); start += 500 {
			part := values[start:min(start+500, len(values))]
			rows, err := tx.Query(ctx, `SELECT value, customer_id FROM customer_identities WHERE kind = ? AND value IN (`+store.Placeholders(len(part))+`)`, append([]any{kind}, part...)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				id := identity{kind: kind}
				var cid int64
				if err := rows.Scan(&id.value, &cid); err != nil {
					rows.Close()
					return err
				}
				c.pending[id] = cid
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Resolve returns the customer the reference names, creating the customer
// and recording new identifiers as needed, and merging customers that the
// reference proves are one. It returns 0 for an empty reference.
func (c *Customers) Resolve(ctx context.Context, tx *store.Tx, ref CustomerRef) (int64, error) {
	ids := ref.identities()
	if len(ids) == 0 {
		return 0, nil
	}
	found := map[int64]bool{}
	var missing []identity
	for _, id := range ids {
		if cid, ok := c.lookup(id); ok {
			found[cid] = true
			continue
		}
		var cid int64
		err := tx.QueryRow(ctx, `SELECT customer_id FROM customer_identities WHERE kind = ? AND value = ?`, id.kind, id.value).Scan(&cid)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			missing = append(missing, id)
		case err != nil:
			return 0, err
		default:
			found[cid] = true
			c.pending[id] = cid
		}
	}
	var survivor int64
	switch len(found) {
	case 0:
		err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES (?, ?) RETURNING id`, ref.Name, c.Now().Unix()).Scan(&survivor)
		if err != nil {
			return 0, err
		}
	case 1:
		for id := range found {
			survivor = id
		}
	default:
		all := make([]int64, 0, len(found))
		for id := range found {
			all = append(all, id)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		survivor = all[0]
		for _, gone := range all[1:] {
			if err := Merge(ctx, tx, survivor, gone); err != nil {
				return 0, err
			}
		}
		// Cached identities may point at a merged-away customer.
		c.cache = map[identity]int64{}
		c.pending = map[identity]int64{}
	}
	for _, id := range missing {
		if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES (?, ?, ?) ON CONFLICT (kind, value) DO NOTHING`, id.kind, id.value, survivor); err != nil {
			return 0, err
		}
	}
	for _, id := range ids {
		c.pending[id] = survivor
	}
	return survivor, nil
}

// mergeTables lists every table that points at a customer.
var mergeTables = []string{"customer_identities", "orders", "conversations", "contacts", "messages", "self_service_sessions"}

// Merge moves everything of customer gone onto customer survivor and marks
// gone as merged, so lookups of its old id can still be followed.
func Merge(ctx context.Context, tx *store.Tx, survivor, gone int64) error {
	if survivor == gone {
		return nil
	}
	for _, t := range mergeTables {
		if _, err := tx.Exec(ctx, `UPDATE `+t+` SET customer_id = ? WHERE customer_id = ?`, survivor, gone); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `UPDATE customers SET merged_into = ? WHERE id = ? OR merged_into = ?`, survivor, gone, gone)
	return err
}
