package desk_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/topics"
)

type storedTopic struct {
	topic, source, guess string
	confidence           sql.NullFloat64
}

func topicOf(t *testing.T, db *store.DB, where string, args ...any) storedTopic {
	t.Helper()
	var s storedTopic
	if err := db.QueryRow(context.Background(), `SELECT topic, topic_source, topic_guess, topic_confidence FROM contacts WHERE `+where, args...).
		Scan(&s.topic, &s.source, &s.guess, &s.confidence); err != nil {
		t.Fatal(err)
	}
	return s
}

// Every contact gets a topic on arrival: native messages and imported
// contacts without a label are classified; an imported label is kept.
func TestContactsGetATopicOnArrival(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		r := f.msg("ann@example.com", "email", "customer", t0, func(m *desk.Message) {
			m.Subject, m.Body = "Broken lamp", "Hi,\n\nThe lamp arrived broken, the glass is cracked.\n\nThanks,\nAnn"
		})
		got := topicOf(t, db, "id = ?", r.ContactID)
		if got.topic != topics.DamagedOrDefective || got.source != topics.SourceModel || got.guess != got.topic || !got.confidence.Valid || got.confidence.Float64 < 0.5 {
			t.Errorf("native contact: %+v", got)
		}

		cs := []desk.ImportedContact{
			{ExternalID: "Z1", StartedAt: t0, Channel: "email", Customer: commerce.CustomerRef{Email: "bo@example.com"}, Text: "I want to cancel my order, I ordered by mistake"},
			{ExternalID: "Z2", StartedAt: t0, Channel: "email", Customer: commerce.CustomerRef{Email: "bo@example.com"}, Text: "where is my order", Topic: "shipping_question"},
			{ExternalID: "Z3", StartedAt: t0, Channel: "chat", Customer: commerce.CustomerRef{Email: "cy@example.com"}, Text: "qwx zzv plort"},
		}
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, _, err := desk.UpsertContacts(ctx, tx, f.cust, cs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := topicOf(t, db, "external_id = 'Z1'"); got.topic != topics.Cancel || got.source != topics.SourceModel || !got.confidence.Valid {
			t.Errorf("imported without a label: %+v", got)
		}
		if got := topicOf(t, db, "external_id = 'Z2'"); got.topic != "shipping_question" || got.source != topics.SourceImported || got.confidence.Valid || got.guess != "" {
			t.Errorf("imported with a label: %+v", got)
		}
		// Gibberish is other: the model's own guess, or any guess it is too
		// unsure of (kept beside the topic).
		if got := topicOf(t, db, "external_id = 'Z3'"); got.topic != topics.Other || got.guess == "" ||
			(got.guess != topics.Other && got.confidence.Float64 >= topics.Starter().Threshold) {
			t.Errorf("gibberish: %+v, want other with the guess kept", got)
		}
	})
}

// The store's own model, once it has one, classifies instead of the starter.
func TestArrivalUsesTheStoresModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A model that knows two made-up topics only.
		var ex []topics.Example
		for _, s := range []string{"glitter", "sparkle", "shiny glitter", "glitter everywhere", "sparkly glitter"} {
			ex = append(ex, topics.Example{Text: s, Label: "glitter"}, topics.Example{Text: "plain " + s + " plain", Label: "plain"})
		}
		m, err := topics.Train(ex, topics.TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := topics.SaveModel(ctx, tx, m, nil, nil, true, time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		r := f.msg("ann@example.com", "chat", "customer", t0, func(m *desk.Message) { m.Body = "so much glitter" })
		if got := topicOf(t, db, "id = ?", r.ContactID); got.topic != "glitter" {
			t.Errorf("with the store's model: %+v", got)
		}
	})
}
