package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Self-service sessions as they happen (docs/self-service.md): the help
// centre and the chat widget report what a visitor searched, was shown,
// opened, rated and whether they asked for a person. Each report is an
// Event; the events of one session id make one self_service_sessions row,
// which the metrics read like an imported one. A session is resolved unless
// it escalates; after SessionIdle without an event the same id starts a
// new session.

// SessionIdle ends a self-service session.
const SessionIdle = 30 * time.Minute

// Where a session happens.
const (
	ChannelHelpCentre  = "help_centre"
	ChannelChat        = "chat"
	ChannelContactForm = "contact_form"
)

// Channels lists where self-service sessions happen.
var Channels = []string{ChannelHelpCentre, ChannelChat, ChannelContactForm}

// Event types.
const (
	EventSearch      = "search"       // Query typed, Shown the results best first (chat suggestions too)
	EventView        = "view"         // Slug opened
	EventFeedback    = "feedback"     // Slug rated: Helpful, optional Comment
	EventEscalate    = "escalate"     // asked for a person: ConversationID when one was made
	EventOrderStatus = "order_status" // an order looked up: OrderExternalID, Outcome
	EventReturn      = "return"       // a return or cancel request: OrderExternalID, Outcome
)

// EventTypes lists the events a session records.
var EventTypes = []string{EventSearch, EventView, EventFeedback, EventEscalate, EventOrderStatus, EventReturn}

// Event is one thing a visitor did in self-service.
type Event struct {
	Session         string // the visitor's session id, made by their browser
	Channel         string
	Type            string
	Locale          string
	Query           string
	Shown           []string // slugs, best first
	Slug            string
	Helpful         *bool
	Comment         string
	Customer        commerce.CustomerRef // when the visitor is known
	OrderExternalID string
	Outcome         string // order_status and return: resolved or escalated
	ConversationID  int64  // escalate: the conversation it became
	At              time.Time
}

var sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// Limits of an event.
const (
	MaxQueryChars   = 500
	MaxShown        = 20
	MaxCommentChars = 2000
)

// Validate checks an event, naming each bad field.
func (e *Event) Validate() error {
	var p domain.Problems
	if !sessionIDPattern.MatchString(e.Session) {
		p.Add("session", "is not a session id: 16 to 64 letters, digits, - or _")
	}
	p.OneOf("channel", e.Channel, Channels...)
	p.OneOf("type", e.Type, EventTypes...)
	if n := len([]rune(e.Query)); n > MaxQueryChars {
		p.Add("query", "is %d characters; at most %d", n, MaxQueryChars)
	}
	if len(e.Shown) > MaxShown {
		p.Add("shown", "lists %d articles; at most %d", len(e.Shown), MaxShown)
	}
	for _, s := range append(append([]string(nil), e.Shown...), e.Slug) {
		if s != "" && !slugPattern.MatchString(s) {
			p.Add("slug", "%q is not an article slug", s)
		}
	}
	if n := len([]rune(e.Comment)); n > MaxCommentChars {
		p.Add("comment", "is %d characters; at most %d", n, MaxCommentChars)
	}
	switch e.Type {
	case EventSearch:
		if strings.TrimSpace(e.Query) == "" {
			p.Add("query", "is required for a search")
		}
	case EventView:
		p.Require("slug", e.Slug)
	case EventFeedback:
		p.Require("slug", e.Slug)
		if e.Helpful == nil {
			p.Add("helpful", "is required: true or false")
		}
	case EventOrderStatus, EventReturn:
		p.OneOf("outcome", e.Outcome, Outcomes...)
	}
	if e.At.IsZero() {
		p.Add("at", "is required")
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "the self-service event cannot be recorded", Fields: p}
	}
	return nil
}

// RecordEvent stores one event on its session and returns the session's
// row id. Recording the same view, rating or search again in a session
// changes nothing more than its time.
func RecordEvent(ctx context.Context, tx *store.Tx, customers *commerce.Customers, e Event) (int64, error) {
	if err := e.Validate(); err != nil {
		return 0, err
	}
	id, err := sessionFor(ctx, tx, e)
	if err != nil {
		return 0, err
	}
	at := e.At.Unix()
	set := []string{"last_at = ?"}
	args := []any{at}
	if !e.Customer.IsEmpty() {
		cid, err := customers.Resolve(ctx, tx, e.Customer)
		if err != nil {
			return 0, err
		}
		if cid != 0 {
			set, args = append(set, "customer_id = COALESCE(customer_id, ?)"), append(args, cid)
		}
	}
	if e.OrderExternalID != "" {
		ids, err := commerce.OrderIDs(ctx, tx, []string{e.OrderExternalID})
		if err != nil {
			return 0, err
		}
		if oid, ok := ids[e.OrderExternalID]; ok {
			set, args = append(set, "order_id = ?"), append(args, oid)
		}
	}
	switch e.Type {
	case EventSearch:
		set, args = append(set, "query = ?"), append(args, e.Query)
		if err := recordSearch(ctx, tx, id, e); err != nil {
			return 0, err
		}
		for i, slug := range e.Shown {
			if err := markShown(ctx, tx, id, slug, e.Locale, i+1, false, at); err != nil {
				return 0, err
			}
		}
	case EventView:
		if err := markShown(ctx, tx, id, e.Slug, e.Locale, 1, true, at); err != nil {
			return 0, err
		}
		topic := ""
		if a, err := Get(ctx, tx, e.Slug, e.Locale); err == nil && len(a.Topics) > 0 {
			topic = a.Topics[0]
		}
		set, args = append(set, "article = ?", "topic = ?"), append(args, e.Slug, topic)
	case EventFeedback:
		if _, err := tx.Exec(ctx, `DELETE FROM kb_feedback WHERE session_id = ? AND slug = ?`, id, e.Slug); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO kb_feedback (session_id, slug, locale, at, helpful, comment) VALUES (?, ?, ?, ?, ?, ?)`,
			id, e.Slug, e.Locale, at, *e.Helpful, e.Comment); err != nil {
			return 0, err
		}
	case EventEscalate:
		set = append(set, "outcome = 'escalated'")
		if e.ConversationID != 0 {
			set, args = append(set, "conversation_id = ?"), append(args, e.ConversationID)
		}
	case EventOrderStatus, EventReturn:
		// An order lookup is the session's kind unless a return was asked;
		// an escalated outcome is never undone by a later one.
		set = append(set, "kind = CASE WHEN kind = 'return' THEN kind ELSE '"+e.Type+"' END")
		if e.Outcome == "escalated" {
			set = append(set, "outcome = 'escalated'")
		}
	}
	_, err = tx.Exec(ctx, `UPDATE self_service_sessions SET `+strings.Join(set, ", ")+` WHERE id = ?`, append(args, id)...)
	return id, err
}

// sessionFor finds the open session of e's id or starts one. A session
// idle for SessionIdle is closed by renaming its key, so the id starts a
// new one.
func sessionFor(ctx context.Context, tx *store.Tx, e Event) (int64, error) {
	key := "web:" + e.Session
	var id, started, last int64
	err := tx.QueryRow(ctx, `SELECT id, started_at, last_at FROM self_service_sessions WHERE external_id = ?`, key).Scan(&id, &started, &last)
	switch {
	case err == nil && e.At.Unix()-last <= int64(SessionIdle/time.Second):
		return id, nil
	case err == nil:
		if _, err := tx.Exec(ctx, `UPDATE self_service_sessions SET external_id = ? WHERE id = ?`, fmt.Sprintf("%s:%d", key, started), id); err != nil {
			return 0, err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}
	kind := "article"
	if e.Type == EventOrderStatus || e.Type == EventReturn {
		kind = e.Type
	}
	err = tx.QueryRow(ctx, `INSERT INTO self_service_sessions (external_id, started_at, outcome, kind, channel, last_at) VALUES (?, ?, 'resolved', ?, ?, ?) RETURNING id`,
		key, e.At.Unix(), kind, e.Channel, e.At.Unix()).Scan(&id)
	return id, err
}

func markShown(ctx context.Context, tx *store.Tx, session int64, slug, locale string, rank int, opened bool, at int64) error {
	var best int
	var was bool
	err := tx.QueryRow(ctx, `SELECT best_rank, opened FROM self_service_shown WHERE session_id = ? AND slug = ?`, session, slug).Scan(&best, &was)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.Exec(ctx, `INSERT INTO self_service_shown (session_id, slug, locale, first_at, best_rank, opened) VALUES (?, ?, ?, ?, ?, ?)`, session, slug, locale, at, rank, opened)
		return err
	}
	if err != nil || (rank >= best && (was || !opened)) {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE self_service_shown SET best_rank = ?, opened = ? WHERE session_id = ? AND slug = ?`, min(rank, best), was || opened, session, slug)
	return err
}

// recordSearch keeps one row per query and session: searching the same
// words again in a session updates it.
func recordSearch(ctx context.Context, tx *store.Tx, session int64, e Event) error {
	top := ""
	if len(e.Shown) > 0 {
		top = e.Shown[0]
	}
	res, err := tx.Exec(ctx, `UPDATE kb_searches SET at = ?, results = ?, top_slug = ? WHERE session_id = ? AND query = ?`, e.At.Unix(), len(e.Shown), top, session, e.Query)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `INSERT INTO kb_searches (session_id, at, query, locale, channel, results, top_slug) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		session, e.At.Unix(), e.Query, e.Locale, e.Channel, len(e.Shown), top)
	return err
}
