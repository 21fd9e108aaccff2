// Package commerce keeps the store's customers, orders, order lines,
// fulfilment events and returns.
package commerce

import (
	"context"
	"database/sql"
	"hash/fnv"
	"quietdesk/internal/clock"
	"slices"
	"strings"

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
// transactions, a batch at a time. It caches what it has seen, because an
// import names the same customers over and over; the cache is only trusted
// after the transaction that filled it commits (Commit) and is dropped
// otherwise (Discard).
//
// The cache is keyed by a 64-bit hash of the identity so that a million
// identities fit in a few tens of megabytes; two identities colliding has a
// chance of about one in 10^7 per million-customer store.
type Customers struct {
	cache   map[uint64]int64
	pending map[uint64]int64
	// merged maps a merged-away customer to the one that absorbed it, so
	// cached identities of either resolve to the survivor.
	merged map[int64]int64
	now    clock.Clock
}

// maxCachedIdentities bounds the cache so memory stays flat on huge imports.
const maxCachedIdentities = 500_000

// NewCustomers returns a resolver with an empty cache that stamps new
// customers with the time from now.
func NewCustomers(now clock.Clock) *Customers {
	return &Customers{cache: map[uint64]int64{}, pending: map[uint64]int64{}, merged: map[int64]int64{}, now: now}
}

// Commit trusts what the last transaction resolved.
func (c *Customers) Commit() {
	if len(c.cache)+len(c.pending) > maxCachedIdentities {
		c.cache = map[uint64]int64{}
	}
	for k, v := range c.pending {
		c.cache[k] = v
	}
	c.pending = map[uint64]int64{}
}

// Discard forgets what the last (rolled back) transaction resolved. Merges
// are forgotten too: the cache is emptied, which is always safe.
func (c *Customers) Discard() {
	c.pending = map[uint64]int64{}
	c.cache = map[uint64]int64{}
	c.merged = map[int64]int64{}
}

func (id identity) hash() uint64 {
	h := fnv.New64a()
	h.Write([]byte(id.kind))
	h.Write([]byte{0})
	h.Write([]byte(id.value))
	return h.Sum64()
}

func (c *Customers) lookup(h uint64) (int64, bool) {
	v, ok := c.pending[h]
	if !ok {
		v, ok = c.cache[h]
	}
	if !ok {
		return 0, false
	}
	for {
		next, merged := c.merged[v]
		if !merged {
			return v, true
		}
		v = next
	}
}

// Prefetch loads, in a few queries, the stored identities of a batch of
// references, so that resolving them costs no round trip for customers
// already known.
func (c *Customers) Prefetch(ctx context.Context, tx *store.Tx, refs []CustomerRef) error {
	byKind := map[string][]any{}
	seen := map[uint64]bool{}
	for _, r := range refs {
		for _, id := range r.identities() {
			h := id.hash()
			if _, ok := c.lookup(h); !ok && !seen[h] {
				seen[h] = true
				byKind[id.kind] = append(byKind[id.kind], id.value)
			}
		}
	}
	return storedIdentities(ctx, tx, byKind, func(id identity, cid int64) { c.pending[id.hash()] = cid })
}

// storedIdentities reads the stored owners of identities, given their
// values grouped by kind, a few hundred per query.
func storedIdentities(ctx context.Context, tx *store.Tx, byKind map[string][]any, found func(id identity, customerID int64)) error {
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
				found(id, cid)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Resolve returns the customer one reference names; see ResolveAll.
func (c *Customers) Resolve(ctx context.Context, tx *store.Tx, ref CustomerRef) (int64, error) {
	ids, err := c.ResolveAll(ctx, tx, []CustomerRef{ref})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// ResolveAll returns the customer each reference names (0 for an empty
// one), creating customers and recording new identifiers as needed, and
// merging customers that a reference proves are one person.
//
// New customers get temporary negative ids while the batch is read, so
// that later references in the same batch find them; then real ids are
// reserved and the customers and their identities are inserted many rows
// per statement.
func (c *Customers) ResolveAll(ctx context.Context, tx *store.Tx, refs []CustomerRef) ([]int64, error) {
	if err := c.Prefetch(ctx, tx, refs); err != nil {
		return nil, err
	}
	out := make([]int64, len(refs))
	type newIdentity struct {
		id       identity
		customer int64
	}
	var added []newIdentity
	var names []string // of new customers; temp id -(i+1)
	for i, ref := range refs {
		ids := ref.identities()
		if len(ids) == 0 {
			continue
		}
		var found []int64
		var missing []identity
		for _, id := range ids {
			if cid, ok := c.lookup(id.hash()); ok {
				if !slices.Contains(found, cid) {
					found = append(found, cid)
				}
			} else {
				missing = append(missing, id)
			}
		}
		var survivor int64
		switch {
		case len(found) == 0:
			names = append(names, ref.Name)
			survivor = -int64(len(names))
		default:
			// Stored customers win over new ones, and the oldest wins.
			slices.SortFunc(found, func(a, b int64) int {
				if (a > 0) != (b > 0) {
					if a > 0 {
						return -1
					}
					return 1
				}
				if a > 0 {
					return int(a - b)
				}
				return int(b - a) // -1 was created before -2
			})
			survivor = found[0]
			for _, gone := range found[1:] {
				if gone > 0 {
					if err := Merge(ctx, tx, survivor, gone); err != nil {
						return nil, err
					}
				}
				c.merged[gone] = survivor
			}
		}
		for _, id := range missing {
			c.pending[id.hash()] = survivor
			added = append(added, newIdentity{id, survivor})
		}
		out[i] = survivor
	}
	if len(names) == 0 && len(added) == 0 {
		return out, nil
	}

	real, err := store.ReserveIDs(ctx, tx, "customers", len(names))
	if err != nil {
		return nil, err
	}
	final := func(id int64) int64 {
		for {
			if next, ok := c.merged[id]; ok {
				id = next
				continue
			}
			if id < 0 {
				id = real[-id-1] // a new customer may itself have been merged
				continue
			}
			return id
		}
	}
	now := c.now().Unix()
	custRows := make([][]any, 0, len(names))
	for i, name := range names {
		temp := -int64(i + 1)
		if _, gone := c.merged[temp]; !gone {
			custRows = append(custRows, []any{real[i], name, now})
		}
	}
	if err := store.InsertRows(ctx, tx, "customers", []string{"id", "name", "created_at"}, custRows, ""); err != nil {
		return nil, err
	}
	idRows := make([][]any, len(added))
	for i, a := range added {
		idRows[i] = []any{a.id.kind, a.id.value, final(a.customer)}
	}
	if err := store.InsertRows(ctx, tx, "customer_identities", []string{"kind", "value", "customer_id"}, idRows, "ON CONFLICT (kind, value) DO NOTHING"); err != nil {
		return nil, err
	}
	if tx.DB().Dialect == store.Postgres {
		if err := c.adoptConcurrentWinners(ctx, tx, idRows); err != nil {
			return nil, err
		}
	}
	for i := range out {
		if out[i] != 0 {
			out[i] = final(out[i])
		}
	}
	for h, v := range c.pending {
		if v < 0 {
			c.pending[h] = final(v)
		}
	}
	for temp := range c.merged {
		if temp < 0 {
			delete(c.merged, temp)
		}
	}
	return out, nil
}

// adoptConcurrentWinners handles two PostgreSQL transactions creating the
// same new customer at once: the second one's identity insert does nothing,
// so the identity already belongs to the first one's customer. Ours is then
// merged into that one, as if the identity had been found in the first
// place. (SQLite has a single writer, so this cannot happen there.)
func (c *Customers) adoptConcurrentWinners(ctx context.Context, tx *store.Tx, written [][]any) error {
	ours := map[identity]int64{}
	byKind := map[string][]any{}
	for _, row := range written {
		id := identity{row[0].(string), row[1].(string)}
		ours[id] = row[2].(int64)
		byKind[id.kind] = append(byKind[id.kind], id.value)
	}
	winners := map[int64]int64{} // our customer → the stored one
	err := storedIdentities(ctx, tx, byKind, func(id identity, stored int64) {
		if mine := ours[id]; stored != mine {
			winners[mine] = stored
			c.pending[id.hash()] = stored
		}
	})
	if err != nil {
		return err
	}
	for mine, stored := range winners {
		if err := Merge(ctx, tx, stored, mine); err != nil {
			return err
		}
		c.merged[mine] = stored
	}
	return nil
}

// mergeTables lists every table that points at a customer, beside
// customer_identities: desk_events are agents' notes and actions on the
// customer's timeline.
var mergeTables = []string{"orders", "conversations", "contacts", "messages", "self_service_sessions", "desk_events"}

// Merge moves everything of customer gone onto customer survivor and marks
// gone as merged, so lookups of its old id can still be followed.
func Merge(ctx context.Context, tx *store.Tx, survivor, gone int64) error {
	_, err := MergeMoving(ctx, tx, survivor, gone)
	return err
}

// MergeMoved is what one merge moved: the ids of the rows of each table
// that points at a customer, the identities (kind and value, their key),
// and the customers merged earlier into the one merged away, which now
// point at the survivor. An unmerge moves exactly these back.
type MergeMoved struct {
	Rows       map[string][]int64 `json:"rows"`
	Identities [][2]string        `json:"customer_identities"`
	Customers  []int64            `json:"customers"`
}

// MergeMoving is Merge, reporting every row it moved.
func MergeMoving(ctx context.Context, tx *store.Tx, survivor, gone int64) (MergeMoved, error) {
	moved := MergeMoved{Rows: map[string][]int64{}, Identities: [][2]string{}, Customers: []int64{}}
	if survivor == gone {
		return moved, nil
	}
	each := func(query string, scan func(*sql.Rows) error) error {
		rows, err := tx.Query(ctx, query, survivor, gone)
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
	err := each(`UPDATE customer_identities SET customer_id = ? WHERE customer_id = ? RETURNING kind, value`, func(rows *sql.Rows) error {
		var id [2]string
		err := rows.Scan(&id[0], &id[1])
		moved.Identities = append(moved.Identities, id)
		return err
	})
	if err != nil {
		return moved, err
	}
	for _, t := range slices.Concat(mergeTables, []string{"customers"}) {
		query := `UPDATE ` + t + ` SET customer_id = ? WHERE customer_id = ? RETURNING id`
		if t == "customers" {
			query = `UPDATE customers SET merged_into = ? WHERE merged_into = ? RETURNING id`
		}
		ids := []int64{}
		err := each(query, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil {
			return moved, err
		}
		if t == "customers" {
			moved.Customers = ids
		} else {
			moved.Rows[t] = ids
		}
	}
	_, err = tx.Exec(ctx, `UPDATE customers SET merged_into = ? WHERE id = ?`, survivor, gone)
	return moved, err
}
