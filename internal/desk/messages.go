package desk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/hooks"
	"quietdesk/internal/live"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// Message authors. Only a customer's message can start a contact.
var Authors = []string{"customer", "agent", "proactive", "system"}

// Message is one message on the desk, inbound from a customer or outbound
// from the brand.
type Message struct {
	ExternalID string
	Customer   commerce.CustomerRef
	Channel    string
	Author     string // customer, agent, proactive, system
	Agent      string
	// ConversationID, when set, threads the message into that conversation
	// (email threading by Message-ID/References resolves to it).
	ConversationID int64
	SessionID      string // chat session id
	// Via is the service inside the channel (docs/channels.md): sms, mms,
	// whatsapp, instagram… A reply goes back the way the customer wrote.
	Via     string
	Subject string
	Body    string
	At      time.Time
	// OrderExternalID is an order the message is about, when the channel
	// says so explicitly (a form field, a reply to an order notice).
	OrderExternalID string

	// Received is when the desk got the message (the clock's now); At is
	// when it was sent. Live views follow Received: a mail that arrives
	// late with an old Date still shows up. Zero: At.
	Received time.Time
	// Kind is message, or for mail that is no one's words: auto_reply,
	// bounce, list (package mail classifies them). Those never start or
	// continue a contact and never wake a conversation.
	Kind string
	// What the email channel adds: the sender as written, its Message-ID,
	// the quoted history removed from Body, the sanitised HTML, the raw
	// message kept.
	FromAddr string
	EmailID  string
	Quoted   string
	HTML     string
	RawID    int64
	// UserID is the agent who wrote an outbound message (0: an import or
	// a program); Status its delivery (queued, sent, failed).
	UserID int64
	Status string
}

// Message kinds. Only KindMessage is someone's own words.
const (
	KindMessage   = "message"
	KindAutoReply = "auto_reply"
	KindBounce    = "bounce"
	KindList      = "list"
)

// Noise reports whether the message is mail no one wrote to the brand:
// an auto-reply, a bounce or list mail. It is kept on the conversation but
// is never a contact.
func (m *Message) Noise() bool { return m.Kind != "" && m.Kind != KindMessage }

// Inbound reports whether the customer sent the message.
func (m *Message) Inbound() bool { return m.Author == "customer" }

// Validate checks one message.
func (m *Message) Validate() domain.Problems {
	var p domain.Problems
	p.Require("message_id", m.ExternalID)
	p.OneOf("channel", m.Channel, Channels...)
	if m.Author == "" {
		m.Author = "customer"
	}
	p.OneOf("author", m.Author, Authors...)
	if m.At.IsZero() {
		p.Add("sent_at", "is required")
	}
	if m.Customer.IsEmpty() && m.ConversationID == 0 {
		p.Add("customer_email", "a customer identifier (customer_email, customer_phone or customer_id) is required")
	}
	return p
}

// Recorded is what recording a message did.
type Recorded struct {
	MessageID      int64
	ConversationID int64
	ContactID      int64 // 0 for a message outside any contact
	NewContact     bool
	Reason         string
	Duplicate      bool // the message id was already recorded; nothing changed
}

// RecordMessage stores a message, placing it in a conversation and applying
// the contact rules. A message id seen before changes nothing.
func RecordMessage(ctx context.Context, tx *store.Tx, customers *commerce.Customers, m Message) (Recorded, error) {
	var r Recorded
	if m.ExternalID != "" {
		err := tx.QueryRow(ctx, `SELECT id, conversation_id, COALESCE(contact_id, 0) FROM messages WHERE external_id = ?`, m.ExternalID).Scan(&r.MessageID, &r.ConversationID, &r.ContactID)
		if err == nil {
			r.Duplicate = true
			return r, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
	}
	customerID, err := customers.Resolve(ctx, tx, m.Customer)
	if err != nil {
		return r, err
	}
	conv, err := pickConversation(ctx, tx, customerID, m)
	if err != nil {
		return r, err
	}
	customerID = conv.customerID
	if m.Kind == "" {
		m.Kind = KindMessage
	}
	received := m.Received
	if received.IsZero() {
		received = m.At
	}
	s := Situation{Channel: m.Channel, Inbound: m.Inbound(), At: m.At, SessionID: m.SessionID, NewConversation: conv.id == 0}
	if conv.id != 0 && conv.state == "closed" && m.Inbound() {
		s.ReopensConversation = true
	}
	var last struct {
		id int64
		LastContact
	}
	if conv.id != 0 && !m.Noise() {
		var started, lastAt int64
		err := tx.QueryRow(ctx, `SELECT c.id, c.started_at, c.last_message_at, COALESCE((SELECT m.session_id FROM messages m WHERE m.contact_id = c.id ORDER BY m.at DESC, m.id DESC LIMIT 1), '')
			FROM contacts c WHERE c.conversation_id = ? AND c.channel = ? ORDER BY c.started_at DESC, c.id DESC LIMIT 1`, conv.id, m.Channel).
			Scan(&last.id, &started, &lastAt, &last.SessionID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return r, err
		default:
			last.StartedAt, last.LastMessageAt = time.Unix(started, 0), time.Unix(lastAt, 0)
			s.Last = &last.LastContact
		}
	}
	starts, reason := StartsContact(s)
	if m.Noise() {
		starts, reason = false, "an "+m.Kind+" is no contact"
	}
	r.Reason = reason

	now := m.At.Unix()
	isNew := conv.id == 0
	if err := placeInConversation(ctx, tx, &conv, customerID, m, received); err != nil {
		return r, err
	}
	r.ConversationID = conv.id
	if isNew && m.Inbound() && !m.Noise() {
		// A new conversation goes to the next agent when round-robin is on.
		if _, err := AutoAssign(ctx, tx, conv.id, received); err != nil {
			return r, err
		}
	}

	switch {
	case m.Noise():
	case starts:
		att, err := Attribute(ctx, tx, customerID, m.OrderExternalID, m.Subject+"\n"+m.Body, m.At)
		if err != nil {
			return r, err
		}
		repeat, err := hadContactWithin(ctx, tx, customerID, m.At)
		if err != nil {
			return r, err
		}
		// The message that starts a contact says what it is about.
		classifier, err := topics.Current(ctx, tx)
		if err != nil {
			return r, err
		}
		tp := classifier.Assign("", m.Subject, m.Body)
		if err := tx.QueryRow(ctx, `INSERT INTO contacts (customer_id, conversation_id, order_id, attribution, external_order, channel, source, started_at, last_message_at, subject, body, is_repeat,
			topic, topic_confidence, topic_source, topic_guess)
			VALUES (?, ?, ?, ?, ?, ?, 'native', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			customerID, conv.id, nullID(att.OrderID), att.How, m.OrderExternalID, m.Channel, now, now, m.Subject, m.Body, repeat,
			tp.Topic, tp.Confidence, tp.Source, tp.Guess).Scan(&r.ContactID); err != nil {
			return r, err
		}
		r.NewContact = true
	case m.Inbound() || ContinuesContact(s):
		r.ContactID = last.id
		// The brand's replies inside a contact are its team figures: the
		// first one is the first response, each one a reply.
		reply := 0
		if m.Author == "agent" {
			reply = 1
		}
		if _, err := tx.Exec(ctx, `UPDATE contacts SET last_message_at = CASE WHEN last_message_at > ? THEN last_message_at ELSE ? END,
			agent = CASE WHEN ? <> '' THEN ? ELSE agent END,
			first_response_at = CASE WHEN ? = 1 AND first_response_at IS NULL THEN ? ELSE first_response_at END,
			replies = replies + ? WHERE id = ?`, now, now, m.Agent, m.Agent, reply, now, reply, last.id); err != nil {
			return r, err
		}
	}
	err = tx.QueryRow(ctx, `INSERT INTO messages (external_id, conversation_id, contact_id, customer_id, channel, direction, author, agent, session_id, subject, body, at,
			kind, from_addr, email_id, quoted, html, raw_id, user_id, status, via)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullString(m.ExternalID), conv.id, nullID(r.ContactID), customerID, m.Channel, direction(m.Inbound()), m.Author, m.Agent, m.SessionID, m.Subject, m.Body, now,
		m.Kind, m.FromAddr, nullString(m.EmailID), m.Quoted, m.HTML, nullID(m.RawID), nullID(m.UserID), m.Status, m.Via).Scan(&r.MessageID)
	if err == nil {
		// Open streams on this conversation (an agent's page, a chat
		// visitor) read it again the moment it is committed.
		convID := conv.id
		tx.AfterCommit(func() { live.Conversations.Publish(convID) })
		// Webhook subscribers hear of it in this same transaction.
		err = hooks.MessageRecorded(ctx, tx, r.MessageID, isNew, received)
	}
	return r, err
}

// placeInConversation creates the conversation the message starts, or
// moves the one it joins: a customer's message puts it back in the agents'
// court (open, awake, awaiting an answer since then), a reply from the
// brand leaves it waiting on the customer, and noise changes nothing but
// the thread. Every write stamps updated_at, which live views follow.
func placeInConversation(ctx context.Context, tx *store.Tx, conv *conversation, customerID int64, m Message, received time.Time) error {
	at, stamp := m.At.Unix(), received.Unix()
	if conv.id == 0 {
		// Noise that threads nowhere is kept, in a conversation no view
		// of open work shows.
		state, awaiting, closed := "open", any(nil), any(nil)
		switch {
		case m.Noise():
			state, closed = "closed", at
		case m.Inbound():
			awaiting = at
		default:
			state = "waiting"
		}
		return tx.QueryRow(ctx, `INSERT INTO conversations (customer_id, subject, state, channel, created_at, last_message_at, awaiting_since, updated_at, closed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			customerID, m.Subject, state, m.Channel, at, at, awaiting, stamp, closed).Scan(&conv.id)
	}
	if m.Noise() {
		_, err := tx.Exec(ctx, `UPDATE conversations SET updated_at = ? WHERE id = ?`, stamp, conv.id)
		return err
	}
	state := "waiting"
	if m.Inbound() {
		state = "open"
	}
	if conv.state == "closed" && !m.Inbound() {
		state = "closed"
	}
	var err error
	if m.Inbound() {
		_, err = tx.Exec(ctx, `UPDATE conversations SET state = ?, last_message_at = CASE WHEN last_message_at > ? THEN last_message_at ELSE ? END,
			closed_at = NULL, snoozed_until = NULL, awaiting_since = COALESCE(awaiting_since, ?), updated_at = ? WHERE id = ?`,
			state, at, at, at, stamp, conv.id)
	} else {
		_, err = tx.Exec(ctx, `UPDATE conversations SET state = ?, last_message_at = CASE WHEN last_message_at > ? THEN last_message_at ELSE ? END,
			closed_at = CASE WHEN ? = 'closed' THEN closed_at ELSE NULL END,
			awaiting_since = CASE WHEN ? = 'agent' THEN NULL ELSE awaiting_since END, updated_at = ? WHERE id = ?`,
			state, at, at, state, m.Author, stamp, conv.id)
	}
	return err
}

type conversation struct {
	id         int64
	customerID int64
	state      string
}

// pickConversation threads a message: into the conversation named, else the
// customer's latest conversation while it is open, waiting, or closed within
// the reopen window; else a new one (id 0).
func pickConversation(ctx context.Context, tx *store.Tx, customerID int64, m Message) (conversation, error) {
	var c conversation
	var closedAt sql.NullInt64
	if m.ConversationID != 0 {
		err := tx.QueryRow(ctx, `SELECT id, customer_id, state, closed_at FROM conversations WHERE id = ?`, m.ConversationID).Scan(&c.id, &c.customerID, &c.state, &closedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return c, domain.Errorf(domain.ENotFound, "conversation %d does not exist", m.ConversationID)
		}
		return c, err
	}
	if customerID == 0 {
		return c, domain.Errorf(domain.EInvalid, "message %s names no customer", m.ExternalID)
	}
	err := tx.QueryRow(ctx, `SELECT id, customer_id, state, closed_at FROM conversations WHERE customer_id = ? ORDER BY last_message_at DESC, id DESC LIMIT 1`, customerID).
		Scan(&c.id, &c.customerID, &c.state, &closedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return conversation{customerID: customerID}, nil
	case err != nil:
		return c, err
	}
	if c.state == "closed" && (!closedAt.Valid || m.At.Sub(time.Unix(closedAt.Int64, 0)) > ReopenWindow) {
		return conversation{customerID: customerID}, nil
	}
	return c, nil
}

// SetConversationState moves a conversation to open, waiting or closed.
func SetConversationState(ctx context.Context, tx *store.Tx, conversationID int64, state string, at time.Time) error {
	var p domain.Problems
	p.OneOf("state", state, "open", "waiting", "closed")
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "bad conversation state", Fields: p}
	}
	// Before the change, so the event can say what the state was.
	if err := hooks.StateChanging(ctx, tx, conversationID, state, at); err != nil {
		return err
	}
	var closed any
	if state == "closed" {
		closed = at.Unix()
	}
	res, err := tx.Exec(ctx, `UPDATE conversations SET state = ?, closed_at = ?, updated_at = ? WHERE id = ?`, state, closed, at.Unix(), conversationID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "conversation %d does not exist", conversationID)
	}
	if state == "closed" {
		// Closing ends every contact in it: the next message is a new one.
		_, err = tx.Exec(ctx, `UPDATE contacts SET ended_at = ? WHERE conversation_id = ? AND ended_at IS NULL`, at.Unix(), conversationID)
	}
	return err
}

func hadContactWithin(ctx context.Context, tx *store.Tx, customerID int64, at time.Time) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE customer_id = ? AND started_at <= ? AND started_at >= ?`,
		customerID, at.Unix(), at.Add(-RepeatWindow).Unix()).Scan(&n)
	return n > 0, err
}

func direction(inbound bool) string {
	if inbound {
		return "in"
	}
	return "out"
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// errorf wraps an error with the record it belongs to.
func errorf(kind, id string, err error) error { return fmt.Errorf("%s %s: %w", kind, id, err) }
