package selfserve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// Limits of failed lookups (docs/order-help.md#limits): within
// LookupWindow, this many mismatches lock further lookups of the same
// order, of the same email or phone, or from the same address, until the
// oldest of them is LookupWindow old. A lock answers every lookup it
// covers alike, right or wrong, so guessing cannot go on behind it.
const (
	LookupWindow          = 15 * time.Minute
	MaxFailuresPerOrder   = 5
	MaxFailuresPerAddress = 5
	MaxFailuresPerSource  = 20
)

// Trail outcomes.
const (
	TrailOK       = "ok"
	TrailMismatch = "mismatch"
	TrailLimited  = "limited"
)

// LimitedError is a lookup refused by a limit; RetryAfter says when the
// oldest failure that counts leaves the window.
type LimitedError struct {
	RetryAfter time.Duration
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("too many order lookups that did not match: try again in %s", e.RetryAfter.Round(time.Minute).String())
}

// LookupInput is one attempt to prove an order is one's own.
type LookupInput struct {
	Order   string  // the order number as typed
	Address Address // the email or phone as typed, normalised
	Source  string  // the client's address
	Session string  // the self-service session, "" for none
}

// Lookup answers an order lookup: the order when its number and the email
// or phone on it match, else the one not-found answer, or a LimitedError.
// Every attempt writes a row of the trail, in the same transaction (the
// one write of a lookup: it is an audit log of an authentication attempt,
// and what the limits count); a match also records an order_status event
// of the self-service session.
func Lookup(ctx context.Context, db *store.DB, in LookupInput, now time.Time) (*Order, error) {
	var p domain.Problems
	p.Require("order", in.Order)
	if in.Address.IsEmpty() {
		p.Add(in.Address.Kind, "is required: the email address or phone number on the order")
	}
	if len(p) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "give the order number and the email address (or phone number) on the order", Fields: p}
	}
	var found *Order
	var refused error
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		found, refused = nil, nil
		secret, err := Secret(ctx, tx)
		if err != nil {
			return err
		}
		key := OrderKey(in.Order)
		idHash := IdentityHash(secret, in.Address)
		wait, err := lockedFor(ctx, tx, key, idHash, in.Source, now)
		if err != nil {
			return err
		}
		if wait > 0 {
			refused = &LimitedError{RetryAfter: wait}
			return writeTrail(ctx, tx, now, in.Source, key, idHash, in.Address.Kind, TrailLimited)
		}
		o, err := findOrder(ctx, tx, in.Order, in.Address)
		if err != nil {
			return err
		}
		if o == nil {
			refused = errNotFound()
			return writeTrail(ctx, tx, now, in.Source, key, idHash, in.Address.Kind, TrailMismatch)
		}
		found = o
		if err := writeTrail(ctx, tx, now, in.Source, key, idHash, in.Address.Kind, TrailOK); err != nil {
			return err
		}
		return recordEvent(ctx, tx, in.Session, kb.EventOrderStatus, "resolved", o.ExternalID, in.Address, 0, now)
	})
	if err != nil {
		return nil, err
	}
	return found, refused
}

// ViewLink opens the order a signed link names, when the link is genuine,
// unexpired, and its address still belongs to the order; else the one
// not-found answer. Like a lookup it leaves a row of the trail (via link)
// and, when it opens, an order_status event.
func ViewLink(ctx context.Context, db *store.DB, token, source, session string, now time.Time) (*Order, Claims, error) {
	var found *Order
	var claims Claims
	var refused error
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		found, refused = nil, nil
		secret, err := Secret(ctx, tx)
		if err != nil {
			return err
		}
		c, verr := VerifyOrder(secret, token, now)
		if verr != nil {
			refused = verr
			return writeTrail(ctx, tx, now, source, "", "", "link", TrailMismatch)
		}
		claims = c
		key, idHash := OrderKey(c.Order), IdentityHash(secret, c.Address)
		o, err := findOrder(ctx, tx, c.Order, c.Address)
		if err != nil {
			return err
		}
		if o == nil {
			refused = errNotFound()
			return writeTrail(ctx, tx, now, source, key, idHash, "link", TrailMismatch)
		}
		found = o
		if err := writeTrail(ctx, tx, now, source, key, idHash, "link", TrailOK); err != nil {
			return err
		}
		return recordEvent(ctx, tx, session, kb.EventOrderStatus, "resolved", o.ExternalID, c.Address, 0, now)
	})
	if err != nil {
		return nil, Claims{}, err
	}
	return found, claims, refused
}

// OrderFor reads the order a verified token names, without writing: the
// pages that act on an order (requests, codes) call it first.
func OrderFor(ctx context.Context, q Querier, c Claims) (*Order, error) {
	o, err := findOrder(ctx, q, c.Order, c.Address)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errNotFound()
	}
	return o, nil
}

// MaxCustomerOrders bounds the orders a one-time code shows.
const MaxCustomerOrders = 50

// CustomerOrders lists the orders of a proven address (a customer token),
// newest first. It only reads.
func CustomerOrders(ctx context.Context, q Querier, a Address) ([]Order, error) {
	return customerOrders(ctx, q, a, MaxCustomerOrders)
}

// IdentityHash is the trail's hash of an email or phone: keyed, so the
// trail cannot be reversed by hashing a list of addresses.
func IdentityHash(secret []byte, a Address) string {
	if a.IsEmpty() {
		return ""
	}
	return keyed(secret, "identity", a.Kind, a.Value)[:32]
}

func writeTrail(ctx context.Context, tx *store.Tx, now time.Time, source, key, idHash, via, outcome string) error {
	_, err := tx.Exec(ctx, `INSERT INTO selfserve_lookups (at, source, order_key, identity_hash, via, outcome) VALUES (?, ?, ?, ?, ?, ?)`,
		now.Unix(), source, key, idHash, via, outcome)
	return err
}

// lockedFor returns how long lookups of this order, by this identity or
// from this source stay refused; 0 when they are not.
func lockedFor(ctx context.Context, tx *store.Tx, key, idHash, source string, now time.Time) (time.Duration, error) {
	since := now.Add(-LookupWindow).Unix()
	var wait time.Duration
	for _, c := range []struct {
		column, value string
		max           int
	}{{"order_key", key, MaxFailuresPerOrder}, {"identity_hash", idHash, MaxFailuresPerAddress}, {"source", source, MaxFailuresPerSource}} {
		if c.value == "" {
			continue
		}
		// The failures that count, newest first: the max-th newest is the
		// one whose ageing out lifts the lock.
		var at int64
		err := tx.QueryRow(ctx, `SELECT at FROM selfserve_lookups WHERE `+c.column+` = ? AND outcome = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?`,
			c.value, TrailMismatch, since, c.max-1).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if w := time.Unix(at, 0).Add(LookupWindow).Sub(now); w > wait {
			wait = w
		}
	}
	if wait > 0 && wait < time.Second {
		wait = time.Second
	}
	return wait, nil
}

// recordEvent records a self-service event of the session (none when
// session is ""), on the help centre.
func recordEvent(ctx context.Context, tx *store.Tx, session, typ, outcome, orderExternalID string, a Address, conversationID int64, now time.Time) error {
	if session == "" {
		return nil
	}
	_, err := kb.RecordEvent(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), kb.Event{
		Session: session, Channel: kb.ChannelHelpCentre, Type: typ, Outcome: outcome,
		OrderExternalID: orderExternalID, Customer: a.Ref(), ConversationID: conversationID, At: now,
	})
	return err
}
