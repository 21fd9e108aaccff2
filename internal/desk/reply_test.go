package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func (f *fixture) reply(r desk.Reply) (desk.Recorded, error) {
	f.t.Helper()
	var rec desk.Recorded
	err := f.db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		rec, err = desk.SendReply(context.Background(), tx, r)
		return err
	})
	return rec, err
}

func TestReplyByEmailQueuesThreadedMailInsideTheContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		first := f.msg("ann@example.com", "email", "customer", t0, func(m *desk.Message) {
			m.Subject, m.EmailID, m.FromAddr = "Where is my parcel?", "abc@mail.example.com", "Ann <ann@example.com>"
		})

		// No support address: the reply has no sender, and nothing is
		// stored.
		_, err := f.reply(desk.Reply{ConversationID: first.ConversationID, Agent: "Sam", Text: "On its way", At: t0.Add(time.Hour)})
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), desk.SettingSupportAddresses) {
			t.Fatalf("reply without a support address: %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM messages`); n != 1 {
			t.Fatalf("a refused reply stored something: %d messages", n)
		}

		if err := db.SetSetting(ctx, desk.SettingSupportAddresses, "help@brand.example, orders@brand.example"); err != nil {
			t.Fatal(err)
		}
		at := t0.Add(90 * time.Minute)
		drainWakeups()
		rec, err := f.reply(desk.Reply{ConversationID: first.ConversationID, UserID: 0, Agent: "Sam", Text: "Hello Ann,\n\nit left our warehouse <today>.", Then: "waiting", At: at})
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-notify.Woken():
		default:
			t.Error("a queued reply did not wake the outbox: it would wait for the outbox's next turn")
		}
		if rec.ContactID != first.ContactID || rec.NewContact {
			t.Fatalf("the reply should stay inside the customer's contact: %+v", rec)
		}
		var firstResponse, replies int64
		if err := db.QueryRow(ctx, `SELECT first_response_at, replies FROM contacts WHERE id = ?`, first.ContactID).Scan(&firstResponse, &replies); err != nil {
			t.Fatal(err)
		}
		if firstResponse != at.Unix() || replies != 1 {
			t.Fatalf("first_response_at = %d replies = %d, want %d and 1", firstResponse, replies, at.Unix())
		}
		var state string
		var awaiting *int64
		if err := db.QueryRow(ctx, `SELECT state, awaiting_since FROM conversations WHERE id = ?`, first.ConversationID).Scan(&state, &awaiting); err != nil {
			t.Fatal(err)
		}
		if state != "waiting" || awaiting != nil {
			t.Fatalf("after send-and-wait: state %q, awaiting_since %v", state, awaiting)
		}

		ds, err := notify.List(ctx, db, notify.ListOptions{Limit: 10})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries: %v %v", ds, err)
		}
		d := ds[0]
		if d.Target != "Ann <ann@example.com>" || !strings.Contains(d.From, "help@brand.example") || d.InReplyTo != "abc@mail.example.com" ||
			d.References != "abc@mail.example.com" || d.Subject != "Re: Where is my parcel?" || !d.Personal {
			t.Fatalf("delivery: %+v", d)
		}
		if !strings.HasPrefix(d.ReplyTo, "help+") || !strings.HasSuffix(d.ReplyTo, "@brand.example") {
			t.Fatalf("reply-to %q is not the conversation's reply address", d.ReplyTo)
		}
		if !strings.Contains(d.HTML, "&lt;today&gt;") {
			t.Fatalf("the reply's HTML does not escape the text: %q", d.HTML)
		}
		var status, emailID string
		if err := db.QueryRow(ctx, `SELECT `+desk.DeliveryStatusSQL+`, m.email_id FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id WHERE m.id = ?`, rec.MessageID).
			Scan(&status, &emailID); err != nil {
			t.Fatal(err)
		}
		if status != desk.StatusQueued || emailID != d.MessageID {
			t.Fatalf("message status %q email id %q, delivery message id %q", status, emailID, d.MessageID)
		}

		// A second reply threads under both earlier mails.
		if _, err := f.reply(desk.Reply{ConversationID: first.ConversationID, Agent: "Sam", Text: "Tracking: 123", Then: "closed", At: at.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		ds, _ = notify.List(ctx, db, notify.ListOptions{Limit: 10})
		if len(ds) != 2 || ds[0].References != "abc@mail.example.com "+d.MessageID || ds[0].InReplyTo != d.MessageID {
			t.Fatalf("second reply's threading: %+v", ds[0])
		}
		if err := db.QueryRow(ctx, `SELECT state FROM conversations WHERE id = ?`, first.ConversationID).Scan(&state); err != nil || state != "closed" {
			t.Fatalf("send and close left %q (%v)", state, err)
		}
		// Closing an answered conversation asks the customer how it went.
		if n := f.count(`SELECT COUNT(*) FROM csat WHERE conversation_id = ?`, first.ConversationID); n != 1 {
			t.Fatalf("surveys after send and close: %d", n)
		}
	})
}

func TestReplyRefusesWhatCannotBeSent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		chat := f.msg("bo@example.com", "chat", "customer", t0)
		for _, r := range []desk.Reply{
			{ConversationID: chat.ConversationID, Text: "  ", At: t0},
			{ConversationID: chat.ConversationID, Text: "hi", Then: "snoozed", At: t0},
			{ConversationID: 999, Text: "hi", At: t0},
		} {
			if _, err := f.reply(r); err == nil {
				t.Errorf("reply %+v was accepted", r)
			}
		}
		// A chat reply is recorded on its channel and queues no mail.
		rec, err := f.reply(desk.Reply{ConversationID: chat.ConversationID, Agent: "Sam", Text: "Hi Bo", At: t0.Add(time.Minute)})
		if err != nil || rec.ContactID != chat.ContactID {
			t.Fatalf("chat reply: %+v %v", rec, err)
		}
		if n := f.count(`SELECT COUNT(*) FROM deliveries`); n != 0 {
			t.Fatalf("a chat reply queued %d mails", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM messages WHERE channel = 'chat' AND direction = 'out'`); n != 1 {
			t.Fatalf("chat replies = %d", n)
		}
		// Plain send keeps an open conversation open.
		var state string
		if err := db.QueryRow(context.Background(), `SELECT state FROM conversations WHERE id = ?`, chat.ConversationID).Scan(&state); err != nil || state != "open" {
			t.Fatalf("state after a plain send: %q %v", state, err)
		}
	})
}

func TestNoiseIsKeptButNeverAContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		first := f.msg("cy@example.com", "email", "customer", t0)
		if err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
			return desk.SetConversationState(context.Background(), tx, first.ConversationID, "waiting", t0.Add(time.Hour))
		}); err != nil {
			t.Fatal(err)
		}
		auto := f.msg("cy@example.com", "email", "customer", t0.Add(4*24*time.Hour), func(m *desk.Message) { m.Kind = desk.KindAutoReply })
		if auto.ContactID != 0 || auto.NewContact || auto.ConversationID != first.ConversationID {
			t.Fatalf("auto-reply: %+v", auto)
		}
		var state string
		if err := db.QueryRow(context.Background(), `SELECT state FROM conversations WHERE id = ?`, first.ConversationID).Scan(&state); err != nil || state != "waiting" {
			t.Fatalf("an auto-reply woke the conversation: %q %v", state, err)
		}
		// List mail from someone new is kept in a conversation no open
		// view shows.
		list := f.msg("news@shop.example", "email", "customer", t0, func(m *desk.Message) { m.Kind = desk.KindList })
		if list.ContactID != 0 {
			t.Fatalf("list mail: %+v", list)
		}
		if err := db.QueryRow(context.Background(), `SELECT state FROM conversations WHERE id = ?`, list.ConversationID).Scan(&state); err != nil || state != "closed" {
			t.Fatalf("list mail's conversation is %q (%v)", state, err)
		}
		if n := f.count(`SELECT COUNT(*) FROM contacts`); n != 1 {
			t.Fatalf("contacts = %d, want 1", n)
		}
	})
}

func TestRepliesPutTheAgentInTheirTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		u, err := auth.AddUser(ctx, db, "sam@brand.example", auth.RoleAgent, "a long enough password", t0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO teams (name) VALUES ('Billing')`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE users SET name = 'Sam Laurent', team_id = (SELECT id FROM teams WHERE name = 'Billing') WHERE id = ?`, u.ID); err != nil {
			t.Fatal(err)
		}
		chat := f.msg("bo@example.com", "chat", "customer", t0)
		for range 2 { // the second reply changes nothing more
			if _, err := f.reply(desk.Reply{ConversationID: chat.ConversationID, UserID: u.ID, Agent: "Sam Laurent", Text: "Hi", At: t0.Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		var agent, team string
		if err := db.QueryRow(ctx, `SELECT c.agent, t.name FROM contacts c JOIN agents a ON a.name = c.agent JOIN teams t ON t.id = a.team_id WHERE c.id = ?`,
			chat.ContactID).Scan(&agent, &team); err != nil {
			t.Fatalf("the contact's agent is not in a team: %v", err)
		}
		if agent != "Sam Laurent" || team != "Billing" || f.count(`SELECT COUNT(*) FROM agents`) != 1 {
			t.Fatalf("agent %q team %q", agent, team)
		}
	})
}

// drainWakeups takes a pending outbox wake-up left by an earlier test.
func drainWakeups() {
	select {
	case <-notify.Woken():
	default:
	}
}
