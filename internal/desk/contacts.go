package desk

import (
	"context"
	"time"

	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// ImportedContact is one interaction from another helpdesk's export or the
// API: each one counts as exactly one contact (docs/metrics.md#contacts).
type ImportedContact struct {
	ExternalID      string
	StartedAt       time.Time
	Channel         string
	Customer        commerce.CustomerRef
	OrderExternalID string
	Topic           string
	HandleSeconds   int64
	Agent           string
	Team            string
	Subject         string
	Text            string
	Tags            string
	// What another helpdesk's export says of the service the contact got,
	// when it does (docs/formats.md): the brand's first reply, when the
	// contact was resolved, how many replies the brand sent, and the
	// customer's rating (docs/metrics.md#team-figures).
	FirstResponseAt *time.Time
	EndedAt         *time.Time
	Replies         int64
	Satisfaction    *ImportedSatisfaction
	// Assigned is the topic worked out before the write (an import
	// classifies a batch while the one before it is written: AssignTopics);
	// nil, the write assigns it.
	Assigned *topics.Assigned
}

// AssignTopics works out the topic of every contact with the store's
// current model (a label it came with is kept), outside any transaction, so
// that the work overlaps another batch's writing.
func AssignTopics(ctx context.Context, db *store.DB, contacts []*ImportedContact) error {
	classifier, err := topics.Current(ctx, db)
	if err != nil {
		return err
	}
	for _, c := range contacts {
		tp := classifier.Assign(c.Topic, c.Subject, c.Text)
		c.Assigned = &tp
	}
	return nil
}

// Validate checks one imported contact.
func (c *ImportedContact) Validate() domain.Problems {
	var p domain.Problems
	p.Require("contact_id", c.ExternalID)
	if c.StartedAt.IsZero() {
		p.Add("started_at", "is required")
	}
	p.OneOf("channel", c.Channel, Channels...)
	if c.HandleSeconds < 0 {
		p.Add("handle_seconds", "must not be negative (got %d)", c.HandleSeconds)
	}
	if c.Replies < 0 {
		p.Add("replies", "must not be negative (got %d)", c.Replies)
	}
	if c.FirstResponseAt != nil && !c.StartedAt.IsZero() && c.FirstResponseAt.Before(c.StartedAt) {
		p.Add("first_response_at", "%s is before the contact started (%s)", c.FirstResponseAt.Format(time.RFC3339), c.StartedAt.Format(time.RFC3339))
	}
	if c.EndedAt != nil && !c.StartedAt.IsZero() && c.EndedAt.Before(c.StartedAt) {
		p.Add("resolved_at", "%s is before the contact started (%s)", c.EndedAt.Format(time.RFC3339), c.StartedAt.Format(time.RFC3339))
	}
	if s := c.Satisfaction; s != nil && s.Score != 0 && (s.Score < 1 || s.Score > 5) {
		p.Add("csat_score", "must be a whole number from 1 to 5 (got %d)", s.Score)
	}
	return p
}

// UpsertContacts writes imported contacts keyed on their external id, links
// each to an order (§2.1 attribution) and refreshes the repeat flags of the
// customers involved. It returns those customers.
func UpsertContacts(ctx context.Context, tx *store.Tx, customers *commerce.Customers, contacts []ImportedContact) (store.Counts, []int64, error) {
	var counts store.Counts
	ids := make([]string, len(contacts))
	for i := range contacts {
		ids[i] = contacts[i].ExternalID
	}
	have, err := store.Keyed{Table: "contacts", Key: "external_id"}.Existing(ctx, tx, ids)
	if err != nil {
		return counts, nil, err
	}
	classifier, err := classifierFor(ctx, tx, contacts)
	if err != nil {
		return counts, nil, err
	}
	touched := map[int64]bool{}
	for i := range contacts {
		c := &contacts[i]
		cid, err := customers.Resolve(ctx, tx, c.Customer)
		if err != nil {
			return counts, nil, errorf("contact", c.ExternalID, err)
		}
		h := ImportedContactHash(c, cid)
		prev, found := have[c.ExternalID]
		if found && prev[1] == h {
			counts.Unchanged++
			continue
		}
		att, err := Attribute(ctx, tx, cid, c.OrderExternalID, c.Subject+"\n"+c.Text, c.StartedAt)
		if err != nil {
			return counts, nil, errorf("contact", c.ExternalID, err)
		}
		at := c.StartedAt.Unix()
		var tp topics.Assigned
		if c.Assigned != nil {
			tp = *c.Assigned
		} else {
			tp = classifier.Assign(c.Topic, c.Subject, c.Text)
		}
		args := []any{nullID(cid), nullID(att.OrderID), att.How, c.OrderExternalID, c.Channel, at, at, tp.Topic, tp.Confidence, tp.Source, tp.Guess,
			c.HandleSeconds, c.Agent, c.Team, c.Subject, c.Text, c.Tags, h, unixOrNil(c.FirstResponseAt), unixOrNil(c.EndedAt), c.Replies}
		var id int64
		if found {
			id = prev[0]
			_, err = tx.Exec(ctx, `UPDATE contacts SET customer_id = ?, order_id = ?, attribution = ?, external_order = ?, channel = ?, started_at = ?, last_message_at = ?,
				topic = ?, topic_confidence = ?, topic_source = ?, topic_guess = ?, handle_seconds = ?, agent = ?, team = ?, subject = ?, body = ?, tags = ?, row_hash = ?,
				first_response_at = ?, ended_at = ?, replies = ? WHERE id = ?`, append(args, id)...)
			counts.Updated++
		} else {
			err = tx.QueryRow(ctx, `INSERT INTO contacts (customer_id, order_id, attribution, external_order, channel, started_at, last_message_at,
				topic, topic_confidence, topic_source, topic_guess, handle_seconds, agent, team, subject, body, tags, row_hash, first_response_at, ended_at, replies, external_id, source)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'imported') RETURNING id`, append(args, c.ExternalID)...).Scan(&id)
			have[c.ExternalID] = [2]int64{id, h}
			counts.Created++
		}
		if err == nil {
			err = upsertImportedSatisfaction(ctx, tx, id, c, tp.Topic, found)
		}
		if err != nil {
			return counts, nil, errorf("contact", c.ExternalID, err)
		}
		if cid != 0 {
			touched[cid] = true
		}
	}
	if err := recordAgents(ctx, tx, contacts); err != nil {
		return counts, nil, err
	}
	out := make([]int64, 0, len(touched))
	for id := range touched {
		out = append(out, id)
	}
	if err := RefreshRepeats(ctx, tx, out); err != nil {
		return counts, nil, err
	}
	return counts, out, nil
}

// classifierFor returns the store's topic classifier when some contact
// arrives without a topic, nil when every one has its label.
func classifierFor(ctx context.Context, tx *store.Tx, contacts []ImportedContact) (*topics.Classifier, error) {
	for i := range contacts {
		if contacts[i].Topic == "" && contacts[i].Assigned == nil {
			return topics.Current(ctx, tx)
		}
	}
	return nil, nil
}

// recordAgents keeps the agents and teams that contacts name, so costs by
// team (its hourly rate) and metrics by agent have something to join to. The
// team of the last contact written wins, so a re-imported, newer export moves
// an agent who changed teams.
func recordAgents(ctx context.Context, tx *store.Tx, contacts []ImportedContact) error {
	type pair struct{ agent, team string }
	seen := map[pair]bool{}
	for _, c := range contacts {
		p := pair{c.Agent, c.Team}
		if seen[p] || (p.agent == "" && p.team == "") {
			continue
		}
		seen[p] = true
		if p.team != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO teams (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, p.team); err != nil {
				return err
			}
		}
		if p.agent != "" {
			if err := keepAgent(ctx, tx, p.agent, `(SELECT id FROM teams WHERE name = ?)`, p.team); err != nil {
				return err
			}
		}
	}
	return nil
}

// keepAgent records an agent by name with its team (team is SQL giving
// the team's id from arg), so costs by team and metrics by team find
// them. An agent is rewritten only when its team changes: any write to
// agents rebuilds the whole metrics rollup (they cut every contact by
// team), so seeing the same agent again must not.
func keepAgent(ctx context.Context, tx *store.Tx, name, team string, arg any) error {
	_, err := tx.Exec(ctx, `INSERT INTO agents (name, team_id) VALUES (?, `+team+`)
		ON CONFLICT (name) DO UPDATE SET team_id = excluded.team_id
		WHERE excluded.team_id IS NOT NULL AND agents.team_id IS DISTINCT FROM excluded.team_id`, name, arg)
	return err
}
