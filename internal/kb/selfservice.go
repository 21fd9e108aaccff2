// Package kb holds the knowledge base and self-service: sessions that end
// resolved without a person are demand that never became a contact.
package kb

import (
	"context"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Session is one self-service session (help-centre answer, order-status
// lookup, return request).
type Session struct {
	ExternalID      string
	StartedAt       time.Time
	Outcome         string // resolved or escalated
	Customer        commerce.CustomerRef
	OrderExternalID string
	Kind            string // article, order_status, return
	Topic           string
	Article         string
}

// Outcomes and kinds of a self-service session.
var (
	Outcomes     = []string{"resolved", "escalated"}
	SessionKinds = []string{"article", "order_status", "return"}
)

// Validate checks one session.
func (s *Session) Validate() domain.Problems {
	var p domain.Problems
	p.Require("session_id", s.ExternalID)
	if s.StartedAt.IsZero() {
		p.Add("started_at", "is required")
	}
	p.OneOf("outcome", s.Outcome, Outcomes...)
	if s.Kind != "" {
		p.OneOf("kind", s.Kind, SessionKinds...)
	}
	return p
}

var sessionTable = store.Keyed{Table: "self_service_sessions", Key: "external_id",
	Columns: []string{"started_at", "outcome", "customer_id", "order_id", "kind", "topic", "article"}}

// UpsertSessions writes sessions keyed on their external id. A session that
// names an order not stored is kept without the link.
func UpsertSessions(ctx context.Context, tx *store.Tx, customers *commerce.Customers, sessions []Session) (store.Counts, error) {
	var counts store.Counts
	keys := make([]string, len(sessions))
	orders := make([]string, 0, len(sessions))
	for i, s := range sessions {
		keys[i] = s.ExternalID
		if s.OrderExternalID != "" {
			orders = append(orders, s.OrderExternalID)
		}
	}
	have, err := sessionTable.Existing(ctx, tx, keys)
	if err != nil {
		return counts, err
	}
	orderIDs, err := commerce.OrderIDs(ctx, tx, orders)
	if err != nil {
		return counts, err
	}
	for _, s := range sessions {
		cid, err := customers.Resolve(ctx, tx, s.Customer)
		if err != nil {
			return counts, err
		}
		var cust, order any
		if cid != 0 {
			cust = cid
		}
		if id, ok := orderIDs[s.OrderExternalID]; ok {
			order = id
		}
		h := domain.Hash(s.StartedAt, s.Outcome, cid, s.OrderExternalID, orderIDs[s.OrderExternalID], s.Kind, s.Topic, s.Article)
		_, outcome, err := sessionTable.Write(ctx, tx, have, s.ExternalID, h, s.StartedAt.Unix(), s.Outcome, cust, order, s.Kind, s.Topic, s.Article)
		if err != nil {
			return counts, err
		}
		counts.Count(outcome)
	}
	return counts, nil
}

// AnsweredTopics are the topics the help centre answers in [from, to),
// measured as of now (docs/self-service.md#faq-gaps): a topic is answered
// when a published article lists it in its topics and its deflection over
// the period is known and above zero (Measure), or when an imported
// session (one another tool recorded) resolved with an article on it. The
// second rule keeps stores whose help centre lives elsewhere working.
func AnsweredTopics(ctx context.Context, db *store.DB, from, to, now time.Time) (map[string]bool, error) {
	rows, err := db.Query(ctx, `SELECT DISTINCT topic FROM self_service_sessions WHERE kind = 'article' AND outcome = 'resolved' AND article <> ''
		AND external_id NOT LIKE 'web:%' AND started_at >= ? AND started_at < ?`, from.Unix(), to.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out[t] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	m, err := Measure(ctx, db, MeasureOptions{From: from, To: to, Now: now})
	if err != nil {
		return nil, err
	}
	deflects := map[string]bool{}
	for _, a := range m.Articles {
		deflects[a.Slug] = a.Verdict == VerdictDeflects
	}
	published, err := List(ctx, db, Filter{Published: true})
	if err != nil {
		return nil, err
	}
	for _, a := range published {
		if deflects[a.Slug] {
			for _, t := range a.Topics {
				out[t] = true
			}
		}
	}
	return out, nil
}
