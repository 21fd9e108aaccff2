package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// Events are written in the transaction of the change they announce, by
// the desk's own functions calling the three below: a rollback takes the
// event and its deliveries with it, and a commit makes them due at once.
// Nothing is read or written when no active subscriber wants the event.

// MessageRecorded announces a message desk.RecordMessage just stored:
// conversation.created first when the message started its conversation,
// then message.created. at is when the desk got the message.
func MessageRecorded(ctx context.Context, tx *store.Tx, messageID int64, newConversation bool, at time.Time) error {
	subs, err := activeSubscribers(ctx, tx)
	if err != nil || len(subs) == 0 {
		return err
	}
	wantsCreated, wantsMessage := wanted(subs, ConversationCreated) && newConversation, wanted(subs, MessageCreated)
	if !wantsCreated && !wantsMessage {
		return nil
	}
	msg, err := loadMessage(ctx, tx, messageID)
	if err != nil {
		return err
	}
	conv, err := loadConversation(ctx, tx, msg.ConversationID)
	if err != nil {
		return err
	}
	cust, err := loadCustomer(ctx, tx, conv.customerID, conv.ID, &msg)
	if err != nil {
		return err
	}
	if wantsCreated {
		if err := emit(ctx, tx, subs, ConversationCreated, conv.ID, at, data{Conversation: &conv, Customer: &cust}); err != nil {
			return err
		}
	}
	if wantsMessage {
		return emit(ctx, tx, subs, MessageCreated, conv.ID, at, data{Conversation: &conv, Message: &msg, Customer: &cust})
	}
	return nil
}

// StateChanging announces a conversation moving to state, called before
// the change is written: it reads the state the conversation is leaving,
// and announces nothing when that is the same one.
func StateChanging(ctx context.Context, tx *store.Tx, conversationID int64, state string, at time.Time) error {
	subs, err := activeSubscribers(ctx, tx)
	if err != nil || len(subs) == 0 || !wanted(subs, ConversationUpdated) {
		return err
	}
	conv, err := loadConversation(ctx, tx, conversationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the caller reports the missing conversation
	}
	if err != nil || conv.State == state {
		return err
	}
	prev := conv.State
	conv.State, conv.ClosedAt = state, nil
	if state == "closed" {
		conv.ClosedAt = stamp(at.Unix())
	}
	cust, err := loadCustomer(ctx, tx, conv.customerID, conv.ID, nil)
	if err != nil {
		return err
	}
	return emit(ctx, tx, subs, ConversationUpdated, conv.ID, at, data{Conversation: &conv, Customer: &cust,
		Changed: []string{"state"}, Previous: &previous{State: prev}})
}

// Assigned announces a conversation's new assignee or team, called after
// the change is written, with what it was before. A conversation with no
// message yet is being created (round-robin runs before its first message
// is stored): its conversation.created carries the assignee.
func Assigned(ctx context.Context, tx *store.Tx, conversationID, prevUser, prevTeam int64, at time.Time) error {
	subs, err := activeSubscribers(ctx, tx)
	if err != nil || len(subs) == 0 || !wanted(subs, ConversationUpdated) {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ?`, conversationID).Scan(&n); err != nil || n == 0 {
		return err
	}
	conv, err := loadConversation(ctx, tx, conversationID)
	if err != nil {
		return err
	}
	cust, err := loadCustomer(ctx, tx, conv.customerID, conv.ID, nil)
	if err != nil {
		return err
	}
	prev := &previous{}
	if prev.Assignee, err = loadAgent(ctx, tx, prevUser); err != nil {
		return err
	}
	if prev.Team, err = loadTeam(ctx, tx, prevTeam); err != nil {
		return err
	}
	return emit(ctx, tx, subs, ConversationUpdated, conv.ID, at, data{Conversation: &conv, Customer: &cust,
		Changed: []string{"assignee"}, Previous: prev})
}

type subscriber struct {
	id     int64
	url    string
	events string
}

func activeSubscribers(ctx context.Context, tx *store.Tx) ([]subscriber, error) {
	rows, err := tx.Query(ctx, `SELECT id, url, events FROM webhook_subscriptions WHERE disabled_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []subscriber
	for rows.Next() {
		var s subscriber
		if err := rows.Scan(&s.id, &s.url, &s.events); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (s subscriber) wants(event string) bool {
	for _, e := range strings.Split(s.events, ",") {
		if e == event {
			return true
		}
	}
	return false
}

func wanted(subs []subscriber, event string) bool {
	for _, s := range subs {
		if s.wants(event) {
			return true
		}
	}
	return false
}

// Envelope is the JSON body of every post (docs/webhooks.md#payloads).
type Envelope struct {
	ID        string `json:"id"` // evt_N, the same on every retry
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	Data      data   `json:"data"`
}

type data struct {
	Conversation *Conversation `json:"conversation"`
	Message      *Message      `json:"message,omitempty"`
	Customer     *Customer     `json:"customer"`
	// conversation.updated: what changed, and what it was before.
	Changed  []string  `json:"changed,omitempty"`
	Previous *previous `json:"previous,omitempty"`
}

type previous struct {
	State    string `json:"state,omitempty"`
	Assignee *Agent `json:"assignee,omitempty"`
	Team     *Team  `json:"team,omitempty"`
}

// emit stores one event and queues it for every active subscriber that
// chose its type: one outbox delivery each, keyed hook:<subscriber>:<event>.
func emit(ctx context.Context, tx *store.Tx, subs []subscriber, event string, conversationID int64, at time.Time, d data) error {
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO webhook_events (type, conversation_id, created_at) VALUES (?, ?, ?) RETURNING id`,
		event, conversationID, at.Unix()).Scan(&id); err != nil {
		return err
	}
	env := Envelope{ID: fmt.Sprintf("evt_%d", id), Type: event, CreatedAt: rfc3339(at.Unix()), Data: d}
	// Customer text stays data: encoding/json escapes it (and <, >, &,
	// so a payload pasted into a page is inert too).
	payload, err := json.Marshal(env)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if !s.wants(event) {
			continue
		}
		del, _, err := notify.Enqueue(ctx, tx, notify.Delivery{Key: fmt.Sprintf("hook:%d:%s", s.id, env.ID), Channel: notify.ChannelHook,
			Target: s.url, Subject: event, Payload: payload}, at)
		if err != nil {
			return fmt.Errorf("queue %s for webhook %d: %w", event, s.id, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (subscription_id, event_id, delivery_id) VALUES (?, ?, ?)`, s.id, id, del.ID); err != nil {
			return err
		}
	}
	return nil
}
