package decide

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/topics"
)

// The review's taxonomy changes (docs/decisions.md#the-weekly-review): a
// promoted candidate relabels contacts, a merge moves them, and either
// changes what a topic's trend means from that week on, so the lead reads
// them beside the rising topics.

// TopicChange is a change to the taxonomy made in the week, from its
// recorded events (docs/topics.md#taxonomy).
type TopicChange struct {
	// Kind is the event's: created, promoted, renamed, merged or retired.
	Kind  string `json:"kind"`
	Topic string `json:"topic"`
	// Name is the topic's name: as the change set it (created, promoted,
	// renamed), else as it is now.
	Name    string `json:"name"`
	OldName string `json:"old_name,omitempty"` // renamed
	// Into is the topic a merge moved the contacts to, with its name now.
	Into     string `json:"into,omitempty"`
	IntoName string `json:"into_name,omitempty"`
	// Contacts is how many contacts a promotion relabelled or a merge
	// moved.
	Contacts int `json:"contacts"`
	// A promotion's candidate and its top terms; NewTopic when the
	// promotion created the topic.
	Candidate int64    `json:"candidate,omitempty"`
	Terms     []string `json:"terms,omitempty"`
	NewTopic  bool     `json:"new_topic,omitempty"`
	At        string   `json:"at"` // YYYY-MM-DD in the store's time zone
}

// topicChanges are the week's taxonomy changes, oldest first. A topic
// created by a promotion is one change, the promotion into a new topic.
func (d *Decider) topicChanges(ctx context.Context, week Week) ([]TopicChange, error) {
	loc, err := d.loc(ctx)
	if err != nil {
		return nil, err
	}
	events, err := topics.EventsBetween(ctx, d.DB, week.Start, week.End())
	if err != nil {
		return nil, err
	}
	out := []TopicChange{}
	if len(events) == 0 {
		return out, nil
	}
	names := map[string]string{}
	rows, err := d.DB.Query(ctx, `SELECT id, name FROM topics`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		names[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, e := range events {
		if e.Kind == "created" && i+1 < len(events) {
			next := events[i+1]
			if next.Kind == "promoted" && next.TopicID == e.TopicID && next.At.Equal(e.At) {
				continue
			}
		}
		c := TopicChange{Kind: e.Kind, Topic: e.TopicID, Name: e.NewName, OldName: e.OldName, Into: e.Into, Contacts: e.Contacts,
			Candidate: e.Candidate, Terms: e.Terms, At: e.At.In(loc).Format(dateLayout)}
		if c.Name == "" {
			c.Name = names[e.TopicID]
		}
		if c.Into != "" {
			c.IntoName = names[c.Into]
		}
		if e.Kind == "promoted" && i > 0 {
			prev := events[i-1]
			c.NewTopic = prev.Kind == "created" && prev.TopicID == e.TopicID && prev.At.Equal(e.At)
		}
		out = append(out, c)
	}
	return out, nil
}

// Sentence tells a taxonomy change for the review: "Candidate #12 (terms:
// customs, duty, held) promoted to the new topic customs_hold “Customs
// hold” on 2026-03-04: 37 contacts relabelled".
func (c TopicChange) Sentence() string {
	topic := fmt.Sprintf("%s “%s”", c.Topic, c.Name)
	switch c.Kind {
	case "promoted":
		from := "A discovery candidate"
		if c.Candidate != 0 {
			from = fmt.Sprintf("Candidate #%d", c.Candidate)
		}
		if len(c.Terms) > 0 {
			// Its first few terms name it; the JSON has them all.
			from += fmt.Sprintf(" (terms: %s)", strings.Join(c.Terms[:min(len(c.Terms), sentenceTerms)], ", "))
		}
		into := "topic"
		if c.NewTopic {
			into = "the new topic"
		}
		return fmt.Sprintf("%s promoted to %s %s on %s: %s relabelled", from, into, topic, c.At, contactsCount(c.Contacts))
	case "renamed":
		return fmt.Sprintf("Topic %s renamed from “%s” to “%s” on %s", c.Topic, c.OldName, c.Name, c.At)
	case "merged":
		return fmt.Sprintf("Topic %s merged into %s “%s” on %s: %s moved", topic, c.Into, c.IntoName, c.At, contactsCount(c.Contacts))
	case "retired":
		return fmt.Sprintf("Topic %s retired on %s", topic, c.At)
	case "created":
		return fmt.Sprintf("Topic %s added on %s", topic, c.At)
	}
	return fmt.Sprintf("Topic %s %s on %s", topic, strings.ReplaceAll(c.Kind, "_", " "), c.At)
}

// sentenceTerms is how many of a candidate's top terms its sentence gives.
const sentenceTerms = 5

func contactsCount(n int) string {
	if n == 1 {
		return "1 contact"
	}
	return fmt.Sprintf("%d contacts", n)
}
