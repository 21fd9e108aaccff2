package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// askSurvey records a customer's mail with a hostile subject, closes the
// conversation and asks for satisfaction, as the close action does; it
// returns the survey's path.
func askSurvey(t *testing.T, s *site) string {
	t.Helper()
	ctx := context.Background()
	var link string
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		r, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clocktest.Clock()), desk.Message{ExternalID: "m1", Customer: commerce.CustomerRef{Email: "ana@example.com"},
			Channel: "email", Author: "customer", Subject: `<script>alert("x")</script> where is my order?`, At: now.Add(-2 * time.Hour)})
		if err != nil {
			return err
		}
		if err := desk.SetConversationState(ctx, tx, r.ConversationID, "closed", now.Add(-time.Hour)); err != nil {
			return err
		}
		link, err = desk.AskSatisfaction(ctx, tx, r.ConversationID, now.Add(-time.Hour), s.url)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	path, ok := strings.CutPrefix(link, s.url)
	if !ok {
		t.Fatalf("link %q is not on the site %s", link, s.url)
	}
	return path
}

// The survey link opens without a login: five buttons, the customer's
// subject escaped, nothing cached or passed on; an answer is recorded and
// shown, changed within 7 days, refused after; a bad score is refused
// naming it; a form from another site is refused.
func TestSatisfactionPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		path := askSurvey(t, s)
		v := s.visitor()
		page := v.get(path)
		body := string(page.body)
		if page.status != 200 || strings.Count(body, `name="score"`) != 5 || !strings.Contains(body, `action="`+path+`"`) {
			t.Fatalf("survey page %d:\n%s", page.status, body)
		}
		if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; where is my order?") {
			t.Errorf("the subject is not escaped:\n%s", body)
		}
		if page.header.Get("Referrer-Policy") != "no-referrer" || page.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", page.header)
		}

		answer := v.post(path, url.Values{"score": {"4"}, "comment": {"Quick & kind"}})
		if answer.status != 303 || answer.header.Get("Location") != path {
			t.Fatalf("answer: %d %v\n%s", answer.status, answer.header, answer.body)
		}
		var score int
		var comment string
		if err := db.QueryRow(context.Background(), `SELECT score, comment FROM csat`).Scan(&score, &comment); err != nil || score != 4 || comment != "Quick & kind" {
			t.Fatalf("stored %d %q (%v)", score, comment, err)
		}
		if thanks := string(v.get(path).body); !strings.Contains(thanks, "you rated our help 4 out of 5") || !strings.Contains(thanks, `aria-pressed="true" class="selected" title="Good"`) {
			t.Errorf("the page after answering:\n%s", thanks)
		}

		if bad := v.post(path, url.Values{"score": {"9"}, "comment": {"typed"}}); bad.status != 400 || !strings.Contains(string(bad.body), "score: must be a whole number from 1 to 5") || !strings.Contains(string(bad.body), ">typed</textarea>") {
			t.Errorf("score 9: %d\n%s", bad.status, bad.body)
		}
		s.clock.Add(6 * 24 * time.Hour)
		if changed := v.post(path, url.Values{"score": {"2"}}); changed.status != 303 {
			t.Errorf("a change within 7 days: %d\n%s", changed.status, changed.body)
		}
		s.clock.Add(2 * 24 * time.Hour)
		late := v.post(path, url.Values{"score": {"5"}})
		if late.status != 409 || !strings.Contains(string(late.body), "can be changed for 7 days only") {
			t.Errorf("a change after 7 days: %d\n%s", late.status, late.body)
		}
		if closed := string(v.get(path).body); strings.Contains(closed, `name="score"`) || !strings.Contains(closed, "you rated our help 2 out of 5") {
			t.Errorf("a closed survey still offers buttons:\n%s", closed)
		}

		v.header.Set("Sec-Fetch-Site", "cross-site")
		if forged := v.post(path, url.Values{"score": {"1"}}); forged.status != 403 {
			t.Errorf("a cross-site answer: %d", forged.status)
		}
	})
}

// Links that name no survey are counted against the address, as failed
// logins are: past the limit even a real link waits.
func TestSatisfactionUnknownLinksAreLimited(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	path := askSurvey(t, s)
	v := s.visitor()
	for i := range web.AddressFailures {
		r := v.get("/csat/not-a-real-token")
		if r.status != 404 || !strings.Contains(string(r.body), "This survey link is not known") {
			t.Fatalf("unknown link %d: %d\n%s", i, r.status, r.body)
		}
	}
	r := v.get(path)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("after %d unknown links: %d %v", web.AddressFailures, r.status, r.header)
	}
	if r := v.post(path, url.Values{"score": {"5"}}); r.status != 429 {
		t.Errorf("an answer while limited: %d", r.status)
	}
	s.clock.Add(16 * time.Minute)
	if r := v.get(path); r.status != 200 {
		t.Errorf("after the window: %d", r.status)
	}
}
