package desk_test

import (
	"context"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t    *testing.T
	db   *store.DB
	cust *commerce.Customers
	n    int
}

func (f *fixture) msg(email, channel, author string, at time.Time, mod ...func(*desk.Message)) desk.Recorded {
	f.t.Helper()
	f.n++
	m := desk.Message{ExternalID: "m" + string(rune('A'+f.n/26)) + string(rune('a'+f.n%26)), Customer: commerce.CustomerRef{Email: email}, Channel: channel, Author: author, At: at, Body: "hello"}
	for _, fn := range mod {
		fn(&m)
	}
	var r desk.Recorded
	err := f.db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		r, err = desk.RecordMessage(context.Background(), tx, f.cust, m)
		return err
	})
	if err != nil {
		f.t.Fatalf("record message: %v", err)
	}
	f.cust.Commit()
	return r
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) order(id, email string, placed time.Time) {
	f.t.Helper()
	err := f.db.WriteTx(context.Background(), func(tx *store.Tx) error {
		// Through the ingest path, which re-links contacts to new orders.
		_, err := ingest.WriteOrders(context.Background(), tx, &ingest.Env{Customers: f.cust},
			[]any{&commerce.Order{ExternalID: id, Name: "#" + id, Customer: commerce.CustomerRef{Email: email}, PlacedAt: placed, Status: "placed"}})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.cust.Commit()
}

func TestMessagesBecomeContactsByTheRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		a := "ann@example.com"

		first := f.msg(a, "email", "customer", t0)
		if !first.NewContact || first.Reason != desk.ReasonNewConversation {
			t.Fatalf("first email: %+v", first)
		}
		reply := f.msg(a, "email", "agent", t0.Add(2*time.Hour))
		if reply.NewContact || reply.ContactID != first.ContactID {
			t.Fatalf("agent reply should stay inside the contact: %+v", reply)
		}
		// 70h after the agent's reply: the contact is still active because
		// the reply counts as its last message.
		again := f.msg(a, "email", "customer", t0.Add(72*time.Hour))
		if again.NewContact {
			t.Fatalf("email within 72h of the last message started a contact: %+v", again)
		}
		late := f.msg(a, "email", "customer", t0.Add(72*time.Hour+73*time.Hour))
		if !late.NewContact || late.ConversationID != first.ConversationID {
			t.Fatalf("email 73h later should be a new contact in the same conversation: %+v", late)
		}
		// Another channel in the same conversation is its own contact.
		sms := f.msg(a, "sms", "customer", t0.Add(146*time.Hour))
		if !sms.NewContact || sms.ConversationID != first.ConversationID {
			t.Fatalf("sms: %+v", sms)
		}
		if n := f.count(`SELECT COUNT(*) FROM contacts`); n != 3 {
			t.Fatalf("contacts = %d, want 3", n)
		}
		// The same message id again changes nothing.
		dup := desk.Message{ExternalID: "dup-1", Customer: commerce.CustomerRef{Email: a}, Channel: "voice", Author: "customer", At: t0.Add(200 * time.Hour)}
		for i := 0; i < 2; i++ {
			db.WriteTx(context.Background(), func(tx *store.Tx) error {
				_, err := desk.RecordMessage(context.Background(), tx, f.cust, dup)
				return err
			})
		}
		if n := f.count(`SELECT COUNT(*) FROM contacts`); n != 4 {
			t.Fatalf("contacts after a duplicated call = %d, want 4", n)
		}
	})
}

func TestClosedConversationReopensWithANewContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		b := "bob@example.com"
		first := f.msg(b, "email", "customer", t0)
		close := func(at time.Time) {
			db.WriteTx(context.Background(), func(tx *store.Tx) error {
				return desk.SetConversationState(context.Background(), tx, first.ConversationID, "closed", at)
			})
		}
		close(t0.Add(time.Hour))
		// Within 72h of the last message, but the conversation was closed:
		// the message reopens it and is a new contact.
		re := f.msg(b, "email", "customer", t0.Add(3*time.Hour))
		if !re.NewContact || re.ConversationID != first.ConversationID || re.Reason != desk.ReasonReopen {
			t.Fatalf("reopen: %+v", re)
		}
		var state string
		db.QueryRow(context.Background(), `SELECT state FROM conversations WHERE id = ?`, first.ConversationID).Scan(&state)
		if state != "open" {
			t.Fatalf("state after reopen = %s", state)
		}
		close(t0.Add(4 * time.Hour))
		// Past the 7-day reopen window a new conversation starts.
		fresh := f.msg(b, "email", "customer", t0.Add(4*time.Hour+8*24*time.Hour))
		if !fresh.NewContact || fresh.ConversationID == first.ConversationID {
			t.Fatalf("after the reopen window: %+v", fresh)
		}
	})
}

func TestChatSessionsAndCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		c := "cat@example.com"
		session := func(id string) func(*desk.Message) { return func(m *desk.Message) { m.SessionID = id } }
		s1 := f.msg(c, "chat", "customer", t0, session("s1"))
		f.msg(c, "chat", "agent", t0.Add(time.Minute), session("s1"))
		same := f.msg(c, "chat", "customer", t0.Add(20*time.Minute), session("s1"))
		if same.NewContact || same.ContactID != s1.ContactID {
			t.Fatalf("same chat session: %+v", same)
		}
		idle := f.msg(c, "chat", "customer", t0.Add(51*time.Minute), session("s1"))
		if !idle.NewContact {
			t.Fatalf("chat after 31 idle minutes: %+v", idle)
		}
		other := f.msg(c, "chat", "customer", t0.Add(52*time.Minute), session("s2"))
		if !other.NewContact {
			t.Fatalf("new chat session: %+v", other)
		}
		call1 := f.msg(c, "voice", "customer", t0.Add(2*time.Hour))
		call2 := f.msg(c, "voice", "customer", t0.Add(2*time.Hour+time.Minute))
		if !call1.NewContact || !call2.NewContact {
			t.Fatal("each inbound call must be a contact")
		}
		if n := f.count(`SELECT COUNT(*) FROM contacts`); n != 5 {
			t.Fatalf("contacts = %d, want 5", n)
		}
	})
}

func TestProactiveNoticeAndReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		d := "dan@example.com"
		notice := f.msg(d, "sms", "proactive", t0)
		if notice.NewContact || notice.ContactID != 0 {
			t.Fatalf("a proactive notice is not a contact: %+v", notice)
		}
		reply := f.msg(d, "sms", "customer", t0.Add(time.Hour))
		if !reply.NewContact || reply.ConversationID != notice.ConversationID {
			t.Fatalf("the customer's reply to a notice is a contact: %+v", reply)
		}
	})
}

func TestRepeatContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		e := "eve@example.com"
		f.msg(e, "voice", "customer", t0)
		f.msg(e, "voice", "customer", t0.Add(6*24*time.Hour))          // repeat: within 7 days
		f.msg(e, "voice", "customer", t0.Add(14*24*time.Hour))         // not: 8 days after the previous
		f.msg("x@example.com", "voice", "customer", t0.Add(time.Hour)) // another customer
		if n := f.count(`SELECT COUNT(*) FROM contacts WHERE is_repeat`); n != 1 {
			t.Fatalf("repeat contacts = %d, want 1", n)
		}
		// Imported contacts arriving out of order get the same answer.
		ctx := context.Background()
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, _, err := desk.UpsertContacts(ctx, tx, f.cust, []desk.ImportedContact{
				{ExternalID: "z2", StartedAt: t0.Add(30*24*time.Hour + 48*time.Hour), Channel: "email", Customer: commerce.CustomerRef{Email: e}},
				{ExternalID: "z1", StartedAt: t0.Add(30 * 24 * time.Hour), Channel: "email", Customer: commerce.CustomerRef{Email: e}},
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var z1, z2 bool
		db.QueryRow(ctx, `SELECT is_repeat FROM contacts WHERE external_id = 'z1'`).Scan(&z1)
		db.QueryRow(ctx, `SELECT is_repeat FROM contacts WHERE external_id = 'z2'`).Scan(&z2)
		if z1 || !z2 {
			t.Fatalf("z1 repeat=%v (want false), z2 repeat=%v (want true)", z1, z2)
		}
	})
}

func TestOrderAttribution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		ctx := context.Background()
		g := "gus@example.com"
		f.order("1001", g, t0.Add(-90*24*time.Hour))
		f.order("1002", g, t0.Add(-10*24*time.Hour))
		f.order("1003", g, t0.Add(-3*24*time.Hour))
		f.order("1004", g, t0.Add(24*time.Hour)) // placed after the contact
		f.order("2001", "other@example.com", t0.Add(-24*time.Hour))

		linked := func(body, explicit string) (string, string) {
			t.Helper()
			var r desk.Recorded
			f.n++
			db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				r, err = desk.RecordMessage(ctx, tx, f.cust, desk.Message{ExternalID: "att" + string(rune('a'+f.n)), Customer: commerce.CustomerRef{Email: g},
					Channel: "voice", Author: "customer", At: t0, Body: body, OrderExternalID: explicit})
				return err
			})
			var ext, how string
			db.QueryRow(ctx, `SELECT COALESCE(o.external_id, ''), c.attribution FROM contacts c LEFT JOIN orders o ON o.id = c.order_id WHERE c.id = ?`, r.ContactID).Scan(&ext, &how)
			return ext, how
		}
		if ext, how := linked("where is my order #1002?", "1001"); ext != "1001" || how != desk.AttrExplicit {
			t.Errorf("explicit order: %s %s", ext, how)
		}
		if ext, how := linked("where is my order #1002?", ""); ext != "1002" || how != desk.AttrText {
			t.Errorf("order number in text: %s %s", ext, how)
		}
		if ext, how := linked("it never arrived", ""); ext != "1003" || how != desk.AttrRecent {
			t.Errorf("most recent order within 60 days: %s %s", ext, how)
		}
		if ext, how := linked("question about #999999", ""); ext != "1003" || how != desk.AttrRecent {
			t.Errorf("unknown number falls back to recency: %s %s", ext, how)
		}
		// A customer whose only order is older than 60 days: none.
		f.order("3001", "old@example.com", t0.Add(-61*24*time.Hour))
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, _, err := desk.UpsertContacts(ctx, tx, f.cust, []desk.ImportedContact{{ExternalID: "old-1", StartedAt: t0, Channel: "email", Customer: commerce.CustomerRef{Email: "old@example.com"}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var how string
		db.QueryRow(ctx, `SELECT attribution FROM contacts WHERE external_id = 'old-1'`).Scan(&how)
		if how != desk.AttrNone {
			t.Errorf("order older than 60 days: attribution %s", how)
		}
		// The order arrives after the contact was imported: the contact is
		// re-linked by recency.
		f.order("3002", "old@example.com", t0.Add(-2*24*time.Hour))
		var ext string
		db.QueryRow(ctx, `SELECT COALESCE(o.external_id, ''), c.attribution FROM contacts c LEFT JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'old-1'`).Scan(&ext, &how)
		if ext != "3002" || how != desk.AttrRecent {
			t.Errorf("after the order arrived: %s %s", ext, how)
		}
		// A ticket naming an order by its name ("#7001"), imported before the
		// order (whose id is Shopify's number), links when the order comes.
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, _, err := desk.UpsertContacts(ctx, tx, f.cust, []desk.ImportedContact{{ExternalID: "early-1", StartedAt: t0, Channel: "email",
				Customer: commerce.CustomerRef{Email: "new@example.com"}, OrderExternalID: "7001"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := ingest.WriteOrders(ctx, tx, &ingest.Env{Customers: f.cust},
				[]any{&commerce.Order{ExternalID: "6634244374859", Name: "#7001", Customer: commerce.CustomerRef{Email: "someone@example.com"}, PlacedAt: t0.Add(-time.Hour)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		db.QueryRow(ctx, `SELECT COALESCE(o.external_id, ''), c.attribution FROM contacts c LEFT JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'early-1'`).Scan(&ext, &how)
		if ext != "6634244374859" || how != desk.AttrExplicit {
			t.Errorf("order named by its name, arriving later: %q %s", ext, how)
		}
	})
}

func TestIdentitiesMergeWhenProven(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cust := commerce.NewCustomers(clocktest.Clock())
		resolve := func(ref commerce.CustomerRef) int64 {
			var id int64
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				id, err = cust.Resolve(ctx, tx, ref)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			cust.Commit()
			return id
		}
		byEmail := resolve(commerce.CustomerRef{Email: "Hana@Example.com "})
		byPhone := resolve(commerce.CustomerRef{Phone: "+33 6 12 34 56 78"})
		if byEmail == byPhone {
			t.Fatal("unrelated identifiers resolved to one customer")
		}
		if again := resolve(commerce.CustomerRef{Email: "hana@example.com"}); again != byEmail {
			t.Fatal("email case or spaces made a new customer")
		}
		// A record carrying both proves they are one person.
		merged := resolve(commerce.CustomerRef{Email: "hana@example.com", Phone: "+33612345678"})
		if merged != min(byEmail, byPhone) {
			t.Fatalf("merged into %d, want the older customer %d", merged, min(byEmail, byPhone))
		}
		if again := resolve(commerce.CustomerRef{Phone: "+33612345678"}); again != merged {
			t.Fatal("phone still resolves to the merged-away customer")
		}
		var into int64
		db.QueryRow(ctx, `SELECT merged_into FROM customers WHERE id = ?`, max(byEmail, byPhone)).Scan(&into)
		if into != merged {
			t.Fatalf("merged_into = %d", into)
		}
	})
}
