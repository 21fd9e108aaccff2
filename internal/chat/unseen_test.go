package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/desk"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func reply(t *testing.T, db *store.DB, conv int64, text string, at time.Time) desk.Recorded {
	t.Helper()
	var rec desk.Recorded
	if err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		rec, err = desk.SendReply(context.Background(), tx, desk.Reply{ConversationID: conv, Agent: "Sam Ortiz", Text: text, At: at})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return rec
}

type delivery struct{ key, target, subject, text, replyTo, from string }

func deliveries(t *testing.T, db *store.DB) []delivery {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT key, target, subject, body_text, reply_to, from_addr FROM deliveries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []delivery
	for rows.Next() {
		var d delivery
		if err := rows.Scan(&d.key, &d.target, &d.subject, &d.text, &d.replyTo, &d.from); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestMailUnseen: an agent's chat reply nobody acknowledged for three
// minutes goes by mail to the address the visitor gave, once, with the
// conversation's reply address; a reply the widget acknowledged does not,
// and neither does one to a visitor whose address is unknown.
func TestMailUnseen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		db.SetSetting(ctx, desk.SettingSupportAddresses, "support@brand.example")
		v, quiet := newVisitor(t, db), newVisitor(t, db)
		rec := send(t, db, v, "unseen-1", "Is the blue one in stock?", now)
		quietRec := send(t, db, quiet, "unseen-q", "no email here", now)
		if err := chat.GiveEmail(ctx, db, v, "Ann@Example.com", now); err != nil {
			t.Fatal(err)
		}
		seen := reply(t, db, rec.ConversationID, "Let me look.", now.Add(10*time.Second))
		if err := chat.Seen(ctx, db, v, seen.MessageID); err != nil {
			t.Fatal(err)
		}
		reply(t, db, rec.ConversationID, "Yes, size M and L.", now.Add(time.Minute))
		reply(t, db, quietRec.ConversationID, "Hello?", now.Add(time.Minute))

		if n, err := chat.MailUnseen(ctx, db, now.Add(3*time.Minute)); err != nil || n != 0 {
			t.Fatalf("before three minutes: %d, %v", n, err)
		}
		if n, err := chat.MailUnseen(ctx, db, now.Add(4*time.Minute)); err != nil || n != 1 {
			t.Fatalf("after three minutes: %d, %v", n, err)
		}
		if n, err := chat.MailUnseen(ctx, db, now.Add(5*time.Minute)); err != nil || n != 0 {
			t.Fatalf("run again: %d, %v", n, err)
		}
		got := deliveries(t, db)
		if len(got) != 1 {
			t.Fatalf("deliveries: %+v", got)
		}
		d := got[0]
		var token string
		db.QueryRow(ctx, `SELECT reply_token FROM conversations WHERE id = ?`, rec.ConversationID).Scan(&token)
		if d.target != "ann@example.com" || token == "" || d.replyTo != "support+"+token+"@brand.example" ||
			!strings.Contains(d.text, "Yes, size M and L.") || strings.Contains(d.text, "Let me look.") || !strings.Contains(d.from, "Sam Ortiz") ||
			!strings.HasPrefix(d.key, "chat-unseen:") {
			t.Errorf("the mail: %+v (token %q)", d, token)
		}
	})
}
