// Package hooks sends webhooks out: admins register subscribers (a URL, a
// secret, the event types they want), and every conversation and message
// event is enqueued for each of them in the same transaction as the change
// it announces, then posted, signed, by the notify worker
// (docs/webhooks.md).
package hooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Event types a subscriber can choose.
const (
	ConversationCreated = "conversation.created"
	ConversationUpdated = "conversation.updated" // state or assignee
	MessageCreated      = "message.created"
)

// EventTypes lists the event types, in the order pages show them.
var EventTypes = []string{ConversationCreated, ConversationUpdated, MessageCreated}

// Subscription is a subscriber. Its secret is never read back after it is
// created (Created carries it once).
type Subscription struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Description    string     `json:"description"`
	CreatedAt      time.Time  `json:"created_at"`
	Failures       int        `json:"failures"` // failed posts since the last that went through
	FailingSince   *time.Time `json:"failing_since"`
	LastSuccessAt  *time.Time `json:"last_success_at"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
}

// Active reports whether the subscriber gets events.
func (s Subscription) Active() bool { return s.DisabledAt == nil }

// Wants reports whether the subscriber chose the event type.
func (s Subscription) Wants(event string) bool { return slices.Contains(s.Events, event) }

// New is what an admin gives to add a subscriber.
type New struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// Created is a new subscriber with its secret, shown this once.
type Created struct {
	Subscription
	Secret string `json:"secret"`
}

// Add registers a subscriber with a new random secret.
func Add(ctx context.Context, db *store.DB, n New, now time.Time) (Created, error) {
	n.URL, n.Description = strings.TrimSpace(n.URL), strings.TrimSpace(n.Description)
	var p domain.Problems
	p.Require("url", n.URL)
	if n.URL != "" {
		if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Add("url", "is not an http:// or https:// URL")
		} else if u.User != nil {
			p.Add("url", "must not carry a user name or password: the signature authenticates the posts")
		}
	}
	if len(n.URL) > 2000 {
		p.Add("url", "is longer than 2,000 characters")
	}
	var events []string
	for _, e := range n.Events {
		e = strings.TrimSpace(e)
		if e == "" || slices.Contains(events, e) {
			continue
		}
		if !slices.Contains(EventTypes, e) {
			p.Add("events", "%q is not an event type: choose among %s", e, strings.Join(EventTypes, ", "))
			continue
		}
		events = append(events, e)
	}
	if len(n.Events) == 0 {
		p.Add("events", "choose at least one of %s", strings.Join(EventTypes, ", "))
	}
	if len(n.Description) > 200 {
		p.Add("description", "is longer than 200 characters")
	}
	if len(p) > 0 {
		return Created{}, &domain.Error{Code: domain.EInvalid, Message: "the webhook was not added", Fields: p}
	}
	slices.SortFunc(events, func(a, b string) int { return slices.Index(EventTypes, a) - slices.Index(EventTypes, b) })
	secret, err := newSecret()
	if err != nil {
		return Created{}, err
	}
	c := Created{Secret: secret, Subscription: Subscription{URL: n.URL, Events: events, Description: n.Description, CreatedAt: now.UTC().Truncate(time.Second)}}
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO webhook_subscriptions (url, secret, events, description, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			c.URL, secret, strings.Join(events, ","), c.Description, now.Unix()).Scan(&c.ID)
	})
	return c, err
}

// newSecret is 32 random bytes in hex, prefixed so that a leaked one is
// recognisable for what it is.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

const subColumns = `id, url, events, description, created_at, failures, failing_since, last_success_at, disabled_at, disabled_reason`

type scanner interface{ Scan(...any) error }

// scanSubscription reads subColumns, then extra columns into extra.
func scanSubscription(row scanner, extra ...any) (Subscription, error) {
	var s Subscription
	var events string
	var created int64
	var failing, success, disabled sql.NullInt64
	dest := append([]any{&s.ID, &s.URL, &events, &s.Description, &created, &s.Failures, &failing, &success, &disabled, &s.DisabledReason}, extra...)
	if err := row.Scan(dest...); err != nil {
		return s, err
	}
	s.Events = strings.Split(events, ",")
	s.CreatedAt = time.Unix(created, 0).UTC()
	s.FailingSince, s.LastSuccessAt, s.DisabledAt = unixPtr(failing), unixPtr(success), unixPtr(disabled)
	return s, nil
}

func unixPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

// Querier is a *store.DB or a *store.Tx.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// List returns every subscriber, oldest first.
func List(ctx context.Context, q Querier) ([]Subscription, error) {
	rows, err := q.Query(ctx, `SELECT `+subColumns+` FROM webhook_subscriptions ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Get returns one subscriber.
func Get(ctx context.Context, q Querier, id int64) (Subscription, error) {
	s, err := scanSubscription(q.QueryRow(ctx, `SELECT `+subColumns+` FROM webhook_subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, domain.Errorf(domain.ENotFound, "there is no webhook %d: quietdesk webhooks list shows them", id)
	}
	return s, err
}

// Remove deletes a subscriber and its delivery log. Posts still queued for
// it fail when their turn comes, saying it was removed.
func Remove(ctx context.Context, db *store.DB, id int64) error {
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM webhook_subscriptions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.ENotFound, "there is no webhook %d: quietdesk webhooks list shows them", id)
		}
		_, err = tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE subscription_id = ?`, id)
		return err
	})
}

// Enable turns a disabled subscriber back on, with a clean record of
// failures. Events from while it was disabled were not queued for it.
func Enable(ctx context.Context, db *store.DB, id int64) (Subscription, error) {
	res, err := db.Exec(ctx, `UPDATE webhook_subscriptions SET disabled_at = NULL, disabled_reason = '', failures = 0, failing_since = NULL WHERE id = ?`, id)
	if err != nil {
		return Subscription{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Subscription{}, domain.Errorf(domain.ENotFound, "there is no webhook %d: quietdesk webhooks list shows them", id)
	}
	return Get(ctx, db, id)
}

// secretOf reads a subscriber's secret and state for a send.
func secretOf(ctx context.Context, q Querier, id int64) (Subscription, string, error) {
	var secret string
	s, err := scanSubscription(q.QueryRow(ctx, `SELECT `+subColumns+`, secret FROM webhook_subscriptions WHERE id = ?`, id), &secret)
	return s, secret, err
}
