package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

const columns = `id, key, channel, target, subject, body_text, body_html, payload, status, attempts, last_error,
	next_attempt_at, claimed_by, claimed_until, created_at, sent_at, from_addr, reply_to, message_id, in_reply_to, refs, automatic`

type scanner interface{ Scan(dest ...any) error }

func scan(row scanner) (Delivery, error) {
	var d Delivery
	var payload string
	var next, created int64
	var claimed, sent sql.NullInt64
	var automatic bool
	err := row.Scan(&d.ID, &d.Key, &d.Channel, &d.Target, &d.Subject, &d.Text, &d.HTML, &payload, &d.Status, &d.Attempts, &d.LastError,
		&next, &d.ClaimedBy, &claimed, &created, &sent, &d.From, &d.ReplyTo, &d.MessageID, &d.InReplyTo, &d.References, &automatic)
	if err != nil {
		return Delivery{}, err
	}
	d.Personal = !automatic
	if payload != "" {
		d.Payload = json.RawMessage(payload)
	}
	d.NextAttemptAt, d.CreatedAt = time.Unix(next, 0).UTC(), time.Unix(created, 0).UTC()
	d.ClaimedUntil, d.SentAt = unixPtr(claimed), unixPtr(sent)
	return d, nil
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

// ListOptions filter List.
type ListOptions struct {
	Status string // one status, or all when empty
	Limit  int    // newest first; 100 when zero
}

// List returns deliveries, newest first.
func List(ctx context.Context, db *store.DB, opt ListOptions) ([]Delivery, error) {
	if opt.Limit <= 0 {
		opt.Limit = 100
	}
	where, args := "", []any{}
	if opt.Status != "" {
		var p domain.Problems
		p.OneOf("status", opt.Status, StatusPending, StatusSending, StatusSent, StatusFailed)
		if len(p) > 0 {
			return nil, &domain.Error{Code: domain.EInvalid, Message: "cannot list deliveries", Fields: p}
		}
		where, args = `WHERE status = ?`, append(args, opt.Status)
	}
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM deliveries `+where+` ORDER BY created_at DESC, id DESC LIMIT ?`, append(args, opt.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Failed returns the deliveries that were given up, newest first: what the
// UI and `quietdesk notify list --failed` show for someone to act on.
func Failed(ctx context.Context, db *store.DB) ([]Delivery, error) {
	return List(ctx, db, ListOptions{Status: StatusFailed, Limit: 1000})
}

// Get returns one delivery.
func Get(ctx context.Context, db *store.DB, id int64) (Delivery, error) {
	d, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, domain.Errorf(domain.ENotFound, "no delivery %d: quietdesk notify list shows them", id)
	}
	return d, err
}

// Retry requeues a failed delivery, due now, with a fresh set of attempts; a
// pending one waiting out its backoff becomes due now (after a setting was
// fixed, say). Its last error stays until the next attempt replaces it.
func Retry(ctx context.Context, db *store.DB, id int64, now time.Time) (Delivery, error) {
	res, err := db.Exec(ctx, `UPDATE deliveries SET attempts = CASE WHEN status = ? THEN 0 ELSE attempts END, status = ?, next_attempt_at = ?
		WHERE id = ? AND status IN (?, ?)`,
		StatusFailed, StatusPending, now.Unix(), id, StatusFailed, StatusPending)
	if err != nil {
		return Delivery{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Delivery{}, err
	} else if n == 1 {
		return Get(ctx, db, id)
	}
	d, err := Get(ctx, db, id)
	if err != nil {
		return Delivery{}, err
	}
	switch d.Status {
	case StatusSent:
		return d, domain.Errorf(domain.EConflict, "delivery %d was already sent at %s; enqueue a new one to send it again", id, d.SentAt.Format(time.RFC3339))
	default:
		return d, domain.Errorf(domain.EConflict, "delivery %d is being sent right now by %s; look again in a minute", id, d.ClaimedBy)
	}
}
