package web_test

import (
	"encoding/json"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

type messagesReply struct {
	Created, Updated, Unchanged int
	Items                       []struct {
		MessageID      string `json:"message_id"`
		ConversationID int64  `json:"conversation_id"`
		ContactID      *int64 `json:"contact_id"`
		NewContact     bool   `json:"new_contact"`
	}
}

func TestMessagesFollowTheContactRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		msg := func(id, author string, at time.Duration) obj {
			m := obj{"message_id": id, "channel": "email", "author": author, "customer_email": "Ana@Example.com",
				"sent_at": t0.Add(at).Format(time.RFC3339), "subject": "Parcel", "body": "Where is order #1001?"}
			if author == "agent" {
				m["agent"] = "Sam"
			}
			return m
		}
		send := func(body any) messagesReply {
			t.Helper()
			r := a.post("/api/v1/messages", body)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var got messagesReply
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			return got
		}

		first := send(msg("e1", "customer", 0))
		if first.Created != 1 || !first.Items[0].NewContact || first.Items[0].ContactID == nil {
			t.Fatalf("first email: %+v, want a new contact", first)
		}
		contact := *first.Items[0].ContactID
		conv := first.Items[0].ConversationID

		// A second email 30 hours later and the agent's reply belong to the
		// same contact; the batch is recorded in time order whatever the
		// order it was sent in.
		got := send(batch(msg("a1", "agent", 31*time.Hour), msg("e2", "customer", 30*time.Hour)))
		for i, it := range got.Items {
			if it.NewContact || it.ContactID == nil || *it.ContactID != contact || it.ConversationID != conv {
				t.Fatalf("item %d %+v: want contact %d of conversation %d, not a new one", i, it, contact, conv)
			}
		}
		if got.Items[0].MessageID != "a1" || got.Created != 2 {
			t.Fatalf("results not in the order sent: %+v", got)
		}

		// 80 hours after the last message the contact is no longer active.
		third := send(msg("e3", "customer", 31*time.Hour+80*time.Hour))
		if it := third.Items[0]; !it.NewContact || it.ContactID == nil || *it.ContactID == contact {
			t.Fatalf("third email: %+v, want a second contact", it)
		}

		// Resending changes nothing.
		again := send(batch(msg("e1", "customer", 0), msg("e2", "customer", 30*time.Hour), msg("a1", "agent", 31*time.Hour), msg("e3", "customer", 111*time.Hour)))
		if again.Created != 0 || again.Unchanged != 4 {
			t.Fatalf("resend: %+v, want 4 unchanged", again)
		}
		for _, it := range again.Items {
			if it.NewContact {
				t.Fatalf("resend started a contact: %+v", it)
			}
		}

		if n := a.count("contacts"); n != 2 {
			t.Fatalf("%d contacts, want 2", n)
		}
		if n := a.count("messages"); n != 4 {
			t.Fatalf("%d messages, want 4", n)
		}
		if n := a.count("customers"); n != 1 {
			t.Fatalf("%d customers, want 1 (emails match whatever their case)", n)
		}
	})
}

func TestProactiveNoticeIsNotAContactButTheReplyIs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		r := a.post("/api/v1/messages", batch(
			obj{"message_id": "p1", "channel": "sms", "author": "proactive", "customer_phone": "+33 6 12 34 56 78", "sent_at": "2026-03-02T09:00:00Z", "body": "Your parcel is late"},
			obj{"message_id": "p2", "channel": "sms", "customer_phone": "+33612345678", "sent_at": "2026-03-02T10:00:00Z", "body": "When will it come?"},
		))
		var got messagesReply
		if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		if it := got.Items[0]; it.NewContact || it.ContactID != nil {
			t.Fatalf("proactive notice: %+v, want no contact", it)
		}
		if it := got.Items[1]; !it.NewContact {
			t.Fatalf("reply to the notice: %+v, want a new contact", it)
		}
	})
}
