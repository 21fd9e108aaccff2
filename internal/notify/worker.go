package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"quietdesk/internal/clock"
	"quietdesk/internal/domain"
	"time"

	"quietdesk/internal/store"
)

// Sender sends one delivery of its channel. An error marked Permanent fails
// the delivery at once; any other is retried per the worker's policy.
type Sender interface {
	Send(ctx context.Context, d Delivery) error
}

// Worker sends due deliveries. Any number of workers, in one process or in
// several sharing one database, may run at once: each delivery is claimed
// by exactly one of them.
type Worker struct {
	DB  *store.DB
	Log *slog.Logger
	Now clock.Clock // required
	// Senders by channel. When nil, they are built from the store's
	// settings at every RunOnce, so a changed setting takes effect without
	// a restart.
	Senders map[string]Sender
	Retry   RetryPolicy
	// SendTimeout bounds one send. A claim lasts twice as long plus a
	// minute, so a live worker always finishes (or gives up) before its
	// claim can expire and another worker send the same delivery.
	SendTimeout time.Duration
	// Name identifies the worker in claims (claimed_by): host, process id
	// and a random suffix by default.
	Name string
}

// NewWorker returns a worker reading the time from now, with the default
// policy and timeout, configured from the store's settings.
func NewWorker(db *store.DB, log *slog.Logger, now clock.Clock) *Worker {
	return &Worker{DB: db, Log: log, Now: now, Retry: DefaultRetry, SendTimeout: time.Minute, Name: domain.ProcessName()}
}

func (w *Worker) now() time.Time { return w.Now() }

func (w *Worker) name() string {
	if w.Name == "" {
		return "a worker"
	}
	return w.Name
}

func (w *Worker) lease() time.Duration { return 2*w.sendTimeout() + time.Minute }

func (w *Worker) sendTimeout() time.Duration {
	if w.SendTimeout <= 0 {
		return time.Minute
	}
	return w.SendTimeout
}

func (w *Worker) policy() RetryPolicy {
	if w.Retry.MaxAttempts <= 0 {
		return DefaultRetry
	}
	return w.Retry
}

func (w *Worker) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}

// Result counts what one RunOnce did.
type Result struct {
	Sent     int `json:"sent"`
	Retrying int `json:"retrying"` // failed an attempt, tried again later
	Failed   int `json:"failed"`   // given up
	Expired  int `json:"expired"`  // claims of stopped workers released
}

// RunOnce releases expired claims, then claims and sends, one at a time,
// every delivery due now. Deliveries that fail are scheduled for later, so
// it returns once none is due.
func (w *Worker) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	now := w.now()
	n, err := w.expire(ctx, now)
	res.Expired = n
	if err != nil {
		return res, err
	}
	senders := w.Senders
	if senders == nil {
		cfg, err := LoadConfig(ctx, w.DB)
		if err != nil {
			return res, err
		}
		senders = cfg.Senders(w.Now)
	}
	for ctx.Err() == nil {
		d, ok, err := w.claim(ctx, now)
		if err != nil {
			return res, err
		}
		if !ok {
			break
		}
		switch w.deliver(ctx, senders[d.Channel], d) {
		case StatusSent:
			res.Sent++
		case StatusPending:
			res.Retrying++
		case StatusFailed:
			res.Failed++
		}
	}
	return res, nil
}

// claim takes the next due delivery: it becomes sending, claimed by w until
// the lease ends, and its attempts count this attempt. The update re-checks
// the status it picked the row by, so of two workers racing for one row
// only one changes it; on PostgreSQL the pick skips rows another claim has
// locked, so racers take different rows instead of one waiting to lose.
func (w *Worker) claim(ctx context.Context, now time.Time) (Delivery, bool, error) {
	var d Delivery
	until := w.now().Add(w.lease())
	err := w.DB.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		d, err = scan(tx.QueryRow(ctx, `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, claimed_by = ?, claimed_until = ?
			WHERE id = (SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT 1`+w.DB.SkipLocked()+`)
			AND status = 'pending'
			RETURNING `+columns, w.name(), until.Unix(), now.Unix()))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, false, nil
	}
	if err != nil {
		return Delivery{}, false, fmt.Errorf("claim a delivery: %w", err)
	}
	return d, true, nil
}

// deliver sends a claimed delivery and records the outcome, returning the
// status it was left in.
func (w *Worker) deliver(ctx context.Context, sender Sender, d Delivery) string {
	start := w.now()
	var err error
	if sender == nil {
		err = fmt.Errorf("no sender for channel %q", d.Channel)
	} else {
		// The send is not cut short when ctx ends (shutdown): a message
		// half-written to a relay is worse than a few seconds' wait.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.sendTimeout())
		err = sender.Send(sctx, d)
		cancel()
	}
	now := w.now()
	log := w.log().With("delivery", d.ID, "key", d.Key, "channel", d.Channel, "target", shown(d), "attempt", d.Attempts)
	status, next, lastErr, sentAt := StatusSent, d.NextAttemptAt, d.LastError, &now
	if err != nil {
		lastErr, sentAt = truncate(err.Error(), 1000), nil
		status = StatusFailed
		if !IsPermanent(err) && d.Attempts < w.policy().MaxAttempts {
			status, next = StatusPending, now.Add(w.policy().After(d.Attempts))
		}
	}
	if ok, ferr := w.finish(ctx, d, status, lastErr, next, sentAt); ferr != nil || !ok {
		if ferr == nil {
			ferr = errors.New("the claim expired and another worker took the delivery")
		}
		// Only a database failure or a send longer than the lease gets here;
		// the delivery is tried again when its claim expires, so a message
		// that went out may go out twice.
		log.Error("notification outcome not recorded", "outcome", status, "send_err", err, "err", ferr)
		return ""
	}
	switch status {
	case StatusSent:
		log.Info("notification sent", "took", now.Sub(start).Round(time.Millisecond))
	case StatusPending:
		log.Warn("notification attempt failed; will retry", "err", err, "next_attempt_at", next, "max_attempts", w.policy().MaxAttempts)
	default:
		log.Error("notification failed; giving up", "err", err, "permanent", IsPermanent(err),
			"fix", fmt.Sprintf("fix the cause, then: quietdesk notify retry %d", d.ID))
	}
	return status
}

// finish records a claimed attempt's outcome, if the claim is still w's: the
// claim is named by the delivery and its attempt number.
func (w *Worker) finish(ctx context.Context, d Delivery, status, lastErr string, next time.Time, sentAt *time.Time) (bool, error) {
	var sent any
	if sentAt != nil {
		sent = sentAt.Unix()
	}
	res, err := w.DB.Exec(context.WithoutCancel(ctx), `UPDATE deliveries SET status = ?, last_error = ?, next_attempt_at = ?, sent_at = ?, claimed_by = '', claimed_until = NULL
		WHERE id = ? AND status = 'sending' AND attempts = ?`, status, lastErr, next.Unix(), sent, d.ID, d.Attempts)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// expire releases the claims of workers that stopped mid-send: the delivery
// is due again at once, or failed when that was its last attempt.
func (w *Worker) expire(ctx context.Context, now time.Time) (int, error) {
	var released []Delivery
	err := w.DB.WriteTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE deliveries SET
				status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'pending' END,
				last_error = 'attempt ' || attempts || ' by ' || claimed_by || ' did not finish before its claim expired (the process stopped or lost the database while sending; the message may have gone out)',
				next_attempt_at = ?, claimed_by = '', claimed_until = NULL
			WHERE status = 'sending' AND claimed_until <= ?
			RETURNING `+columns, w.policy().MaxAttempts, now.Unix(), now.Unix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scan(rows)
			if err != nil {
				return err
			}
			released = append(released, d)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("release expired claims: %w", err)
	}
	for _, d := range released {
		log := w.log().With("delivery", d.ID, "key", d.Key, "channel", d.Channel, "target", shown(d), "attempt", d.Attempts, "err", d.LastError)
		if d.Status == StatusFailed {
			log.Error("notification failed; giving up", "fix", fmt.Sprintf("quietdesk notify retry %d", d.ID))
		} else {
			log.Warn("notification claim expired; will retry")
		}
	}
	return len(released), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		n--
	}
	return s[:n] + "…"
}
