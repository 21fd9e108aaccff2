package desk

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// ConversationDetail is one conversation as its page and the API show it:
// the thread oldest first, what agents did on it, and its latest contact.
type ConversationDetail struct {
	ID            int64      `json:"id"`
	CustomerID    int64      `json:"customer_id"`
	Customer      string     `json:"customer"` // name, else email, else phone
	CustomerName  string     `json:"customer_name"`
	CustomerEmail string     `json:"customer_email,omitempty"`
	CustomerPhone string     `json:"customer_phone,omitempty"`
	Subject       string     `json:"subject"`
	State         string     `json:"state"`
	Channel       string     `json:"channel"`
	AssigneeID    int64      `json:"assignee_id,omitempty"`
	Assignee      string     `json:"assignee,omitempty"`
	TeamID        int64      `json:"team_id,omitempty"`
	Team          string     `json:"team,omitempty"`
	Tags          []string   `json:"tags"`
	SnoozedUntil  *time.Time `json:"snoozed_until,omitempty"`
	AwaitingSince *time.Time `json:"awaiting_since,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	LastMessageAt time.Time  `json:"last_message_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
	UpdatedAt     time.Time  `json:"updated_at"`
	// Contact is the latest contact: its topic is the conversation's.
	Contact *ThreadContact `json:"contact"`
	// Messages are oldest first; Earlier counts older ones not read
	// (a thread reads its last MaxThreadMessages).
	Messages []ThreadMessage `json:"messages"`
	Earlier  int             `json:"earlier_messages,omitempty"`
	Events   []ThreadEvent   `json:"events"`
}

// ThreadContact is the conversation's latest contact.
type ThreadContact struct {
	ID              int64     `json:"id"`
	Channel         string    `json:"channel"`
	StartedAt       time.Time `json:"started_at"`
	Topic           string    `json:"topic"`
	TopicSource     string    `json:"topic_source"` // imported, agent, model, promoted
	TopicConfidence *float64  `json:"topic_confidence,omitempty"`
	OrderID         int64     `json:"order_id,omitempty"`
	HandleSeconds   int64     `json:"handle_seconds"`
}

// ThreadMessage is one message of the thread.
type ThreadMessage struct {
	ID        int64  `json:"id"`
	Direction string `json:"direction"` // in, out
	Channel   string `json:"channel"`
	Kind      string `json:"kind"` // message, auto_reply, bounce, list
	Author    string `json:"author"`
	Subject   string `json:"subject"`
	// Text is what was written, quoted history and signature removed;
	// Quoted what was removed.
	Text   string    `json:"text"`
	Quoted string    `json:"quoted,omitempty"`
	From   string    `json:"from"`
	At     time.Time `json:"at"`
	RawID  int64     `json:"-"`
	// Status is an outbound message's delivery: queued, retrying, sent,
	// failed (StatusDetail says why).
	Status       string             `json:"status,omitempty"`
	StatusDetail string             `json:"status_detail,omitempty"`
	Attachments  []ThreadAttachment `json:"attachments"`
}

// ThreadAttachment is a file that came with a message.
type ThreadAttachment struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Inline bool   `json:"inline"`
	Kept   bool   `json:"kept"` // false: over the size limit, named but not stored
	// Link is where a file kept elsewhere is (an MMS picture at Twilio, a
	// call's recording): the attachment is that link.
	Link string `json:"link,omitempty"`
}

// ThreadEvent is something an agent did on the conversation.
type ThreadEvent struct {
	ID     int64     `json:"id"`
	Kind   string    `json:"kind"`
	Actor  string    `json:"actor"`
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
}

// MaxThreadMessages bounds the messages one read of a thread returns.
const MaxThreadMessages = 500

// LoadConversation reads a conversation with its thread and events.
func LoadConversation(ctx context.Context, q Querier, id int64) (ConversationDetail, error) {
	d := ConversationDetail{ID: id, Messages: []ThreadMessage{}, Events: []ThreadEvent{}}
	var tags, name, email, phone, userName, userEmail string
	var snoozed, awaiting, closed sql.NullInt64
	var created, last, updated int64
	err := q.QueryRow(ctx, `SELECT c.customer_id, c.subject, c.state, c.channel, COALESCE(c.assignee_id, 0), COALESCE(c.team_id, 0), c.tags,
			c.snoozed_until, c.awaiting_since, c.created_at, c.last_message_at, c.closed_at, c.updated_at, cu.name,
			COALESCE((SELECT i.value FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'email' ORDER BY i.value LIMIT 1), ''),
			COALESCE((SELECT i.value FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'phone' ORDER BY i.value LIMIT 1), ''),
			COALESCE(u.name, ''), COALESCE(u.email, ''), COALESCE(t.name, '')
		FROM conversations c JOIN customers cu ON cu.id = c.customer_id
		LEFT JOIN users u ON u.id = c.assignee_id LEFT JOIN teams t ON t.id = c.team_id
		WHERE c.id = ?`, id).
		Scan(&d.CustomerID, &d.Subject, &d.State, &d.Channel, &d.AssigneeID, &d.TeamID, &tags, &snoozed, &awaiting, &created, &last, &closed, &updated,
			&name, &email, &phone, &userName, &userEmail, &d.Team)
	if errors.Is(err, sql.ErrNoRows) {
		return d, domain.Errorf(domain.ENotFound, "conversation %d does not exist", id)
	}
	if err != nil {
		return d, err
	}
	d.CustomerName, d.CustomerEmail, d.CustomerPhone = name, email, phone
	d.Customer = customerLabel(name, email, phone, d.CustomerID)
	d.Assignee = displayName(userName, userEmail)
	d.Tags = splitTags(tags)
	d.SnoozedUntil, d.AwaitingSince, d.ClosedAt = unixPtr(snoozed), unixPtr(awaiting), unixPtr(closed)
	d.CreatedAt, d.LastMessageAt, d.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(last, 0).UTC(), time.Unix(updated, 0).UTC()

	var k ThreadContact
	var conf sql.NullFloat64
	var order sql.NullInt64
	var started int64
	err = q.QueryRow(ctx, `SELECT id, channel, started_at, topic, topic_source, topic_confidence, order_id, handle_seconds FROM contacts
		WHERE conversation_id = ? ORDER BY started_at DESC, id DESC LIMIT 1`, id).
		Scan(&k.ID, &k.Channel, &started, &k.Topic, &k.TopicSource, &conf, &order, &k.HandleSeconds)
	switch {
	case err == nil:
		k.StartedAt = time.Unix(started, 0).UTC()
		if conf.Valid {
			k.TopicConfidence = &conf.Float64
		}
		k.OrderID = order.Int64
		d.Contact = &k
	case !errors.Is(err, sql.ErrNoRows):
		return d, err
	}

	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ?`, id).Scan(&d.Earlier); err != nil {
		return d, err
	}
	d.Earlier = max(0, d.Earlier-MaxThreadMessages)
	byID := map[int64]int{}
	err = eachRow(ctx, q, `SELECT m.id, m.direction, m.channel, m.kind, m.author, m.agent, m.subject, m.body, m.quoted, m.from_addr, m.at, COALESCE(m.raw_id, 0),
			`+DeliveryStatusSQL+`, `+DeliveryDetailSQL+`, COALESCE(u.name, ''), COALESCE(u.email, '')
		FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id LEFT JOIN users u ON u.id = m.user_id
		WHERE m.conversation_id = ? ORDER BY m.at DESC, m.id DESC LIMIT ?`, []any{id, MaxThreadMessages}, func(rows *sql.Rows) error {
		var m ThreadMessage
		var agent, userName, userEmail string
		var at int64
		if err := rows.Scan(&m.ID, &m.Direction, &m.Channel, &m.Kind, &m.Author, &agent, &m.Subject, &m.Text, &m.Quoted, &m.From, &at, &m.RawID,
			&m.Status, &m.StatusDetail, &userName, &userEmail); err != nil {
			return err
		}
		m.At = time.Unix(at, 0).UTC()
		if m.Direction == "in" {
			m.Status, m.StatusDetail = "", ""
		}
		if m.From == "" {
			switch {
			case m.Direction == "in":
				m.From = d.Customer
			case agent != "":
				m.From = agent
			case userEmail != "":
				m.From = displayName(userName, userEmail)
			default:
				m.From = m.Author
			}
		}
		m.Attachments = []ThreadAttachment{}
		byID[m.ID] = len(d.Messages)
		d.Messages = append(d.Messages, m)
		return nil
	})
	if err != nil {
		return d, err
	}
	slices.Reverse(d.Messages)
	for i := range d.Messages {
		byID[d.Messages[i].ID] = i
	}
	if len(d.Messages) > 0 {
		ids := make([]int64, len(d.Messages))
		for i, m := range d.Messages {
			ids[i] = m.ID
		}
		for start := 0; start < len(ids); start += 250 {
			part := ids[start:min(start+250, len(ids))]
			err := eachRow(ctx, q, `SELECT id, message_id, name, content_type, size, inline, content IS NOT NULL, url FROM attachments
				WHERE message_id IN (`+store.Placeholders(len(part))+`) ORDER BY message_id, id`, store.Args(part), func(rows *sql.Rows) error {
				var a ThreadAttachment
				var mid int64
				if err := rows.Scan(&a.ID, &mid, &a.Name, &a.Type, &a.Size, &a.Inline, &a.Kept, &a.Link); err != nil {
					return err
				}
				a.Kept = a.Kept || a.Link != ""
				m := &d.Messages[byID[mid]]
				m.Attachments = append(m.Attachments, a)
				return nil
			})
			if err != nil {
				return d, err
			}
		}
	}
	err = eachRow(ctx, q, `SELECT e.id, e.kind, e.detail, e.at, COALESCE(u.name, ''), COALESCE(u.email, '') FROM desk_events e LEFT JOIN users u ON u.id = e.actor_id
		WHERE e.conversation_id = ? ORDER BY e.at, e.id`, []any{id}, func(rows *sql.Rows) error {
		var e ThreadEvent
		var at int64
		var userName, userEmail string
		if err := rows.Scan(&e.ID, &e.Kind, &e.Detail, &at, &userName, &userEmail); err != nil {
			return err
		}
		e.At = time.Unix(at, 0).UTC()
		e.Actor = displayName(userName, userEmail)
		if userEmail == "" {
			e.Actor = "Quietdesk"
		}
		d.Events = append(d.Events, e)
		return nil
	})
	return d, err
}

// ThreadItem is a message or an event, for a thread drawn in time order.
type ThreadItem struct {
	Message *ThreadMessage
	Event   *ThreadEvent
	At      time.Time
}

// Thread interleaves the messages and the events in time order, events
// after the messages of the same second.
func (d *ConversationDetail) Thread() []ThreadItem {
	out := make([]ThreadItem, 0, len(d.Messages)+len(d.Events))
	i, j := 0, 0
	for i < len(d.Messages) || j < len(d.Events) {
		if j == len(d.Events) || i < len(d.Messages) && !d.Messages[i].At.After(d.Events[j].At) {
			out = append(out, ThreadItem{Message: &d.Messages[i], At: d.Messages[i].At})
			i++
			continue
		}
		out = append(out, ThreadItem{Event: &d.Events[j], At: d.Events[j].At})
		j++
	}
	return out
}

// TopicChoice is a topic an agent may set.
type TopicChoice struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TopicChoices lists the store's active topics by name.
func TopicChoices(ctx context.Context, q Querier) ([]TopicChoice, error) {
	var out []TopicChoice
	err := eachRow(ctx, q, `SELECT id, name FROM topics WHERE status = 'active' ORDER BY name, id`, nil, func(rows *sql.Rows) error {
		var t TopicChoice
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

// DeskUser is someone a conversation can be assigned to.
type DeskUser struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	TeamID int64  `json:"team_id,omitempty"`
}

// DeskUsers lists the agents and admins, by name.
func DeskUsers(ctx context.Context, q Querier) ([]DeskUser, error) {
	var out []DeskUser
	err := eachRow(ctx, q, `SELECT id, name, email, COALESCE(team_id, 0) FROM users WHERE role IN ('agent', 'admin') ORDER BY id`, nil, func(rows *sql.Rows) error {
		var u DeskUser
		var name string
		if err := rows.Scan(&u.ID, &name, &u.Email, &u.TeamID); err != nil {
			return err
		}
		u.Name = displayName(name, u.Email)
		out = append(out, u)
		return nil
	})
	slices.SortStableFunc(out, func(a, b DeskUser) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out, err
}

// DeskTeam is a team conversations can go to.
type DeskTeam struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// DeskTeams lists the teams by name.
func DeskTeams(ctx context.Context, q Querier) ([]DeskTeam, error) {
	var out []DeskTeam
	err := eachRow(ctx, q, `SELECT id, name FROM teams ORDER BY name`, nil, func(rows *sql.Rows) error {
		var t DeskTeam
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}
