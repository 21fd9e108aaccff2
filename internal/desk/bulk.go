package desk

import (
	"context"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// Bulk loaders (the demo store) insert new imported contacts many rows per
// statement with ids they reserved. These give them exactly the columns and
// values UpsertContacts stores; internal/demo's TestBulkMatchesNormalWrites
// holds the two paths together. A bulk loader must still link contacts to
// orders as Attribute would, and call RefreshAttribution and RefreshRepeats
// for the customers it wrote, as UpsertContacts does. A contact without a
// topic is classified by the starter model: bulk loaders fill new stores,
// which have trained no model of their own yet, so it is their current one.

// ImportedContactColumns are the columns of ImportedContactRow, in its order.
func ImportedContactColumns() []string {
	return []string{"id", "customer_id", "order_id", "attribution", "external_order", "channel", "started_at", "last_message_at",
		"topic", "topic_confidence", "topic_source", "topic_guess", "handle_seconds", "agent", "team", "subject", "body", "tags", "row_hash",
		"first_response_at", "ended_at", "replies", "external_id", "source"}
}

// ImportedContactHash is the fingerprint UpsertContacts stores for c of
// customer customerID. The service an export describes is folded in only
// when there is some, so the contacts stored before it was read keep
// their fingerprint and a re-import of them changes nothing.
func ImportedContactHash(c *ImportedContact, customerID int64) int64 {
	h := domain.Hash(customerID, c.StartedAt, c.Channel, c.OrderExternalID, c.Topic, c.HandleSeconds, c.Agent, c.Team, c.Subject, c.Text, c.Tags)
	if c.FirstResponseAt == nil && c.EndedAt == nil && c.Replies == 0 && c.Satisfaction == nil {
		return h
	}
	var score int
	var comment string
	var answered *time.Time
	if s := c.Satisfaction; s != nil {
		score, comment, answered = s.Score, s.Comment, &s.At
	}
	return domain.Hash(h, unixOrNil(c.FirstResponseAt), unixOrNil(c.EndedAt), c.Replies, c.Satisfaction != nil, score, comment, unixOrNil(answered))
}

// ImportedContactRow is the row UpsertContacts inserts for the new contact c
// of customer customerID, linked as att says, stored under id. Its repeat
// flag is left false for RefreshRepeats to set.
func ImportedContactRow(id int64, c *ImportedContact, customerID int64, att Attribution) []any {
	at := c.StartedAt.Unix()
	var model *topics.Model
	if c.Topic == "" {
		model = topics.Starter()
	}
	tp := topics.Assign(model, c.Topic, c.Subject, c.Text)
	return []any{id, nullID(customerID), nullID(att.OrderID), att.How, c.OrderExternalID, c.Channel, at, at,
		tp.Topic, tp.Confidence, tp.Source, tp.Guess, c.HandleSeconds, c.Agent, c.Team, c.Subject, c.Text, c.Tags, ImportedContactHash(c, customerID),
		unixOrNil(c.FirstResponseAt), unixOrNil(c.EndedAt), c.Replies, c.ExternalID, "imported"}
}

// ImportedSatisfactionColumns are the columns of ImportedSatisfactionRow.
func ImportedSatisfactionColumns() []string {
	return []string{"id", "contact_id", "external_id", "channel", "agent", "topic", "asked_at", "score", "comment", "answered_at"}
}

// ImportedSatisfactionRow is the survey row UpsertContacts inserts for the
// new contact c, stored under contactID, whose rating it carries (nil when
// it carries none), under id.
func ImportedSatisfactionRow(id, contactID int64, c *ImportedContact) []any {
	if c.Satisfaction == nil {
		return nil
	}
	var model *topics.Model
	if c.Topic == "" {
		model = topics.Starter()
	}
	tp := topics.Assign(model, c.Topic, c.Subject, c.Text)
	return append([]any{id}, satisfactionValues(contactID, c, tp.Topic)...)
}

// RecordAgents keeps the agents and teams that contacts name, as
// UpsertContacts does for each batch it writes.
func RecordAgents(ctx context.Context, tx *store.Tx, contacts []ImportedContact) error {
	return recordAgents(ctx, tx, contacts)
}
