package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// A subscriber is disabled when its posts have failed for DisableAfter
// with not one success in between, and at least DisableFailures times: a
// receiver down for an afternoon is waited for, one gone for a day is not
// (docs/webhooks.md#disabling). Every failed attempt counts, retries
// included, so with notify's backoff even a single event's retries reach
// it (its 8th attempt comes some 44 hours after the first).
const (
	DisableAfter    = 24 * time.Hour
	DisableFailures = 5
)

func init() {
	notify.RegisterSender(notify.ChannelHook, func(db *store.DB, now clock.Clock) notify.Sender {
		return &Sender{DB: db, Now: now}
	})
}

// Sender posts subscriber deliveries for the notify worker: it signs each
// attempt when it is made, so a retry carries a fresh timestamp, and keeps
// the subscriber's record of failures, disabling it when it has failed too
// long. How an answer is judged (a 2xx is success, most 4xx and redirects
// are permanent, the rest retried) is notify.WebhookSender's.
type Sender struct {
	DB  *store.DB
	Now clock.Clock
	// Transport carries the posts; nil: http.DefaultTransport.
	Transport http.RoundTripper
}

// Send posts one delivery keyed hook:<subscriber>:<event>.
func (s *Sender) Send(ctx context.Context, d notify.Delivery) error {
	subID, err := subscriberOf(d.Key)
	if err != nil {
		return notify.Permanent(err)
	}
	sub, secret, err := secretOf(ctx, s.DB, subID)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.Permanent(fmt.Errorf("webhook %d was removed", subID))
	}
	if err != nil {
		return err
	}
	if !sub.Active() {
		return notify.Permanent(fmt.Errorf("webhook %d was disabled at %s (%s): enable it with quietdesk webhooks enable %d, then quietdesk notify retry %d",
			subID, sub.DisabledAt.Format(time.RFC3339), sub.DisabledReason, subID, d.ID))
	}
	now := s.Now()
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set(HeaderEvent, d.Subject)
	header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	header.Set(HeaderSignature, Sign(secret, now.Unix(), d.Payload))
	header.Set("X-Quietdesk-Delivery", strconv.FormatInt(d.ID, 10))
	base := s.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client := &http.Client{Transport: signed{base: base, header: header},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sendErr := (&notify.WebhookSender{Client: client}).Send(ctx, notify.Delivery{ID: d.ID, Key: d.Key, Channel: notify.ChannelWebhook, Target: sub.URL, Payload: d.Payload})
	if err := s.record(context.WithoutCancel(ctx), sub, sendErr, s.Now()); err != nil {
		return errors.Join(sendErr, fmt.Errorf("record the outcome for webhook %d: %w", subID, err))
	}
	return sendErr
}

// record keeps the subscriber's failures since its last success, and
// disables it when they have lasted DisableAfter.
func (s *Sender) record(ctx context.Context, sub Subscription, sendErr error, now time.Time) error {
	if sendErr == nil {
		_, err := s.DB.Exec(ctx, `UPDATE webhook_subscriptions SET failures = 0, failing_since = NULL, last_success_at = ? WHERE id = ?`, now.Unix(), sub.ID)
		return err
	}
	return s.DB.WriteTx(ctx, func(tx *store.Tx) error {
		var failures int
		var since int64
		err := tx.QueryRow(ctx, `UPDATE webhook_subscriptions SET failures = failures + 1, failing_since = COALESCE(failing_since, ?)
			WHERE id = ? RETURNING failures, failing_since`, now.Unix(), sub.ID).Scan(&failures, &since)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if failures < DisableFailures || now.Sub(time.Unix(since, 0)) < DisableAfter {
			return nil
		}
		reason := fmt.Sprintf("%d posts failed since %s with none going through; the last: %s", failures,
			time.Unix(since, 0).UTC().Format(time.RFC3339), truncate(sendErr.Error(), 300))
		_, err = tx.Exec(ctx, `UPDATE webhook_subscriptions SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL`, now.Unix(), reason, sub.ID)
		return err
	})
}

// subscriberOf reads the subscriber's id from a delivery key
// hook:<subscriber>:<event>.
func subscriberOf(key string) (int64, error) {
	rest, ok := strings.CutPrefix(key, "hook:")
	if ok {
		id, _, _ := strings.Cut(rest, ":")
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("delivery key %q names no webhook (want hook:<id>:<event>)", key)
}

// signed adds the signature headers to the post, leaving how it is sent
// and judged to notify.WebhookSender.
type signed struct {
	base   http.RoundTripper
	header http.Header
}

func (t signed) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.header {
		r.Header[k] = v
	}
	return t.base.RoundTrip(r)
}
