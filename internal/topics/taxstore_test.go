package topics_test

import (
	"context"
	"testing"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/topics"
)

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func write(t *testing.T, db *store.DB, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := db.WriteTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// addContact stores a bare contact with a topic and text.
func addContact(t *testing.T, db *store.DB, topic, source, text string, at time.Time, confidence float64) int64 {
	t.Helper()
	var id int64
	write(t, db, func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO contacts (channel, started_at, last_message_at, topic, topic_source, topic_confidence, body)
			VALUES ('email', ?, ?, ?, ?, ?, ?) RETURNING id`, at.Unix(), at.Unix(), topic, source, confidence, text).Scan(&id)
	})
	return id
}

func TestTaxonomyEditsKeepHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		list, err := topics.Taxonomy(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(topics.Default) {
			t.Fatalf("a new store has %d topics, want the %d of the default taxonomy", len(list), len(topics.Default))
		}
		for _, tp := range list {
			if !topics.IsDefault(tp.ID) || tp.Status != "active" {
				t.Errorf("seeded topic %+v", tp)
			}
		}
		addContact(t, db, topics.DiscountPromo, topics.SourceModel, "code broken", now, 0.9)
		addContact(t, db, topics.DiscountPromo, topics.SourceAgent, "voucher", now, 0.9)
		addContact(t, db, "loyalty", topics.SourceImported, "points", now, 0)

		write(t, db, func(tx *store.Tx) error {
			if err := topics.AddTopic(ctx, tx, "loyalty", "", now); err != nil {
				return err
			}
			if err := topics.RenameTopic(ctx, tx, topics.DiscountPromo, "Codes and vouchers", now.Add(time.Hour)); err != nil {
				return err
			}
			n, err := topics.MergeTopic(ctx, tx, "loyalty", topics.DiscountPromo, now.Add(2*time.Hour))
			if n != 1 {
				t.Errorf("merge moved %d contacts, want 1", n)
			}
			return err
		})
		var discount topics.StoreTopic
		list, _ = topics.Taxonomy(ctx, db)
		for _, tp := range list {
			if tp.ID == topics.DiscountPromo {
				discount = tp
			}
			if tp.ID == "loyalty" && (tp.Status != "retired" || tp.MergedInto != topics.DiscountPromo || tp.Contacts != 0) {
				t.Errorf("merged topic: %+v", tp)
			}
		}
		if discount.Name != "Codes and vouchers" || discount.Contacts != 3 {
			t.Errorf("renamed topic: %+v, want its new name and 3 contacts", discount)
		}
		h, err := topics.History(ctx, db, topics.DiscountPromo)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 || h[0].Kind != "renamed" || h[0].OldName != "Discount or promo" || h[1].Kind != "merged" || h[1].TopicID != "loyalty" || h[1].Contacts != 1 {
			t.Errorf("history of discount_promo: %+v", h)
		}

		// Errors a user can act on.
		write(t, db, func(tx *store.Tx) error {
			for _, err := range []error{
				topics.AddTopic(ctx, tx, "Bad Id", "", now),
				topics.AddTopic(ctx, tx, topics.Return, "", now),
				topics.RenameTopic(ctx, tx, "nope", "x", now),
				topics.RetireTopic(ctx, tx, topics.Other, now),
			} {
				if code := domain.ErrorCode(err); code == domain.EInternal {
					t.Errorf("%v: code %s", err, code)
				}
			}
			_, err := topics.MergeTopic(ctx, tx, topics.Sizing, "loyalty", now)
			if domain.ErrorCode(err) != domain.EInvalid {
				t.Errorf("merge into a retired topic: %v", err)
			}
			return nil
		})

		// The classifier follows the taxonomy: a merged topic's prediction
		// goes to the topic it was merged into, a retired one's to other.
		write(t, db, func(tx *store.Tx) error {
			if _, err := topics.MergeTopic(ctx, tx, topics.Refund, topics.Return, now); err != nil {
				return err
			}
			return topics.RetireTopic(ctx, tx, topics.Sizing, now)
		})
		c, err := topics.Current(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if a := c.Assign("", "", "I returned the parcel two weeks ago and still no refund"); a.Topic != topics.Return || a.Guess != topics.Refund {
			t.Errorf("a refund after refund was merged into return: %+v", a)
		}
		if a := c.Assign("", "", "The boots are too small, can I get a bigger size?"); a.Topic != topics.Other || a.Guess != topics.Sizing {
			t.Errorf("sizing after it was retired: %+v", a)
		}
		if a := c.Assign("sizing", "", "anything"); a.Topic != "sizing" || a.Source != topics.SourceImported {
			t.Errorf("an imported label is kept as it is: %+v", a)
		}
	})
}
