package desk_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/desk"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// mailFrom writes a small raw mail; extra are more header lines.
func mailFrom(from, to, subject, msgID, body string, extra ...string) []byte {
	h := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n",
		from, to, subject, msgID)
	for _, e := range extra {
		h += e + "\r\n"
	}
	return []byte(h + "\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

type mailbox struct {
	t  *testing.T
	db *store.DB
	at time.Time
}

func (b *mailbox) receive(raw []byte, rcpts ...string) desk.Inbound {
	b.t.Helper()
	b.at = b.at.Add(time.Minute)
	in, err := desk.ReceiveMail(context.Background(), b.db, b.at, raw, rcpts)
	if err != nil {
		b.t.Fatalf("receive: %v", err)
	}
	return in
}

func (b *mailbox) reply(conv int64, text string) notify.Delivery {
	b.t.Helper()
	b.at = b.at.Add(time.Minute)
	var rec desk.Recorded
	err := b.db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		rec, err = desk.SendReply(context.Background(), tx, desk.Reply{ConversationID: conv, Agent: "Sam", Text: text, Then: "waiting", At: b.at})
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
	var key = fmt.Sprintf("reply:%d", rec.MessageID)
	ds, err := notify.List(context.Background(), b.db, notify.ListOptions{Limit: 100})
	if err != nil {
		b.t.Fatal(err)
	}
	for _, d := range ds {
		if d.Key == key {
			return d
		}
	}
	b.t.Fatalf("no delivery %s", key)
	return notify.Delivery{}
}

func TestEmailThreadsByHeadersReplyAddressAndSubject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, desk.SettingSupportAddresses, "help@brand.example"); err != nil {
			t.Fatal(err)
		}
		b := &mailbox{t: t, db: db, at: clocktest.Default}
		first := b.receive(mailFrom("Ann Lee <Ann@Example.com>", "help@brand.example", "Where is my parcel #1042?", "a1@example.com",
			"Hi,\nmy parcel has not arrived.\n\nAnn"))
		if !first.NewContact || first.Kind != "message" || first.ConversationID == 0 {
			t.Fatalf("first mail: %+v", first)
		}
		d := b.reply(first.ConversationID, "It left on Monday.")

		// Headers: the customer's client answers our Message-ID.
		byHeaders := b.receive(mailFrom("ann@example.com", "help@brand.example", "Re: something else", "a2@example.com",
			"Thanks!\n\nOn Mon, 2 Mar 2026 at 10:00, Sam <help@brand.example> wrote:\n> It left on Monday.",
			"In-Reply-To: <"+d.MessageID+">", "References: <a1@example.com> <"+d.MessageID+">"))
		if byHeaders.ConversationID != first.ConversationID || byHeaders.NewContact {
			t.Fatalf("a reply by headers: %+v", byHeaders)
		}
		var body, quoted string
		if err := db.QueryRow(ctx, `SELECT body, quoted FROM messages WHERE id = ?`, byHeaders.MessageID).Scan(&body, &quoted); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body, "It left on Monday") || !strings.Contains(quoted, "It left on Monday") || !strings.Contains(body, "Thanks!") {
			t.Fatalf("quoted history not stripped: body %q quoted %q", body, quoted)
		}

		// Reply address: no headers, a new subject, but the tagged address.
		_, token, _ := strings.Cut(strings.TrimSuffix(d.ReplyTo, "@brand.example"), "+")
		byToken := b.receive(mailFrom("ann@example.com", d.ReplyTo, "new subject", "a3@example.com", "One more thing."), d.ReplyTo)
		if byToken.ConversationID != first.ConversationID || token == "" {
			t.Fatalf("a reply to the reply address: %+v", byToken)
		}
		// A stranger writing to that address does not join Ann's
		// conversation.
		stranger := b.receive(mailFrom("eve@evil.example", d.ReplyTo, "Re: Where is my parcel #1042?", "e1@evil.example", "let me in"), d.ReplyTo)
		if stranger.ConversationID == first.ConversationID {
			t.Fatalf("a stranger's mail joined the customer's conversation")
		}

		// Subject: close the conversation, write again with the same
		// subject inside the reopen window: same conversation, reopened.
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			return desk.SetConversationState(ctx, tx, first.ConversationID, "closed", b.at)
		}); err != nil {
			t.Fatal(err)
		}
		bySubject := b.receive(mailFrom("ann@example.com", "help@brand.example", "AW: Re: Where is my parcel #1042?", "a4@example.com", "Still nothing."))
		if bySubject.ConversationID != first.ConversationID || !bySubject.NewContact {
			t.Fatalf("a mail with the same subject after close: %+v", bySubject)
		}

		// The same mail again changes nothing.
		before := countRows(t, db, "messages")
		again := b.receive(mailFrom("ann@example.com", "help@brand.example", "AW: Re: Where is my parcel #1042?", "a4@example.com", "Still nothing."))
		if !again.Duplicate || again.MessageID != bySubject.MessageID || countRows(t, db, "messages") != before {
			t.Fatalf("a re-sent mail: %+v", again)
		}
		// Our own reply coming back is ignored.
		echo := b.receive(mailFrom("help@brand.example", "help@brand.example", "Re: Where is my parcel #1042?", "x@y", "echo"))
		if !echo.Duplicate || countRows(t, db, "messages") != before {
			t.Fatalf("our own echo: %+v", echo)
		}
	})
}

func TestAutoRepliesBouncesAndListsAreNoContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, desk.SettingSupportAddresses, "help@brand.example"); err != nil {
			t.Fatal(err)
		}
		b := &mailbox{t: t, db: db, at: clocktest.Default}
		first := b.receive(mailFrom("bo@example.com", "help@brand.example", "Refund?", "b1@example.com", "Where is my refund?"))
		d := b.reply(first.ConversationID, "Refunded today.")
		contacts := countRows(t, db, "contacts")

		ooo := b.receive(mailFrom("bo@example.com", "help@brand.example", "Out of office: Re: Refund?", "b2@example.com", "I am away until Monday.",
			"Auto-Submitted: auto-replied", "In-Reply-To: <"+d.MessageID+">"))
		if ooo.Kind != "auto_reply" || ooo.ContactID != 0 || ooo.ConversationID != first.ConversationID {
			t.Fatalf("out of office: %+v", ooo)
		}
		var state string
		if err := db.QueryRow(ctx, `SELECT state FROM conversations WHERE id = ?`, first.ConversationID).Scan(&state); err != nil || state != "waiting" {
			t.Fatalf("an auto-reply changed the conversation's state to %q (%v)", state, err)
		}

		bounce := []byte("From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: help@brand.example\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
			"Date: Mon, 02 Mar 2026 09:05:00 +0000\r\nMessage-ID: <bounce1@mx.example.com>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\r\n\r\n" +
			"--BB\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. Your message could not be delivered.\r\n\r\n" +
			"--BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; bo@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n" +
			"--BB\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: help@brand.example\r\nTo: bo@example.com\r\nSubject: Re: Refund?\r\nMessage-ID: <" + d.MessageID + ">\r\n\r\n" +
			"--BB--\r\n")
		bin := b.receive(bounce)
		if bin.Kind != "bounce" || bin.ContactID != 0 || bin.ConversationID != first.ConversationID {
			t.Fatalf("bounce: %+v", bin)
		}
		var status, detail string
		if err := db.QueryRow(ctx, `SELECT `+desk.DeliveryStatusSQL+`, `+desk.DeliveryDetailSQL+` FROM messages m LEFT JOIN deliveries d ON d.id = m.delivery_id WHERE m.email_id = ?`, d.MessageID).
			Scan(&status, &detail); err != nil {
			t.Fatal(err)
		}
		if status != "failed" || !strings.Contains(detail, "5.1.1") || !strings.Contains(detail, "bo@example.com") {
			t.Fatalf("the bounced reply: %q %q", status, detail)
		}

		list := b.receive(mailFrom("news@shop.example", "help@brand.example", "Our newsletter", "n1@shop.example", "Deals!", "List-Id: <news.shop.example>",
			"List-Unsubscribe: <mailto:unsub@shop.example>"))
		if list.Kind != "list" || list.ContactID != 0 {
			t.Fatalf("list mail: %+v", list)
		}
		if n := countRows(t, db, "contacts"); n != contacts {
			t.Fatalf("noise made contacts: %d, want %d", n, contacts)
		}
		// Nothing was sent in answer to any of it.
		if n := countRows(t, db, "deliveries"); n != 1 {
			t.Fatalf("deliveries = %d, want the one reply", n)
		}
	})
}

func TestBrokenMailIsKeptRaw(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b := &mailbox{t: t, db: db, at: clocktest.Default}
		noFrom := []byte("To: help@brand.example\r\nSubject: hello\r\nDate: yesterday\r\n\r\nbody")
		in := b.receive(noFrom)
		if in.MessageID != 0 || in.ContactID != 0 {
			t.Fatalf("mail without a sender was placed: %+v", in)
		}
		var problems string
		if err := db.QueryRow(ctx, `SELECT problems FROM raw_messages`).Scan(&problems); err != nil || problems == "" {
			t.Fatalf("raw kept with problems %q (%v)", problems, err)
		}
		badDate := b.receive([]byte("From: cy@example.com\r\nSubject: =?x-unknown?Q?caf=E9?=\r\nDate: not a date\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xe9"))
		if badDate.MessageID == 0 || !badDate.NewContact {
			t.Fatalf("mail with a bad date and an unknown charset: %+v", badDate)
		}
		var at int64
		if err := db.QueryRow(ctx, `SELECT at FROM messages WHERE id = ?`, badDate.MessageID).Scan(&at); err != nil || at != b.at.Unix() {
			t.Fatalf("a mail without a readable date is placed when it arrived: %d vs %d (%v)", at, b.at.Unix(), err)
		}
	})
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNewMailGoesToTheNextAgentInTurn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.SetSetting(ctx, desk.SettingRoundRobin, "on"); err != nil {
			t.Fatal(err)
		}
		var agents []int64
		for _, email := range []string{"sam@brand.example", "kim@brand.example"} {
			u, err := auth.AddUser(ctx, db, email, auth.RoleAgent, "a long enough password", clocktest.Default)
			if err != nil {
				t.Fatal(err)
			}
			agents = append(agents, u.ID)
		}
		b := &mailbox{t: t, db: db, at: clocktest.Default}
		var got []int64
		for i, from := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			in := b.receive(mailFrom(from, "help@brand.example", "Question", fmt.Sprintf("q%d@example.com", i), "Hello?"))
			var assignee int64
			if err := db.QueryRow(ctx, `SELECT COALESCE(assignee_id, 0) FROM conversations WHERE id = ?`, in.ConversationID).Scan(&assignee); err != nil {
				t.Fatal(err)
			}
			got = append(got, assignee)
		}
		if got[0] == 0 || got[0] == got[1] || got[2] != got[0] {
			t.Fatalf("round-robin assigned %v among %v", got, agents)
		}
		// A follow-up in the same conversation keeps its agent.
		in := b.receive(mailFrom("a@example.com", "help@brand.example", "Re: Question", "q9@example.com", "Any news?"))
		var assignee int64
		db.QueryRow(ctx, `SELECT COALESCE(assignee_id, 0) FROM conversations WHERE id = ?`, in.ConversationID).Scan(&assignee)
		if assignee != got[0] {
			t.Fatalf("a follow-up moved the conversation to %d", assignee)
		}
	})
}
