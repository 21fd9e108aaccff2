package topics

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"quietdesk/internal/store"
)

// querier is what a *store.DB and a *store.Tx both offer.
type querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// StoredModel describes a model saved in the store (the blob aside).
type StoredModel struct {
	ID         int64           `json:"id"`
	CreatedAt  time.Time       `json:"created_at"`
	TrainedOn  int             `json:"trained_on"`
	Active     bool            `json:"active"`
	Scores     json.RawMessage `json:"scores"`
	Comparison json.RawMessage `json:"comparison"`
}

// decoded caches models read from stores by digest: decoding one takes
// milliseconds, and every batch of contacts asks for the current model.
var decoded = struct {
	sync.Mutex
	m map[string]*Model
}{m: map[string]*Model{}}

// maxCached bounds the cache; a process serves one store, so a few
// entries cover a model being replaced.
const maxCached = 4

// Current returns the store's classifier: its active model, or the
// starter model when the store has trained none, with its taxonomy.
func Current(ctx context.Context, q querier) (*Classifier, error) {
	m, id, err := currentModel(ctx, q)
	if err != nil {
		return nil, err
	}
	r, err := redirects(ctx, q)
	if err != nil {
		return nil, err
	}
	return &Classifier{Model: m, ModelID: id, redirects: r}, nil
}

func currentModel(ctx context.Context, q querier) (m *Model, id int64, err error) {
	var digest string
	err = q.QueryRow(ctx, `SELECT id, digest FROM topic_models WHERE active ORDER BY id DESC LIMIT 1`).Scan(&id, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		return Starter(), 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	decoded.Lock()
	m = decoded.m[digest]
	decoded.Unlock()
	if m != nil {
		return m, id, nil
	}
	var blob []byte
	if err := q.QueryRow(ctx, `SELECT model FROM topic_models WHERE id = ?`, id).Scan(&blob); err != nil {
		return nil, 0, err
	}
	if m, err = Load(blob); err != nil {
		return nil, 0, fmt.Errorf("the store's topic model %d: %w", id, err)
	}
	decoded.Lock()
	if len(decoded.m) >= maxCached {
		clear(decoded.m)
	}
	decoded.m[digest] = m
	decoded.Unlock()
	return m, id, nil
}

// SaveModel stores m with its scores and comparison records; active makes
// it the store's current model (and the previous one no longer current).
func SaveModel(ctx context.Context, q *store.Tx, m *Model, scores, comparison any, active bool, now time.Time) (int64, error) {
	blob := m.Bytes()
	sum := sha256.Sum256(blob)
	s, err := json.Marshal(scores)
	if err != nil {
		return 0, err
	}
	c, err := json.Marshal(comparison)
	if err != nil {
		return 0, err
	}
	if active {
		if _, err := q.Exec(ctx, `UPDATE topic_models SET active = FALSE WHERE active`); err != nil {
			return 0, err
		}
	}
	var id int64
	err = q.QueryRow(ctx, `INSERT INTO topic_models (created_at, digest, model, trained_on, scores, comparison, active) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		now.Unix(), hex.EncodeToString(sum[:]), blob, m.TrainedOn, string(s), string(c), active).Scan(&id)
	return id, err
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are marshalled here
	}
	return string(b)
}

// Models lists the store's models, newest first.
func Models(ctx context.Context, q querier) ([]StoredModel, error) {
	rows, err := q.Query(ctx, `SELECT id, created_at, trained_on, active, scores, comparison FROM topic_models ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredModel
	for rows.Next() {
		var s StoredModel
		var at int64
		var scores, comparison string
		if err := rows.Scan(&s.ID, &at, &s.TrainedOn, &s.Active, &scores, &comparison); err != nil {
			return nil, err
		}
		s.CreatedAt = time.Unix(at, 0).UTC()
		s.Scores, s.Comparison = json.RawMessage(scores), json.RawMessage(comparison)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Topic sources: who set a contact's topic.
const (
	SourceImported = "imported"
	SourceAgent    = "agent"
	SourceModel    = "model"
	SourcePromoted = "promoted"
)

// Assigned is the topic a contact is stored with.
type Assigned struct {
	Topic      string
	Source     string
	Confidence sql.NullFloat64
	Guess      string
}

// Assign gives a contact its topic on arrival: a label it came with is kept
// as it is (source imported); without one, m classifies its subject and
// text (source model). m may be nil when every contact has a label.
func Assign(m *Model, label, subject, text string) Assigned {
	if label != "" {
		return Assigned{Topic: label, Source: SourceImported}
	}
	p := m.Classify(contactText(subject, text))
	return Assigned{Topic: p.Topic, Source: SourceModel, Confidence: sql.NullFloat64{Float64: p.Confidence, Valid: true}, Guess: p.Guess}
}

// contactText is what the classifier reads of a contact: the subject line
// says what a mail is about as much as its body does. The body is cleaned
// on its own first, so its greeting is still its first line.
func contactText(subject, body string) string {
	switch {
	case subject == "":
		return body
	case body == "":
		return subject
	}
	return subject + "\n" + Clean(body)
}
