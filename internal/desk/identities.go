package desk

// Merging and unmerging customers by hand (docs/customers.md#identities-and-merges).
// An agent who sees that two customers are one person merges them: every
// identity, order, conversation, contact, message, self-service session
// and desk event of the one merged away moves to the survivor, and the
// merge records exactly which rows moved, so that undoing it moves exactly
// those back. The merged-away id keeps resolving to the survivor while
// the merge stands.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Desk event kinds of merges, on the customers' timelines.
const (
	EventMerge   = "merge"
	EventUnmerge = "unmerge"
)

// CustomerMerge is one merge of a customer into another.
type CustomerMerge struct {
	ID         int64      `json:"id"`
	SurvivorID int64      `json:"survivor_id"`
	MergedID   int64      `json:"merged_id"`
	Actor      string     `json:"actor"` // "" when made through the API
	At         time.Time  `json:"at"`
	UndoneAt   *time.Time `json:"undone_at"`
	// Moved counts the rows the merge moved, by table.
	Moved map[string]int `json:"moved"`
}

// movableTables are the tables an unmerge may move rows of: those a merge
// moves (commerce.MergeMoving). A merge recorded with another table is
// refused rather than half undone.
var movableTables = map[string]bool{"orders": true, "conversations": true, "contacts": true, "messages": true, "self_service_sessions": true, "desk_events": true}

func fieldError(code, message, field, reason string, args ...any) *domain.Error {
	return &domain.Error{Code: code, Message: message, Fields: []domain.FieldError{{Field: field, Reason: fmt.Sprintf(reason, args...)}}}
}

// MergeCustomers merges customer gone into customer survivor, as user
// actorUserID (0 for an API token) did at at. It refuses a customer merged
// into itself, and a survivor or a customer that was merged away already;
// asked again for a merge that stands, it changes nothing and returns it.
// The merge is an event on the survivor's timeline.
func MergeCustomers(ctx context.Context, tx *store.Tx, survivor, gone, actorUserID int64, at time.Time) (CustomerMerge, error) {
	var m CustomerMerge
	const refused = "the customers cannot be merged"
	if survivor == gone {
		return m, fieldError(domain.EInvalid, refused, "customer_id", "is customer %d itself: a customer cannot be merged into itself", survivor)
	}
	if err := lockCustomers(ctx, tx, survivor, gone); err != nil {
		return m, err
	}
	into, err := mergedInto(ctx, tx, survivor)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return m, domain.Errorf(domain.ENotFound, "customer %d does not exist", survivor)
	case err != nil:
		return m, err
	case into != 0:
		return m, fieldError(domain.EInvalid, refused, "id", "customer %d was merged into customer %d: merge into %d instead", survivor, into, into)
	}
	into, err = mergedInto(ctx, tx, gone)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return m, fieldError(domain.EInvalid, refused, "customer_id", "customer %d does not exist", gone)
	case err != nil:
		return m, err
	case into == survivor:
		if existing, err := standingMerge(ctx, tx, survivor, gone); err == nil {
			return existing, nil // the same merge asked for again
		} else if !errors.Is(err, sql.ErrNoRows) {
			return m, err
		}
		fallthrough
	case into != 0:
		return m, fieldError(domain.EInvalid, refused, "customer_id", "customer %d was already merged into customer %d", gone, into)
	}

	moved, err := commerce.MergeMoving(ctx, tx, survivor, gone)
	if err != nil {
		return m, err
	}
	record, err := json.Marshal(moved)
	if err != nil {
		return m, err
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO customer_merges (survivor_id, merged_id, moved, actor_id, at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		survivor, gone, string(record), nullID(actorUserID), at.Unix()).Scan(&id); err != nil {
		return m, err
	}
	if err := mergeEvent(ctx, tx, survivor, EventMerge, MergeRef{ID: id, SurvivorID: survivor, MergedID: gone}, actorUserID, at); err != nil {
		return m, err
	}
	if err := refreshAfterMerge(ctx, tx, survivor, gone); err != nil {
		return m, err
	}
	return loadMerge(ctx, tx, id)
}

// UnmergeCustomers undoes merge mergeID, as user actor did at at: the rows
// it moved go back to the customer merged away, whose id no longer
// resolves to the survivor, and customers merged earlier into that one
// point at it again. Rows written since the merge stay with the survivor.
// Undoing a merge already undone changes nothing. A merge whose survivor
// was merged away since is refused: that later merge is undone first.
func UnmergeCustomers(ctx context.Context, tx *store.Tx, mergeID, actor int64, at time.Time) (CustomerMerge, error) {
	var survivor, gone int64
	var record string
	var undone sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT survivor_id, merged_id, moved, undone_at FROM customer_merges WHERE id = ?`, mergeID).Scan(&survivor, &gone, &record, &undone)
	if errors.Is(err, sql.ErrNoRows) {
		return CustomerMerge{}, domain.Errorf(domain.ENotFound, "merge %d does not exist", mergeID)
	}
	if err != nil {
		return CustomerMerge{}, err
	}
	if undone.Valid {
		return loadMerge(ctx, tx, mergeID)
	}
	if err := lockCustomers(ctx, tx, survivor, gone); err != nil {
		return CustomerMerge{}, err
	}
	if into, err := mergedInto(ctx, tx, survivor); err != nil {
		return CustomerMerge{}, err
	} else if into != 0 {
		which := "that merge"
		if later, err := standingMerge(ctx, tx, into, survivor); err == nil {
			which = fmt.Sprintf("that merge (%d)", later.ID)
		}
		return CustomerMerge{}, domain.Errorf(domain.EConflict, "customer %d was merged into customer %d after this merge: undo %s first", survivor, into, which)
	}
	if into, err := mergedInto(ctx, tx, gone); err != nil {
		return CustomerMerge{}, err
	} else if into != survivor {
		return CustomerMerge{}, domain.Errorf(domain.EConflict, "customer %d is no longer merged into customer %d", gone, survivor)
	}
	var moved commerce.MergeMoved
	if err := json.Unmarshal([]byte(record), &moved); err != nil {
		return CustomerMerge{}, fmt.Errorf("merge %d: its record of moved rows is unreadable: %w", mergeID, err)
	}
	for table := range moved.Rows {
		if !movableTables[table] {
			return CustomerMerge{}, fmt.Errorf("merge %d moved rows of table %q, which cannot be moved back", mergeID, table)
		}
	}
	for table, ids := range moved.Rows {
		// Only rows still with the survivor move: one erased since stays
		// erased.
		if err := inChunks(ids, func(part []any) error {
			_, err := tx.Exec(ctx, `UPDATE `+table+` SET customer_id = ? WHERE customer_id = ? AND id IN (`+store.Placeholders(len(part))+`)`,
				append([]any{gone, survivor}, part...)...)
			return err
		}); err != nil {
			return CustomerMerge{}, err
		}
	}
	for _, id := range moved.Identities {
		if _, err := tx.Exec(ctx, `UPDATE customer_identities SET customer_id = ? WHERE kind = ? AND value = ? AND customer_id = ?`, gone, id[0], id[1], survivor); err != nil {
			return CustomerMerge{}, err
		}
	}
	if err := inChunks(moved.Customers, func(part []any) error {
		_, err := tx.Exec(ctx, `UPDATE customers SET merged_into = ? WHERE merged_into = ? AND id IN (`+store.Placeholders(len(part))+`)`,
			append([]any{gone, survivor}, part...)...)
		return err
	}); err != nil {
		return CustomerMerge{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE customers SET merged_into = NULL WHERE id = ?`, gone); err != nil {
		return CustomerMerge{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE customer_merges SET undone_at = ? WHERE id = ?`, at.Unix(), mergeID); err != nil {
		return CustomerMerge{}, err
	}
	ref := MergeRef{ID: mergeID, SurvivorID: survivor, MergedID: gone, Undone: true}
	for _, c := range []int64{survivor, gone} {
		if err := mergeEvent(ctx, tx, c, EventUnmerge, ref, actor, at); err != nil {
			return CustomerMerge{}, err
		}
	}
	if err := refreshAfterMerge(ctx, tx, survivor, gone); err != nil {
		return CustomerMerge{}, err
	}
	return loadMerge(ctx, tx, mergeID)
}

// lockCustomers holds both customers until the transaction ends. On
// PostgreSQL this also makes writers that would add a row for either (a
// message arriving now) wait, since their foreign key check needs a share
// of the same row lock: what a merge records is then all it moved. SQLite
// has a single writer, so nothing else writes meanwhile anyway.
func lockCustomers(ctx context.Context, tx *store.Tx, ids ...int64) error {
	if tx.DB().Dialect != store.Postgres {
		return nil
	}
	return queryEach(ctx, tx, `SELECT id FROM customers WHERE id IN (`+store.Placeholders(len(ids))+`) ORDER BY id FOR UPDATE`, store.Args(ids),
		func(*sql.Rows) error { return nil })
}

// mergedInto returns whom a customer was merged into, 0 for nobody.
func mergedInto(ctx context.Context, q Querier, customerID int64) (int64, error) {
	var into sql.NullInt64
	err := q.QueryRow(ctx, `SELECT merged_into FROM customers WHERE id = ?`, customerID).Scan(&into)
	return into.Int64, err
}

// standingMerge is the merge of gone into survivor that is not undone.
func standingMerge(ctx context.Context, q Querier, survivor, gone int64) (CustomerMerge, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM customer_merges WHERE survivor_id = ? AND merged_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1`, survivor, gone).Scan(&id)
	if err != nil {
		return CustomerMerge{}, err
	}
	return loadMerge(ctx, q, id)
}

func mergeEvent(ctx context.Context, tx *store.Tx, customerID int64, kind string, ref MergeRef, actor int64, at time.Time) error {
	ref.Undone = false // known when read, from the merge itself
	detail, err := json.Marshal(ref)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO desk_events (customer_id, kind, actor_id, detail, at) VALUES (?, ?, ?, ?, ?)`,
		customerID, kind, nullID(actor), string(detail), at.Unix())
	return err
}

// refreshAfterMerge re-derives what depends on whose contacts and orders
// are whose: the repeat flags (docs/metrics.md#contacts), and the orders
// contacts were linked to by recency (docs/metrics.md#order-attribution).
func refreshAfterMerge(ctx context.Context, tx *store.Tx, customers ...int64) error {
	if err := RefreshRepeats(ctx, tx, customers); err != nil {
		return err
	}
	return RefreshAttribution(ctx, tx, nil, customers)
}

func inChunks(ids []int64, fn func(part []any) error) error {
	for start := 0; start < len(ids); start += 500 {
		if err := fn(store.Args(ids[start:min(start+500, len(ids))])); err != nil {
			return err
		}
	}
	return nil
}

func loadMerge(ctx context.Context, q Querier, id int64) (CustomerMerge, error) {
	ms, err := readMerges(ctx, q, `m.id = ?`, id)
	if err != nil {
		return CustomerMerge{}, err
	}
	if len(ms) == 0 {
		return CustomerMerge{}, domain.Errorf(domain.ENotFound, "merge %d does not exist", id)
	}
	return ms[0], nil
}

// CustomerMerges lists the merges into a customer (the survivor), newest
// first, undone ones included.
func CustomerMerges(ctx context.Context, q Querier, survivorID int64) ([]CustomerMerge, error) {
	return readMerges(ctx, q, `m.survivor_id = ?`, survivorID)
}

func readMerges(ctx context.Context, q Querier, where string, arg int64) ([]CustomerMerge, error) {
	out := []CustomerMerge{}
	err := queryEach(ctx, q, `SELECT m.id, m.survivor_id, m.merged_id, m.moved, m.at, m.undone_at, COALESCE(u.name, ''), COALESCE(u.email, '')
		FROM customer_merges m LEFT JOIN users u ON u.id = m.actor_id WHERE `+where+` ORDER BY m.at DESC, m.id DESC`, []any{arg}, func(rows *sql.Rows) error {
		var m CustomerMerge
		var record, name, email string
		var at int64
		var undone sql.NullInt64
		if err := rows.Scan(&m.ID, &m.SurvivorID, &m.MergedID, &record, &at, &undone, &name, &email); err != nil {
			return err
		}
		m.At, m.UndoneAt, m.Actor = unixUTC(at), nullableTime(undone), userDisplayName(name, email)
		var moved commerce.MergeMoved
		if err := json.Unmarshal([]byte(record), &moved); err != nil {
			return fmt.Errorf("merge %d: its record of moved rows is unreadable: %w", m.ID, err)
		}
		m.Moved = map[string]int{"customer_identities": len(moved.Identities)}
		for t, ids := range moved.Rows {
			m.Moved[t] = len(ids)
		}
		out = append(out, m)
		return nil
	})
	return out, err
}
