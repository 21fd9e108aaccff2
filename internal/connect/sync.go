package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Connector is one kind of connection (shopify, zendesk, gorgias).
type Connector interface {
	// Check validates what is about to be stored, without the network:
	// every required config value and credential is there and well formed.
	Check(config, creds map[string]string) error
	// Step does one unit of the sync from where s.Conn stands (one page,
	// one bulk operation's poll) and stores it with s.Commit. done is true
	// when there is nothing more to read for now: the incremental sync
	// caught up. Errors: Stop (lost access, a malformed page), Wait (a
	// rate limit), or any other error (the network): retried later.
	Step(ctx context.Context, s *Session) (done bool, err error)
	// Every is how often a current connection syncs again.
	Every() time.Duration
}

var connectors = map[string]Connector{}

// Register makes a connector kind available; connector packages call it
// from init.
func Register(kind string, c Connector) { connectors[kind] = c }

// Session is one sync's view of its connection.
type Session struct {
	DB    *store.DB
	Conn  *Connection
	Creds map[string]string
	HTTP  *http.Client
	Now   func() time.Time
}

// Checkpoint is where a committed step leaves the sync.
type Checkpoint struct {
	Phase, Cursor string
	// Total, when not negative, replaces the records expected.
	Total int64
	// Backfilled: the history is read whole; the connection is current.
	Backfilled bool
}

// ErrMoved: another process moved the connection since this sync read
// it; the step's records were not stored, and the other process goes on.
var ErrMoved = errors.New("another process is syncing this connection")

// Commit stores a step's records (write returns how many it stored) and
// the checkpoint in one transaction, so a sync that dies before or after
// it leaves records and cursor in agreement. It stores nothing when
// another process moved the connection's cursor first.
func (s *Session) Commit(ctx context.Context, cp Checkpoint, write func(tx *store.Tx) (int64, error)) error {
	now := s.Now()
	return s.DB.WriteTx(ctx, func(tx *store.Tx) error {
		var stored int64
		if write != nil {
			var err error
			if stored, err = write(tx); err != nil {
				return err
			}
		}
		total := s.Conn.Total
		if cp.Total >= 0 {
			total = cp.Total
		}
		state, backfilled := s.Conn.State, any(nil)
		if s.Conn.BackfilledAt != nil {
			backfilled = s.Conn.BackfilledAt.Unix()
		}
		if cp.Backfilled && s.Conn.BackfilledAt == nil {
			state, backfilled = StateCurrent, now.Unix()
		}
		if state == StateWaiting {
			state = StateBackfilling
			if backfilled != nil {
				state = StateCurrent
			}
		}
		r, err := tx.Exec(ctx, `UPDATE connections SET phase = ?, cursor = ?, done = done + ?, total = ?, state = ?, backfilled_at = ?, reason = '', updated_at = ?
			WHERE id = ? AND phase = ? AND cursor = ? AND state NOT IN ('paused')`,
			cp.Phase, cp.Cursor, stored, total, state, backfilled, now.Unix(), s.Conn.ID, s.Conn.Phase, s.Conn.Cursor)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return ErrMoved
		}
		c, err := get(ctx, tx, s.Conn.Name)
		if err != nil {
			return err
		}
		c.sealed = nil
		*s.Conn = *c
		return nil
	})
}

// StopError stops a connection until someone acts: its access was
// revoked, or the source sent what cannot be read. Reason says what to do.
type StopError struct{ Reason string }

func (e *StopError) Error() string { return e.Reason }

// Stop returns a StopError.
func Stop(format string, args ...any) error { return &StopError{Reason: fmt.Sprintf(format, args...)} }

// WaitError pauses a connection until Until: the source asked it to slow down.
type WaitError struct {
	Until  time.Time
	Reason string
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("%s: resuming at %s", e.Reason, e.Until.UTC().Format(time.RFC3339))
}

// Wait returns a WaitError.
func Wait(until time.Time, reason string) error { return &WaitError{Until: until, Reason: reason} }

// RetryAfter reads a Retry-After header (seconds, or an HTTP date) as a
// time after now; fallback when it is absent or unreadable.
func RetryAfter(h http.Header, now time.Time, fallback time.Duration) time.Time {
	v := h.Get("Retry-After")
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return now.Add(time.Duration(secs * float64(time.Second)))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t
	}
	return now.Add(fallback)
}

// SyncOptions bounds and reports one sync.
type SyncOptions struct {
	// MaxSteps ends the sync after this many steps (0: until done).
	MaxSteps int
	// Progress is called after each step with where the connection stands.
	Progress func(*Connection)
}

// defaultClient reads the tools' APIs when the caller gives no client: a
// request that hangs fails after requestTimeout and is retried later,
// instead of holding the scheduler's connections task.
var defaultClient = &http.Client{Timeout: requestTimeout}

// requestTimeout bounds one request to a tool, body included: a page, or
// a chunk of a bulk export.
const requestTimeout = 2 * time.Minute

// retryLater is how long a sync that failed for a passing reason (the
// network, a server error) waits before the scheduler tries again.
const retryLater = time.Minute

// Sync runs the connection's steps until it is done for now, stopped,
// rate-limited or MaxSteps ran, and returns where it stands. A stop or a
// wait is recorded on the connection and returned as the error. hc nil
// reads with a client whose requests time out after two minutes.
func Sync(ctx context.Context, db *store.DB, s *Sealer, name string, now func() time.Time, hc *http.Client, opt SyncOptions) (*Connection, error) {
	c, err := Get(ctx, db, name)
	if err != nil {
		return nil, err
	}
	if c.State == StatePaused {
		return c, domain.Errorf(domain.EConflict, "connection %s is paused: `quietdesk connections resume %s` starts it again", name, name)
	}
	kind, ok := connectors[c.Kind]
	if !ok {
		return c, fmt.Errorf("connection %s: no connector of kind %q in this build", name, c.Kind)
	}
	creds, err := s.Open(c.sealed)
	if err != nil {
		return c, err
	}
	c.sealed = nil
	if hc == nil {
		hc = defaultClient
	}
	sess := &Session{DB: db, Conn: c, Creds: creds, HTTP: hc, Now: now}
	for step := 0; opt.MaxSteps == 0 || step < opt.MaxSteps; step++ {
		if err := ctx.Err(); err != nil {
			return sess.Conn, err
		}
		done, err := kind.Step(ctx, sess)
		if err != nil {
			return sess.Conn, record(ctx, db, sess.Conn, err, now())
		}
		if opt.Progress != nil {
			opt.Progress(sess.Conn)
		}
		if done {
			t := now()
			next := t.Add(kind.Every())
			if _, err := db.Exec(ctx, `UPDATE connections SET last_sync_at = ?, next_sync_at = ?, updated_at = ? WHERE id = ?`, t.Unix(), next.Unix(), t.Unix(), c.ID); err != nil {
				return sess.Conn, err
			}
			sess.Conn.LastSyncAt, sess.Conn.NextSyncAt = &t, &next
			return sess.Conn, nil
		}
	}
	return sess.Conn, nil
}

// record stores why a sync ended early, and returns err.
func record(ctx context.Context, db *store.DB, c *Connection, err error, now time.Time) error {
	if errors.Is(err, ErrMoved) || errors.Is(err, context.Canceled) {
		return err
	}
	state, next, reason := c.State, now.Add(retryLater), err.Error()
	var stop *StopError
	var wait *WaitError
	switch {
	case errors.As(err, &stop):
		state, next = StateStopped, time.Time{}
	case errors.As(err, &wait):
		state, next = StateWaiting, wait.Until
	}
	var nextAt any
	if !next.IsZero() {
		nextAt = next.Unix()
	}
	if _, uerr := db.Exec(ctx, `UPDATE connections SET state = ?, reason = ?, next_sync_at = ?, updated_at = ? WHERE id = ? AND state <> 'paused'`,
		state, reason, nextAt, now.Unix(), c.ID); uerr != nil {
		return errors.Join(err, uerr)
	}
	c.State, c.Reason = state, reason
	if nextAt != nil {
		c.NextSyncAt = &next
	}
	return err
}

// StepsPerRun bounds one scheduler run's work on one connection, so a long
// backfill shares the scheduler; the next run goes on where it stopped.
const StepsPerRun = 50

// RunDue syncs every connection that is due (backfilling, current or
// waiting, with no next sync or one that has come), StepsPerRun steps at
// most each: the scheduler's "connections" task. Without a key it does
// nothing. It returns the errors that are not a connection's own (stops
// and waits are recorded on the connection), after trying every one.
func RunDue(ctx context.Context, db *store.DB, s *Sealer, now func() time.Time, hc *http.Client) error {
	if s == nil {
		return nil
	}
	all, err := List(ctx, db)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range all {
		switch c.State {
		case StateStopped, StatePaused:
			continue
		}
		if c.NextSyncAt != nil && c.NextSyncAt.After(now()) {
			continue
		}
		_, err := Sync(ctx, db, s, c.Name, now, hc, SyncOptions{MaxSteps: StepsPerRun})
		var stop *StopError
		var wait *WaitError
		if err != nil && !errors.As(err, &stop) && !errors.As(err, &wait) && !errors.Is(err, ErrMoved) {
			errs = append(errs, fmt.Errorf("connection %s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}
