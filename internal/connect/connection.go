// Package connect keeps a brand's connections to its other tools (the
// shop, the helpdesk) and runs their syncs: a backfill of the history,
// then incremental syncs, each step storing its records together with the
// point it reached, so a sync that dies (kill -9, lost access, a rate
// limit) resumes exactly there and stores nothing twice. The connectors
// themselves (Shopify, Zendesk, Gorgias) register here; see
// docs/connections.md.
package connect

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// States of a connection.
const (
	StateBackfilling = "backfilling" // reading the history
	StateCurrent     = "current"     // history read; incremental syncs keep it current
	StateWaiting     = "waiting"     // rate-limited: resumes at next_sync_at by itself
	StateStopped     = "stopped"     // lost access or got a page it cannot read: reason says what to fix
	StatePaused      = "paused"      // an admin paused it
)

// Connection is one connection and where its sync stands.
type Connection struct {
	ID     int64             `json:"id"`
	Name   string            `json:"name"`
	Kind   string            `json:"kind"`
	Config map[string]string `json:"config"` // what may be shown: shop domain, subdomain, email
	State  string            `json:"state"`
	Phase  string            `json:"phase"`  // the connector's current part: "orders", "tickets"…
	Cursor string            `json:"-"`      // the connector's resume point
	Done   int64             `json:"done"`   // records stored so far
	Total  int64             `json:"total"`  // records expected, -1 when unknown
	Reason string            `json:"reason"` // why stopped or waiting
	// BackfilledAt is when the history was read whole.
	BackfilledAt *time.Time `json:"backfilled_at,omitempty"`
	LastSyncAt   *time.Time `json:"last_sync_at,omitempty"`
	NextSyncAt   *time.Time `json:"next_sync_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	sealed []byte
}

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Create stores a new connection of kind with its shown config and sealed
// credentials, starting its backfill. Connecting a name again replaces
// its config and credentials and, if it had stopped, starts it again
// where it stopped.
func Create(ctx context.Context, tx *store.Tx, s *Sealer, name, kind string, config, creds map[string]string, now time.Time) (*Connection, error) {
	c, ok := connectors[kind]
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "connection kind %q: use one of %v", kind, Kinds())
	}
	if !nameRe.MatchString(name) {
		return nil, domain.Errorf(domain.EInvalid, "connection name %q: use 1–40 lower-case letters, digits, - or _", name)
	}
	if err := c.Check(config, creds); err != nil {
		// A connector's check is about what was typed: bad input, however
		// the connector wrote its error.
		if domain.ErrorCode(err) == domain.EInternal {
			err = domain.Errorf(domain.EInvalid, "%s", err.Error())
		}
		return nil, err
	}
	sealed, err := s.Seal(creds)
	if err != nil {
		return nil, err
	}
	cfg, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO connections (name, kind, config, secret, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET config = excluded.config, secret = excluded.secret, reason = '', updated_at = excluded.updated_at,
		state = CASE WHEN connections.state IN ('stopped', 'waiting') THEN (CASE WHEN connections.backfilled_at IS NULL THEN 'backfilling' ELSE 'current' END) ELSE connections.state END`,
		name, kind, string(cfg), sealed, StateBackfilling, now.Unix(), now.Unix())
	if err != nil {
		return nil, err
	}
	got, err := get(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	if got.Kind != kind {
		return nil, domain.Errorf(domain.EConflict, "connection %q is a %s connection: remove it first or choose another name", name, got.Kind)
	}
	return got, nil
}

// ErrNoConnection: no connection has that name.
var ErrNoConnection = errors.New("no such connection")

type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

const columns = `id, name, kind, config, secret, state, phase, cursor, done, total, reason, backfilled_at, last_sync_at, next_sync_at, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (*Connection, error) {
	c := &Connection{}
	var cfg string
	var backfilled, last, next sql.NullInt64
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.Kind, &cfg, &c.sealed, &c.State, &c.Phase, &c.Cursor, &c.Done, &c.Total, &c.Reason,
		&backfilled, &last, &next, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return nil, fmt.Errorf("connection %s: config: %w", c.Name, err)
	}
	c.BackfilledAt, c.LastSyncAt, c.NextSyncAt = unixPtr(backfilled), unixPtr(last), unixPtr(next)
	c.CreatedAt, c.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return c, nil
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

func get(ctx context.Context, q querier, name string) (*Connection, error) {
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+` FROM connections WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "no connection named %q: `quietdesk connections` lists them", name)
	}
	return c, err
}

// Get returns the connection named name.
func Get(ctx context.Context, db *store.DB, name string) (*Connection, error) {
	return get(ctx, db, name)
}

// List returns every connection by name.
func List(ctx context.Context, db *store.DB) ([]*Connection, error) {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM connections ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Connection
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetPaused pauses a connection's syncs, or resumes them where they
// stopped (a stopped connection too: after its access was fixed).
func SetPaused(ctx context.Context, tx *store.Tx, name string, paused bool, now time.Time) (*Connection, error) {
	c, err := get(ctx, tx, name)
	if err != nil {
		return nil, err
	}
	state := StatePaused
	if !paused {
		state = StateBackfilling
		if c.BackfilledAt != nil {
			state = StateCurrent
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE connections SET state = ?, reason = '', next_sync_at = NULL, updated_at = ? WHERE id = ?`, state, now.Unix(), c.ID); err != nil {
		return nil, err
	}
	return get(ctx, tx, name)
}

// Remove deletes a connection and its credentials. What it stored stays.
func Remove(ctx context.Context, tx *store.Tx, name string) error {
	r, err := tx.Exec(ctx, `DELETE FROM connections WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "no connection named %q: `quietdesk connections` lists them", name)
	}
	return nil
}

// Kinds lists the registered connector kinds.
func Kinds() []string {
	var out []string
	for k := range connectors {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
