package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func newVisitor(t *testing.T, db *store.DB) *chat.Visitor {
	t.Helper()
	var v chat.Visitor
	if err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		v, err = chat.NewVisitor(context.Background(), tx, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// As the widget does: every request finds the visitor by its token.
	got, err := chat.LookupVisitor(context.Background(), db, v.Token)
	if err != nil || got.ID != v.ID {
		t.Fatalf("LookupVisitor = %+v, %v", got, err)
	}
	got.Token = v.Token
	return &got
}

func send(t *testing.T, db *store.DB, v *chat.Visitor, client, text string, at time.Time) desk.Recorded {
	t.Helper()
	rec, err := chat.Send(context.Background(), db, v, chat.Post{ClientID: client, Text: text}, at)
	if err != nil {
		t.Fatal(err)
	}
	if fresh, err := chat.LookupVisitor(context.Background(), db, v.Token); err == nil {
		fresh.Identity, fresh.Token = v.Identity, v.Token
		*v = fresh
	}
	return rec
}

func texts(t *testing.T, db *store.DB, v *chat.Visitor) []string {
	t.Helper()
	items, err := chat.Messages(context.Background(), db, v, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, it := range items {
		out = append(out, it.From+": "+it.Text)
	}
	return out
}

// TestVisitorIsolation: a visitor reads their own conversations and never
// another's, whatever they send; an identified visitor reads their
// customer's, earlier ones included, and only while their token is valid.
func TestVisitorIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Ann wrote by mail last week.
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(now)), desk.Message{ExternalID: "mail-1", Channel: "email", Author: "customer",
				Customer: commerce.CustomerRef{Email: "ann@example.com"}, Subject: "Parcel", Body: "Where is my parcel?", At: now.Add(-7 * 24 * time.Hour)})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		a, b := newVisitor(t, db), newVisitor(t, db)
		recA := send(t, db, a, "client-a-1", "hello from A", now)
		recB := send(t, db, b, "client-b-1", "hello from B", now.Add(time.Second))
		if recA.ConversationID == recB.ConversationID {
			t.Fatal("two anonymous visitors share a conversation")
		}
		if got := texts(t, db, a); strings.Join(got, "|") != "You: hello from A" {
			t.Errorf("A reads %q", got)
		}
		if got := texts(t, db, b); strings.Join(got, "|") != "You: hello from B" {
			t.Errorf("B reads %q", got)
		}
		if ok, err := chat.CanRead(ctx, db, a, recB.ConversationID); ok || err != nil {
			t.Errorf("A may read B's conversation: %v %v", ok, err)
		}
		if err := chat.Seen(ctx, db, a, recB.MessageID); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("A acknowledging B's message: %v, want not found", err)
		}

		// The same browser, identified as Ann: her earlier mail too.
		ann := chat.Identity{Email: "Ann@Example.com", Name: "Ann Lee", Exp: now.Add(time.Hour).Unix()}
		a.Identity = &ann
		if got := texts(t, db, a); strings.Join(got, "|") != "You: Where is my parcel?" {
			t.Errorf("identified Ann reads %q", got)
		}
		send(t, db, a, "client-a-2", "it is me, Ann", now.Add(time.Minute))
		if got := texts(t, db, a); strings.Join(got, "|") != "You: Where is my parcel?|You: it is me, Ann" {
			t.Errorf("identified Ann reads %q", got)
		}
		// Logged out on the brand's site: anonymous again, with only what
		// this browser wrote anonymously.
		a.Identity = nil
		if got := texts(t, db, a); strings.Join(got, "|") != "You: hello from A" {
			t.Errorf("A after Ann logged out reads %q", got)
		}
		// B claims Ann's address: B's customer joins Ann's, but B still
		// reads only the chat of its own conversation.
		if err := chat.GiveEmail(ctx, db, b, "ann@example.com", now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		send(t, db, b, "client-b-2", "B again", now.Add(3*time.Minute))
		got := strings.Join(texts(t, db, b), "|")
		if strings.Contains(got, "parcel") || strings.Contains(got, "Ann") || !strings.Contains(got, "You: B again") {
			t.Errorf("B after claiming Ann's address reads %q", got)
		}
		// Sending the same client id again stores nothing more.
		again := send(t, db, b, "client-b-2", "B again", now.Add(4*time.Minute))
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE body = 'B again'`).Scan(&n)
		if !again.Duplicate || n != 1 {
			t.Errorf("a repeated post: duplicate %v, %d stored", again.Duplicate, n)
		}
		// An unknown or malformed token is no visitor.
		for _, tok := range []string{"", "qv_nope", "nope"} {
			if _, err := chat.LookupVisitor(ctx, db, tok); domain.ErrorCode(err) != domain.EUnauthorized {
				t.Errorf("LookupVisitor(%q): %v", tok, err)
			}
		}
	})
}

// TestChatContacts: a chat session is one contact; 30 minutes idle ends it.
func TestChatContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		v := newVisitor(t, db)
		r1 := send(t, db, v, "contact-1", "one", now)
		r2 := send(t, db, v, "contact-2", "two", now.Add(10*time.Minute))
		r3 := send(t, db, v, "contact-3", "three", now.Add(45*time.Minute))
		if !r1.NewContact || r2.NewContact || !r3.NewContact || r1.ContactID != r2.ContactID {
			t.Errorf("contacts: %+v %+v %+v", r1, r2, r3)
		}
		var sessions int
		db.QueryRow(context.Background(), `SELECT COUNT(DISTINCT session_id) FROM messages WHERE channel = 'chat'`).Scan(&sessions)
		if sessions != 2 {
			t.Errorf("%d chat sessions, want 2", sessions)
		}
	})
}

func TestPostChecks(t *testing.T) {
	pdf := []byte("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n")
	for name, c := range map[string]struct {
		post  chat.Post
		field string
	}{
		"no client id":  {chat.Post{Text: "hi"}, "client_id"},
		"nothing":       {chat.Post{ClientID: "abcdefgh", Text: "  "}, "text"},
		"too long":      {chat.Post{ClientID: "abcdefgh", Text: strings.Repeat("x", chat.MaxText+1)}, "text"},
		"not UTF-8":     {chat.Post{ClientID: "abcdefgh", Text: "\xff"}, "text"},
		"a program":     {chat.Post{ClientID: "abcdefgh", File: &chat.File{Name: "x.exe", Data: []byte("MZ\x90\x00\x03")}}, "file"},
		"an empty file": {chat.Post{ClientID: "abcdefgh", File: &chat.File{Name: "x.pdf"}}, "file"},
		"a huge file":   {chat.Post{ClientID: "abcdefgh", File: &chat.File{Name: "x.pdf", Data: append(pdf, make([]byte, chat.MaxFileBytes)...)}}, "file"},
		"bad client id": {chat.Post{ClientID: "<script>", Text: "hi"}, "client_id"},
	} {
		err := c.post.Check()
		var de *domain.Error
		if err == nil || !strings.Contains(err.Error(), "") || !asDomain(err, &de) || len(de.Fields) == 0 || de.Fields[0].Field != c.field {
			t.Errorf("%s: %v, want a problem with %s", name, err, c.field)
		}
	}
	ok := chat.Post{ClientID: "abcdefgh", File: &chat.File{Name: "../../etc/receipt.pdf", Data: pdf}}
	if err := ok.Check(); err != nil || ok.File.Type != "application/pdf" || ok.File.Name != "receipt.pdf" {
		t.Errorf("a PDF: %v %+v", err, ok.File.Name)
	}
}

func asDomain(err error, de **domain.Error) bool {
	d, ok := err.(*domain.Error)
	*de = d
	return ok
}

// TestBusinessHours: the widget is open in chat.hours, else in the desk's
// business hours, else always; outside them it shows the away message.
func TestBusinessHours(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		monday10 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday
		sunday := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		cfg, err := chat.LoadConfig(ctx, db)
		if err != nil || !cfg.Open(sunday) || cfg.Away != chat.DefaultAway || cfg.Greeting != chat.DefaultGreeting {
			t.Fatalf("without hours: %+v %v", cfg, err)
		}
		db.SetSetting(ctx, desk.SettingBusinessHours, "Mon-Fri 09:00-17:00")
		cfg, _ = chat.LoadConfig(ctx, db)
		if !cfg.Open(monday10) || cfg.Open(sunday) || cfg.Open(monday10.Add(8*time.Hour)) {
			t.Error("the desk's business hours do not apply")
		}
		// chat.hours wins, in the store's time zone.
		db.SetSetting(ctx, "timezone", "America/New_York")
		db.SetSetting(ctx, chat.SettingHours, "Sun 08:00-12:00")
		db.SetSetting(ctx, chat.SettingAway, "Back on Sunday morning.")
		cfg, _ = chat.LoadConfig(ctx, db)
		if cfg.Open(monday10) || cfg.Open(sunday) || !cfg.Open(sunday.Add(4*time.Hour)) || cfg.Away != "Back on Sunday morning." {
			t.Errorf("chat.hours in New York: open Monday %v, Sunday 10:00 UTC %v, 14:00 UTC %v, away %q",
				cfg.Open(monday10), cfg.Open(sunday), cfg.Open(sunday.Add(4*time.Hour)), cfg.Away)
		}
	})
}

func TestSettingsChecks(t *testing.T) {
	check := map[string]func(string) error{}
	for _, s := range chat.Settings {
		check[s.Key] = s.Check
	}
	for key, bad := range map[string]string{chat.SettingSecret: "short", chat.SettingOrigins: "shop.example", chat.SettingHours: "whenever", chat.SettingAway: " "} {
		if err := check[key](bad); err == nil {
			t.Errorf("%s=%q accepted", key, bad)
		}
	}
	got, err := chat.ParseOrigins("https://Shop.example, http://localhost:8080")
	if err != nil || strings.Join(got, " ") != "https://shop.example http://localhost:8080" {
		t.Errorf("ParseOrigins = %q, %v", got, err)
	}
}
