package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Delivery is one event's post to one subscriber, as its log shows it. The
// post itself is an outbox delivery of package notify (its id is
// DeliveryID, for quietdesk notify retry).
type Delivery struct {
	DeliveryID     int64      `json:"delivery_id"`
	EventID        string     `json:"event_id"`
	Event          string     `json:"event"`
	ConversationID int64      `json:"conversation_id"`
	Status         string     `json:"status"` // pending, sending, sent, failed
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"` // while pending
	// Summary is a line about the event for people: the start of the
	// message, or the conversation's new state. It is customer text.
	Summary string `json:"summary"`
}

// Log returns a subscriber's deliveries, newest first, at most limit (100
// when 0).
func Log(ctx context.Context, q Querier, subscriptionID int64, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := q.Query(ctx, `SELECT d.id, e.id, e.type, e.conversation_id, d.status, d.attempts, d.last_error, d.created_at, d.sent_at, d.next_attempt_at, d.payload
		FROM webhook_deliveries w JOIN deliveries d ON d.id = w.delivery_id JOIN webhook_events e ON e.id = w.event_id
		WHERE w.subscription_id = ? ORDER BY w.delivery_id DESC LIMIT ?`, subscriptionID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Delivery{}
	for rows.Next() {
		var d Delivery
		var event, created, next int64
		var sent sql.NullInt64
		var payload string
		if err := rows.Scan(&d.DeliveryID, &event, &d.Event, &d.ConversationID, &d.Status, &d.Attempts, &d.LastError, &created, &sent, &next, &payload); err != nil {
			return nil, err
		}
		d.EventID = "evt_" + strconv.FormatInt(event, 10)
		d.CreatedAt, d.SentAt = time.Unix(created, 0).UTC(), unixPtr(sent)
		if d.Status == "pending" {
			t := time.Unix(next, 0).UTC()
			d.NextAttemptAt = &t
		}
		d.Summary = summary(payload)
		out = append(out, d)
	}
	return out, rows.Err()
}

// summary is one line about a posted event, from its payload.
func summary(payload string) string {
	var env struct {
		Type string `json:"type"`
		Data struct {
			Conversation struct {
				State   string `json:"state"`
				Subject string `json:"subject"`
			} `json:"conversation"`
			Message *struct {
				Direction string `json:"direction"`
				Text      string `json:"text"`
			} `json:"message"`
			Customer struct {
				Name    string `json:"name"`
				Address string `json:"address"`
			} `json:"customer"`
			Changed []string `json:"changed"`
		} `json:"data"`
	}
	if json.Unmarshal([]byte(payload), &env) != nil {
		return ""
	}
	who := env.Data.Customer.Name
	if who == "" {
		who = env.Data.Customer.Address
	}
	var s string
	switch {
	case env.Data.Message != nil:
		arrow := "from " + who
		if env.Data.Message.Direction == "out" {
			arrow = "to " + who
		}
		s = arrow + ": " + env.Data.Message.Text
	case len(env.Data.Changed) > 0 && env.Data.Changed[0] == "state":
		s = "now " + env.Data.Conversation.State + " (" + who + ")"
	case len(env.Data.Changed) > 0:
		s = "assignee changed (" + who + ")"
	default:
		s = who
		if env.Data.Conversation.Subject != "" {
			s += ": " + env.Data.Conversation.Subject
		}
	}
	return clip(strings.Join(strings.Fields(s), " "), 200)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
