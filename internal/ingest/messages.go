package ingest

import (
	"context"
	"fmt"
	"sort"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Messages describes native desk messages as the API receives them. It is
// not registered among Kinds because a message is not upserted like the
// others: each one goes through the contact rules (desk.RecordMessage), which
// decide per message whether it starts a contact, and callers want that
// answer per message (RecordMessages). Its Write only counts.
var Messages = &Kind{
	Name:     "messages",
	Required: []string{"message_id", "channel", "sent_at"},
	Optional: []string{"author", "agent", "customer_id", "customer_email", "customer_phone", "customer_name",
		"conversation_id", "session_id", "subject", "body", "order_id"},
	Key: "message_id",
	Parse: func(row Row, tp domain.TimeParser) (any, domain.Problems) {
		return ParseMessage(row, tp)
	},
	Write: func(ctx context.Context, tx *store.Tx, env *Env, recs []any) (store.Counts, error) {
		var counts store.Counts
		recorded, err := RecordMessages(ctx, tx, env, derefs[desk.Message](recs))
		for _, r := range recorded {
			if r.Duplicate {
				counts.Unchanged++
			} else {
				counts.Created++
			}
		}
		return counts, err
	},
}

// ParseMessage reads one message. The author is "customer" when not given,
// since a message someone forwards to the desk is most often the customer's.
func ParseMessage(row Row, tp domain.TimeParser) (*desk.Message, domain.Problems) {
	r := &reader{row: row, tp: tp}
	m := &desk.Message{ExternalID: r.str("message_id"), Customer: customerRef(r), Channel: r.lower("channel"), Author: r.lower("author"),
		Agent: r.str("agent"), ConversationID: r.integer("conversation_id"), SessionID: r.str("session_id"), Subject: r.str("subject"),
		Body: r.str("body"), At: r.when("sent_at"), OrderExternalID: r.str("order_id")}
	if m.ConversationID < 0 {
		r.problems.Add("conversation_id", "must be positive (got %d)", m.ConversationID)
	}
	if len(r.problems) == 0 {
		r.problems = m.Validate()
	}
	return m, r.problems
}

// RecordMessages records valid messages in time order, so that a batch of
// history gets the contacts it would have got had the messages arrived one
// by one. The results follow the order of msgs.
func RecordMessages(ctx context.Context, tx *store.Tx, env *Env, msgs []desk.Message) ([]desk.Recorded, error) {
	order := make([]int, len(msgs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return msgs[order[a]].At.Before(msgs[order[b]].At) })
	out := make([]desk.Recorded, len(msgs))
	received := env.Now()
	for _, i := range order {
		if msgs[i].Received.IsZero() {
			msgs[i].Received = received
		}
		r, err := desk.RecordMessage(ctx, tx, env.Customers, msgs[i])
		if err != nil {
			return out, &ItemError{Item: i, Err: err}
		}
		out[i] = r
	}
	return out, nil
}

// ItemError says which item of a batch a write failed on.
type ItemError struct {
	Item int
	Err  error
}

func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %v", e.Item, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }
