package topics

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// StoreTopic is a topic of a store's taxonomy.
type StoreTopic struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Status     string `json:"status"` // active or retired
	MergedInto string `json:"merged_into,omitempty"`
	Contacts   int    `json:"contacts"`
}

// Event is one change to the taxonomy.
type Event struct {
	TopicID  string    `json:"topic"`
	Kind     string    `json:"kind"` // created, renamed, merged, retired, promoted
	OldName  string    `json:"old_name,omitempty"`
	NewName  string    `json:"new_name,omitempty"`
	Into     string    `json:"into,omitempty"`
	Contacts int       `json:"contacts,omitempty"`
	At       time.Time `json:"at"`
	// A promotion's candidate and its top terms as discovery named it
	// (none for promotions recorded before events named their candidate).
	Candidate int64    `json:"candidate,omitempty"`
	Terms     []string `json:"terms,omitempty"`
}

// Taxonomy lists the store's topics with how many contacts carry each.
func Taxonomy(ctx context.Context, q querier) ([]StoreTopic, error) {
	rows, err := q.Query(ctx, `SELECT t.id, t.name, t.status, COALESCE(t.merged_into, ''), (SELECT COUNT(*) FROM contacts c WHERE c.topic = t.id)
		FROM topics t ORDER BY t.status, t.created_at, t.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoreTopic
	for rows.Next() {
		var t StoreTopic
		if err := rows.Scan(&t.ID, &t.Name, &t.Status, &t.MergedInto, &t.Contacts); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// History lists the taxonomy's changes, oldest first; one topic's when id
// is not empty (including merges into it).
func History(ctx context.Context, q querier, id string) ([]Event, error) {
	return events(ctx, q, `? = '' OR e.topic_id = ? OR e.into_id = ?`, id, id, id)
}

// EventsBetween lists the taxonomy's changes made in [from, to), oldest
// first.
func EventsBetween(ctx context.Context, q querier, from, to time.Time) ([]Event, error) {
	return events(ctx, q, `e.at >= ? AND e.at < ?`, from.Unix(), to.Unix())
}

func events(ctx context.Context, q querier, where string, args ...any) ([]Event, error) {
	rows, err := q.Query(ctx, `SELECT e.topic_id, e.kind, e.old_name, e.new_name, COALESCE(e.into_id, ''), e.contacts, e.at,
		COALESCE(e.candidate_id, 0), COALESCE(c.terms, '')
		FROM topic_events e LEFT JOIN topic_candidates c ON c.id = e.candidate_id
		WHERE `+where+` ORDER BY e.at, e.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var terms string
		if err := rows.Scan(&e.TopicID, &e.Kind, &e.OldName, &e.NewName, &e.Into, &e.Contacts, &at, &e.Candidate, &terms); err != nil {
			return nil, err
		}
		if terms != "" {
			if err := json.Unmarshal([]byte(terms), &e.Terms); err != nil {
				return nil, fmt.Errorf("candidate %d: its stored terms %q: %w", e.Candidate, terms, err)
			}
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

var topicID = regexp.MustCompile(`^[a-z][a-z0-9_]{1,47}$`)

// AddTopic adds an active topic.
func AddTopic(ctx context.Context, tx *store.Tx, id, name string, now time.Time) error {
	if !topicID.MatchString(id) {
		return domain.Errorf(domain.EInvalid, "topic id %q: use 2–48 lower-case letters, digits and underscores, starting with a letter (like broken_discount_code)", id)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = strings.ReplaceAll(id, "_", " ")
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	if _, err := get(ctx, tx, id); err == nil {
		return domain.Errorf(domain.EConflict, "topic %q exists already", id)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO topics (id, name, status, created_at) VALUES (?, ?, 'active', ?)`, id, name, now.Unix()); err != nil {
		return err
	}
	return event(ctx, tx, Event{TopicID: id, Kind: "created", NewName: name, At: now})
}

// RenameTopic changes a topic's name; its id, and so its contacts and
// trend, stay.
func RenameTopic(ctx context.Context, tx *store.Tx, id, name string, now time.Time) error {
	t, err := get(ctx, tx, id)
	if err != nil {
		return err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return domain.Errorf(domain.EInvalid, "a topic needs a name")
	}
	if _, err := tx.Exec(ctx, `UPDATE topics SET name = ? WHERE id = ?`, name, id); err != nil {
		return err
	}
	return event(ctx, tx, Event{TopicID: id, Kind: "renamed", OldName: t.Name, NewName: name, At: now})
}

// MergeTopic moves every contact of from to into and retires from, noting
// where it went; the event says how many contacts moved.
func MergeTopic(ctx context.Context, tx *store.Tx, from, into string, now time.Time) (int, error) {
	if from == into {
		return 0, domain.Errorf(domain.EInvalid, "cannot merge %q into itself", from)
	}
	if _, err := get(ctx, tx, from); err != nil {
		return 0, err
	}
	t, err := get(ctx, tx, into)
	if err != nil {
		return 0, err
	}
	if t.Status != "active" {
		return 0, domain.Errorf(domain.EInvalid, "topic %q is retired: merge into an active topic", into)
	}
	res, err := tx.Exec(ctx, `UPDATE contacts SET topic = ? WHERE topic = ?`, into, from)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.Exec(ctx, `UPDATE topics SET status = 'retired', merged_into = ? WHERE id = ?`, into, from); err != nil {
		return 0, err
	}
	// Topics merged earlier into from now lead to into.
	if _, err := tx.Exec(ctx, `UPDATE topics SET merged_into = ? WHERE merged_into = ?`, into, from); err != nil {
		return 0, err
	}
	return int(n), event(ctx, tx, Event{TopicID: from, Kind: "merged", Into: into, Contacts: int(n), At: now})
}

// RetireTopic stops a topic from being given to new contacts; the
// contacts that have it keep it.
func RetireTopic(ctx context.Context, tx *store.Tx, id string, now time.Time) error {
	if id == Other {
		return domain.Errorf(domain.EInvalid, "other cannot be retired: it is where every contact the model cannot place goes")
	}
	if _, err := get(ctx, tx, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE topics SET status = 'retired' WHERE id = ?`, id); err != nil {
		return err
	}
	return event(ctx, tx, Event{TopicID: id, Kind: "retired", At: now})
}

func get(ctx context.Context, q querier, id string) (StoreTopic, error) {
	var t StoreTopic
	err := q.QueryRow(ctx, `SELECT id, name, status, COALESCE(merged_into, '') FROM topics WHERE id = ?`, id).Scan(&t.ID, &t.Name, &t.Status, &t.MergedInto)
	if errors.Is(err, sql.ErrNoRows) {
		return t, domain.Errorf(domain.ENotFound, "no topic %q: quietdesk topics list shows them", id)
	}
	return t, err
}

func event(ctx context.Context, tx *store.Tx, e Event) error {
	var into, candidate any
	if e.Into != "" {
		into = e.Into
	}
	if e.Candidate != 0 {
		candidate = e.Candidate
	}
	_, err := tx.Exec(ctx, `INSERT INTO topic_events (topic_id, kind, old_name, new_name, into_id, contacts, at, candidate_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.TopicID, e.Kind, e.OldName, e.NewName, into, e.Contacts, e.At.Unix(), candidate)
	return err
}

// redirects maps each retired topic to the topic a contact should get
// instead: the one it was merged into, else Other.
func redirects(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT id, COALESCE(merged_into, '') FROM topics WHERE status = 'retired'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, into string
		if err := rows.Scan(&id, &into); err != nil {
			return nil, err
		}
		if into == "" {
			into = Other
		}
		out[id] = into
	}
	return out, rows.Err()
}

// Classifier is a model with the store's taxonomy applied: a prediction of
// a merged topic becomes the topic it was merged into, of a retired one
// Other (with the model's guess kept).
type Classifier struct {
	Model     *Model
	ModelID   int64 // 0 for the starter model
	redirects map[string]string
}

// Assign gives a contact its topic on arrival: a label it came with is kept
// as it is (source imported); without one, the model classifies its
// subject and text (source model). c may be nil when every contact has a
// label.
func (c *Classifier) Assign(label, subject, text string) Assigned {
	if label != "" {
		return Assigned{Topic: label, Source: SourceImported}
	}
	a := Assign(c.Model, "", subject, text)
	if to, ok := c.redirects[a.Topic]; ok {
		a.Topic = to
	}
	return a
}
