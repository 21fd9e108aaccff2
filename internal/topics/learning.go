package topics

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"quietdesk/internal/store"
)

// Training is one retraining as recorded in topic_trainings: what it read,
// both models' figures on each held-out set, and whether the new model
// shipped.
type Training struct {
	ID          int64      `json:"id"`
	At          time.Time  `json:"at"`
	Labels      int        `json:"labels"`
	AgentLabels int        `json:"agent_labels"`
	TrainedOn   int        `json:"trained_on"`
	OldModelID  int64      `json:"old_model_id"` // 0: the starter model
	NewModelID  int64      `json:"new_model_id"` // 0: not shipped, not stored
	Shipped     bool       `json:"shipped"`
	Reason      string     `json:"reason"`
	Sets        []SetScore `json:"sets"`
	// Skipped are the held-out sets it did not judge on, and why.
	Skipped []SkippedSet `json:"skipped_sets"`
}

func recordTraining(ctx context.Context, tx *store.Tx, cmp Comparison, oldID int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO topic_trainings (at, labels, agent_labels, trained_on, old_model_id, new_model_id, shipped, reason, sets, skipped)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		cmp.At.Unix(), cmp.Labelled, cmp.AgentLabels, cmp.TrainedOn, nullID(oldID), nullID(cmp.ModelID), cmp.Replaced, cmp.Reason, mustJSON(cmp.Sets), mustJSON(cmp.Skipped)).Scan(&id)
	return id, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// Trainings lists the store's retrainings, oldest first, at most limit
// (the newest ones; 0: all).
func Trainings(ctx context.Context, q querier, limit int) ([]Training, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := q.Query(ctx, `SELECT id, at, labels, agent_labels, trained_on, old_model_id, new_model_id, shipped, reason, sets, skipped
		FROM topic_trainings ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Training
	for rows.Next() {
		var t Training
		var at int64
		var oldID, newID sql.NullInt64
		var sets, skipped string
		if err := rows.Scan(&t.ID, &at, &t.Labels, &t.AgentLabels, &t.TrainedOn, &oldID, &newID, &t.Shipped, &t.Reason, &sets, &skipped); err != nil {
			return nil, err
		}
		t.At, t.OldModelID, t.NewModelID = time.Unix(at, 0).UTC(), oldID.Int64, newID.Int64
		if err := json.Unmarshal([]byte(sets), &t.Sets); err != nil {
			return nil, fmt.Errorf("retraining %d: its sets are not JSON: %w", t.ID, err)
		}
		if err := json.Unmarshal([]byte(skipped), &t.Skipped); err != nil {
			return nil, fmt.Errorf("retraining %d: its skipped sets are not JSON: %w", t.ID, err)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, rows.Err()
}

// lastRetraining is when the store last retrained (a stored model, or a
// recorded retraining whose model did not ship); zero when never.
func lastRetraining(ctx context.Context, q querier) (time.Time, error) {
	var a, b sql.NullInt64
	if err := q.QueryRow(ctx, `SELECT MAX(at) FROM topic_trainings`).Scan(&a); err != nil {
		return time.Time{}, err
	}
	if err := q.QueryRow(ctx, `SELECT MAX(created_at) FROM topic_models`).Scan(&b); err != nil {
		return time.Time{}, err
	}
	if !a.Valid && !b.Valid {
		return time.Time{}, nil
	}
	return time.Unix(max(a.Int64, b.Int64), 0).UTC(), nil
}

// Uncertain is a contact the model was least sure about, with the current
// model's best guesses for an agent to choose from.
type Uncertain struct {
	ContactID      int64
	ConversationID int64
	StartedAt      time.Time
	Channel        string
	Topic          string  // what the model gave it (other when unsure)
	Confidence     float64 // what the model said when it ran
	Text           string  // subject and body, cut to UncertainTextChars
	Guesses        []Guess // the current model's best topics, most likely first
}

// Guess is a topic and the current model's probability for it.
type Guess struct {
	Topic       string
	Probability float64
}

// UncertainTextChars bounds the text a row shows.
const UncertainTextChars = 600

// UncertainOptions tune UncertainContacts.
type UncertainOptions struct {
	Since   time.Time // contacts that started then or later
	Limit   int       // at most this many (default 20)
	Guesses int       // best guesses per contact (default 3)
}

// UncertainContacts lists the contacts of the period the model labelled
// with the least confidence, least first: the labels an agent adds where
// the model is least sure teach it most (active learning). Only contacts
// the model labelled (never an agent's, an import's or a promotion's) that
// are their conversation's latest, since an agent's label goes to the
// latest contact of a conversation (desk.CorrectTopic). Guesses are the
// active topics of the store's taxonomy the current model finds likeliest
// for the text now.
func UncertainContacts(ctx context.Context, q querier, opt UncertainOptions) ([]Uncertain, error) {
	if opt.Limit <= 0 {
		opt.Limit = 20
	}
	if opt.Guesses <= 0 {
		opt.Guesses = 3
	}
	rows, err := q.Query(ctx, `SELECT c.id, c.conversation_id, c.started_at, c.channel, c.topic, c.topic_confidence, c.subject, c.body
		FROM contacts c
		WHERE c.topic_source = ? AND c.topic_confidence IS NOT NULL AND c.conversation_id IS NOT NULL AND c.started_at >= ?
		  AND NOT EXISTS (SELECT 1 FROM contacts n WHERE n.conversation_id = c.conversation_id
		                  AND (n.started_at > c.started_at OR (n.started_at = c.started_at AND n.id > c.id)))
		ORDER BY c.topic_confidence, c.started_at DESC, c.id DESC LIMIT ?`,
		SourceModel, opt.Since.Unix(), opt.Limit)
	if err != nil {
		return nil, err
	}
	var out []Uncertain
	for rows.Next() {
		var u Uncertain
		var at int64
		var subject, body string
		if err := rows.Scan(&u.ContactID, &u.ConversationID, &at, &u.Channel, &u.Topic, &u.Confidence, &subject, &body); err != nil {
			rows.Close()
			return nil, err
		}
		u.StartedAt = time.Unix(at, 0).UTC()
		u.Text = contactText(subject, body)
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	c, err := Current(ctx, q)
	if err != nil {
		return nil, err
	}
	active, err := activeTopics(ctx, q)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Guesses = c.guesses(out[i].Text, active, opt.Guesses)
		if r := []rune(out[i].Text); len(r) > UncertainTextChars {
			out[i].Text = string(r[:UncertainTextChars]) + "…"
		}
	}
	return out, nil
}

// guesses are the n likeliest active topics for text, with merged topics'
// probabilities added to the topic they went into.
func (c *Classifier) guesses(text string, active map[string]bool, n int) []Guess {
	p := c.Model.Probabilities(text)
	sum := map[string]float64{}
	for i, l := range c.Model.Labels {
		if to, ok := c.redirects[l]; ok {
			l = to
		}
		if active[l] {
			sum[l] += p[i]
		}
	}
	out := make([]Guess, 0, len(sum))
	for l, v := range sum {
		out = append(out, Guess{Topic: l, Probability: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Probability != out[j].Probability {
			return out[i].Probability > out[j].Probability
		}
		return out[i].Topic < out[j].Topic
	})
	return out[:min(n, len(out))]
}

func activeTopics(ctx context.Context, q querier) (map[string]bool, error) {
	rows, err := q.Query(ctx, `SELECT id FROM topics WHERE status = 'active'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}
