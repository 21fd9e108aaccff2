package hooks

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// Conversation is a conversation as payloads carry it.
type Conversation struct {
	ID            int64   `json:"id"`
	State         string  `json:"state"` // open, waiting, closed
	Channel       string  `json:"channel"`
	Subject       string  `json:"subject"`
	Assignee      *Agent  `json:"assignee"`
	Team          *Team   `json:"team"`
	CreatedAt     string  `json:"created_at"`
	LastMessageAt string  `json:"last_message_at"`
	ClosedAt      *string `json:"closed_at"`
	// URL is the conversation's page, when the setting site.url is set.
	URL string `json:"url,omitempty"`

	customerID int64
}

// Agent is a user who works the desk.
type Agent struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Team is a team of agents.
type Team struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Message is a message as payloads carry it.
type Message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Direction      string `json:"direction"` // in (from the customer) or out
	Author         string `json:"author"`    // customer, agent, proactive, system
	Agent          string `json:"agent,omitempty"`
	Channel        string `json:"channel"` // email, chat, voice, sms, social, other
	// Via is the service inside the channel: instagram, messenger,
	// whatsapp, sms… Empty on an agent's reply: it goes back the way the
	// customer wrote (Customer.Via).
	Via         string       `json:"via"`
	Kind        string       `json:"kind"` // message, or auto_reply, bounce, list for mail no one wrote
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	From        string       `json:"from"` // the sender's address or handle as written; empty on replies
	At          string       `json:"at"`
	Status      string       `json:"status,omitempty"` // an outbound message's delivery: queued, sent, failed
	ExternalID  string       `json:"external_id,omitempty"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment is a file that came with a message. URL is set for a file
// the desk keeps as a link (social and MMS media); the others are on the
// conversation's page.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url,omitempty"`
}

// Customer is who the conversation is with, and where they wrote from.
type Customer struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Address and Via are where the customer last wrote from in this
	// conversation (an email address, a phone number, a handle), and
	// through which service: where an answer goes.
	Address    string     `json:"address"`
	Channel    string     `json:"channel"`
	Via        string     `json:"via"`
	Identities []Identity `json:"identities"`
}

// Identity is one of the customer's identifiers: kind email, phone, or the
// system that issued an id (instagram, shopify, customer…).
type Identity struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

func rfc3339(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.RFC3339) }

func stamp(unix int64) *string {
	s := rfc3339(unix)
	return &s
}

func loadConversation(ctx context.Context, tx *store.Tx, id int64) (Conversation, error) {
	c := Conversation{ID: id}
	var created, last int64
	var closed, assignee, team sql.NullInt64
	err := tx.QueryRow(ctx, `SELECT customer_id, state, channel, subject, assignee_id, team_id, created_at, last_message_at, closed_at FROM conversations WHERE id = ?`, id).
		Scan(&c.customerID, &c.State, &c.Channel, &c.Subject, &assignee, &team, &created, &last, &closed)
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.LastMessageAt = rfc3339(created), rfc3339(last)
	if closed.Valid {
		c.ClosedAt = stamp(closed.Int64)
	}
	if c.Assignee, err = loadAgent(ctx, tx, assignee.Int64); err != nil {
		return c, err
	}
	if c.Team, err = loadTeam(ctx, tx, team.Int64); err != nil {
		return c, err
	}
	site, err := tx.Setting(ctx, store.SiteURLSetting)
	if err != nil {
		return c, err
	}
	if site = strings.TrimRight(strings.TrimSpace(site), "/"); site != "" {
		c.URL = site + "/conversations/" + strconv.FormatInt(id, 10)
	}
	return c, nil
}

func loadAgent(ctx context.Context, tx *store.Tx, id int64) (*Agent, error) {
	if id == 0 {
		return nil, nil
	}
	a := &Agent{ID: id}
	err := tx.QueryRow(ctx, `SELECT name, email FROM users WHERE id = ?`, id).Scan(&a.Name, &a.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	return a, err
}

func loadTeam(ctx context.Context, tx *store.Tx, id int64) (*Team, error) {
	if id == 0 {
		return nil, nil
	}
	t := &Team{ID: id}
	err := tx.QueryRow(ctx, `SELECT name FROM teams WHERE id = ?`, id).Scan(&t.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil
	}
	return t, err
}

func loadMessage(ctx context.Context, tx *store.Tx, id int64) (Message, error) {
	m := Message{ID: id, Attachments: []Attachment{}}
	var at int64
	var ext sql.NullString
	err := tx.QueryRow(ctx, `SELECT conversation_id, direction, author, agent, channel, via, kind, subject, body, from_addr, at, status, external_id FROM messages WHERE id = ?`, id).
		Scan(&m.ConversationID, &m.Direction, &m.Author, &m.Agent, &m.Channel, &m.Via, &m.Kind, &m.Subject, &m.Text, &m.From, &at, &m.Status, &ext)
	if err != nil {
		return m, err
	}
	m.At, m.ExternalID = rfc3339(at), ext.String
	rows, err := tx.Query(ctx, `SELECT name, content_type, size, url FROM attachments WHERE message_id = ? ORDER BY id`, id)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.Name, &a.ContentType, &a.Size, &a.URL); err != nil {
			return m, err
		}
		m.Attachments = append(m.Attachments, a)
	}
	return m, rows.Err()
}

// loadCustomer reads the customer and where they last wrote from in the
// conversation: the message itself when it is theirs.
func loadCustomer(ctx context.Context, tx *store.Tx, customerID, conversationID int64, msg *Message) (Customer, error) {
	c := Customer{ID: customerID, Identities: []Identity{}}
	if err := tx.QueryRow(ctx, `SELECT name FROM customers WHERE id = ?`, customerID).Scan(&c.Name); err != nil {
		return c, err
	}
	rows, err := tx.Query(ctx, `SELECT kind, value FROM customer_identities WHERE customer_id = ? ORDER BY kind, value`, customerID)
	if err != nil {
		return c, err
	}
	for rows.Next() {
		var id Identity
		if err := rows.Scan(&id.Kind, &id.Value); err != nil {
			rows.Close()
			return c, err
		}
		c.Identities = append(c.Identities, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	if msg != nil && msg.Direction == "in" {
		c.Address, c.Channel, c.Via = msg.From, msg.Channel, msg.Via
		return c, nil
	}
	err = tx.QueryRow(ctx, `SELECT from_addr, channel, via FROM messages WHERE conversation_id = ? AND direction = 'in' AND kind = 'message' ORDER BY at DESC, id DESC LIMIT 1`,
		conversationID).Scan(&c.Address, &c.Channel, &c.Via)
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil
	}
	return c, err
}
