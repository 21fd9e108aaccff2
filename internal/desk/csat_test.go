package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// closeAndAsk closes a conversation and asks for satisfaction, as the
// desk's close action does.
func closeAndAsk(t *testing.T, db *store.DB, conversationID int64, at time.Time, site string) string {
	t.Helper()
	var link string
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		if err := desk.SetConversationState(context.Background(), tx, conversationID, "closed", at); err != nil {
			return err
		}
		var err error
		link, err = desk.AskSatisfaction(context.Background(), tx, conversationID, at, site)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func answer(db *store.DB, token string, score int, comment string, at time.Time) (desk.Survey, error) {
	var s desk.Survey
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		s, err = desk.AnswerSatisfaction(context.Background(), tx, token, score, comment, at)
		return err
	})
	return s, err
}

// A closed email conversation asks its latest contact once, by mail to
// the address the customer wrote from, with a link whose token only a
// hash of is kept; closing again asks nothing more, and a conversation
// reopened by the customer is a new contact, asked again.
func TestAskSatisfactionOncePerContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		r := f.msg("ana@example.com", "email", "customer", t0, func(m *desk.Message) {
			m.FromAddr, m.Subject = `"Ana Lima" <Ana.Lima@example.com>`, `Where is <b>my</b> order?`
		})
		f.msg("ana@example.com", "email", "agent", t0.Add(time.Hour))
		link := closeAndAsk(t, db, r.ConversationID, t0.Add(2*time.Hour), "https://desk.example.com/")
		token, ok := strings.CutPrefix(link, "https://desk.example.com/csat/")
		if !ok || len(token) < 20 {
			t.Fatalf("link %q", link)
		}
		if n := f.count(`SELECT COUNT(*) FROM csat WHERE contact_id = ? AND conversation_id = ? AND token_hash <> ? AND channel = 'email' AND score IS NULL`, r.ContactID, r.ConversationID, token); n != 1 {
			t.Fatalf("%d surveys stored as asked", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM csat WHERE token_hash LIKE ?`, "%"+token+"%"); n != 0 {
			t.Error("the token itself is stored")
		}
		var key, target, text, html string
		if err := db.QueryRow(context.Background(), `SELECT key, target, body_text, body_html FROM deliveries`).Scan(&key, &target, &text, &html); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, "csat:") || target != "Ana.Lima@example.com" || !strings.Contains(text, link) || !strings.Contains(html, link) {
			t.Errorf("survey mail %q to %q: %q", key, target, text)
		}
		if strings.Contains(html, "<b>my</b>") || !strings.Contains(html, "&lt;b&gt;my&lt;/b&gt;") {
			t.Errorf("the customer's subject is not escaped in the mail's HTML: %s", html)
		}

		if again := closeAndAsk(t, db, r.ConversationID, t0.Add(3*time.Hour), "https://desk.example.com"); again != "" {
			t.Errorf("closing again asked again: %q", again)
		}
		if n := f.count(`SELECT COUNT(*) FROM csat`) + f.count(`SELECT COUNT(*) FROM deliveries`); n != 2 {
			t.Errorf("%d surveys and mails after closing twice, want 1 and 1", n)
		}

		// The customer writes again: the conversation reopens with a new
		// contact, and closing it asks about that one.
		r2 := f.msg("ana@example.com", "email", "customer", t0.Add(24*time.Hour))
		if r2.ContactID == r.ContactID || !r2.NewContact {
			t.Fatalf("the reopening message is not a new contact: %+v", r2)
		}
		if closeAndAsk(t, db, r.ConversationID, t0.Add(25*time.Hour), "https://desk.example.com") == "" {
			t.Error("the reopened conversation's contact was not asked")
		}
		if n := f.count(`SELECT COUNT(*) FROM csat WHERE contact_id = ?`, r2.ContactID); n != 1 {
			t.Errorf("%d surveys of the new contact", n)
		}
	})
}

// A chat is asked by a prompt with the link, not by mail; without a site
// address the link is a path and no mail goes out; a conversation that no
// customer started has nothing to rate; one that does not exist is said.
func TestAskSatisfactionByChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		chat := f.msg("ben@example.com", "chat", "customer", t0)
		if link := closeAndAsk(t, db, chat.ConversationID, t0.Add(time.Hour), "https://desk.example.com"); !strings.HasPrefix(link, "https://desk.example.com/csat/") {
			t.Errorf("chat link %q", link)
		}
		mail := f.msg("cy@example.com", "email", "customer", t0)
		if link := closeAndAsk(t, db, mail.ConversationID, t0.Add(time.Hour), ""); !strings.HasPrefix(link, "/csat/") {
			t.Errorf("link without a site address %q", link)
		}
		if n := f.count(`SELECT COUNT(*) FROM deliveries`); n != 0 {
			t.Errorf("%d mails: a chat is prompted, and a mail needs the site's address", n)
		}
		outbound := f.msg("dan@example.com", "email", "agent", t0)
		if link := closeAndAsk(t, db, outbound.ConversationID, t0.Add(time.Hour), "https://desk.example.com"); link != "" {
			t.Errorf("a conversation without a contact was asked: %q", link)
		}
		err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
			_, err := desk.AskSatisfaction(context.Background(), tx, 999999, t0, "")
			return err
		})
		if domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("an unknown conversation: %v", err)
		}
	})
}

// An answer is stored once; the same answer again changes nothing; a
// change of mind within 7 days replaces it and keeps the week it counts
// in; after that it is refused, as is a first answer 28 days after the
// question, a score outside 1..5 and a token that names no survey.
func TestAnswerSatisfaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := &fixture{t: t, db: db, cust: commerce.NewCustomers(clocktest.Clock())}
		r := f.msg("ana@example.com", "chat", "customer", t0)
		asked := t0.Add(time.Hour)
		token := strings.TrimPrefix(closeAndAsk(t, db, r.ConversationID, asked, ""), "/csat/")
		first := asked.Add(2 * time.Hour)
		s, err := answer(db, token, 4, "  quick  ", first)
		if err != nil || s.Score != 4 || s.Comment != "quick" || !s.AnsweredAt.Equal(first) {
			t.Fatalf("first answer: %+v %v", s, err)
		}
		if _, err := answer(db, token, 4, "quick", first.Add(10*24*time.Hour)); err != nil {
			t.Errorf("the same answer again, after the window: %v", err)
		}
		s, err = answer(db, token, 2, "on second thought", first.Add(6*24*time.Hour))
		if err != nil || s.Score != 2 || !s.AnsweredAt.Equal(first) {
			t.Errorf("a change within 7 days: %+v %v", s, err)
		}
		var score, answeredAt int64
		if err := db.QueryRow(context.Background(), `SELECT score, answered_at FROM csat`).Scan(&score, &answeredAt); err != nil || score != 2 || answeredAt != first.Unix() {
			t.Errorf("stored %d at %d (%v)", score, answeredAt, err)
		}
		if _, err := answer(db, token, 5, "", first.Add(8*24*time.Hour)); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "7 days") {
			t.Errorf("a change after 7 days: %v", err)
		}
		if _, err := answer(db, token, 6, "", first); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "score:") {
			t.Errorf("score 6: %v", err)
		}
		if _, err := answer(db, "no-such-token", 5, "", first); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("an unknown token: %v", err)
		}

		late := f.msg("ben@example.com", "chat", "customer", t0)
		lateToken := strings.TrimPrefix(closeAndAsk(t, db, late.ConversationID, asked, ""), "/csat/")
		if _, err := answer(db, lateToken, 5, "", asked.Add(29*24*time.Hour)); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "28 days") {
			t.Errorf("a first answer after 28 days: %v", err)
		}
		if _, err := answer(db, lateToken, 5, strings.Repeat("x", desk.MaxSurveyComment+1), asked); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "comment:") {
			t.Errorf("a comment too long: %v", err)
		}
	})
}
