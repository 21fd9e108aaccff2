package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// form posts a form as a browser without script would; site is the
// browser's Sec-Fetch-Site ("" = none sent).
func (a *app) form(path, site string, values url.Values) reply {
	a.t.Helper()
	req, err := http.NewRequest("POST", a.url+path, strings.NewReader(values.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if site != "" {
		req.Header.Set("Sec-Fetch-Site", site)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, data}
}

// TestHelpFeedbackForm answers "Did this answer your question?" without
// script: Yes thanks; No asks what was missing and offers the contact
// form; the answer is one kb_feedback row per session and article; a form
// sent from another site is refused.
func TestHelpFeedbackForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedHelp(t, db, helpArticles, helpSettings)
		a := start(t, db)
		ctx := context.Background()
		const path = "/help/en/articles/where-is-my-order/feedback"
		const session = "feedback-session-0001"

		body := wantStatus(t, a.form(path, "same-origin", url.Values{"session": {session}, "helpful": {"no"}}), 200, "No")
		mustContain(t, body, "What was missing?", `name="comment"`, `value="`+session+`"`, `href="/help/contact?q=Where%20is%20my%20order%3f"`)
		body = wantStatus(t, a.form(path, "same-origin", url.Values{"session": {session}, "helpful": {"no"}, "comment": {"<b>a date</b>"}}), 200, "the comment")
		mustContain(t, body, "Thanks for telling us.")
		var helpful bool
		var comment, external string
		err := db.QueryRow(ctx, `SELECT f.helpful, f.comment, s.external_id FROM kb_feedback f JOIN self_service_sessions s ON s.id = f.session_id`).Scan(&helpful, &comment, &external)
		if err != nil || helpful || comment != "<b>a date</b>" || external != "web:"+session {
			t.Errorf("feedback %v %q on %s (%v)", helpful, comment, external, err)
		}
		if n := a.count("kb_feedback"); n != 1 {
			t.Errorf("%d feedback rows, want 1", n)
		}

		// Without a session (no script), the server makes one.
		body = wantStatus(t, a.form(path, "", url.Values{"helpful": {"yes"}}), 200, "Yes")
		mustContain(t, body, "Thanks for telling us.")
		if n := a.count("kb_feedback"); n != 2 {
			t.Errorf("%d feedback rows, want 2", n)
		}

		wantStatus(t, a.form(path, "same-origin", url.Values{"session": {session}, "helpful": {"maybe"}}), 400, "maybe")
		wantStatus(t, a.form("/help/en/articles/secret-sale/feedback", "same-origin", url.Values{"helpful": {"yes"}}), 404, "a draft's feedback")
		wantStatus(t, a.form(path, "cross-site", url.Values{"session": {"another-session-0002"}, "helpful": {"yes"}}), 403, "from another site")
		if n := a.count("kb_feedback"); n != 2 {
			t.Errorf("%d feedback rows after refused forms, want 2", n)
		}
	})
}

// TestHelpContactForm: fields are checked by name and echoed escaped; the
// first send shows the articles that may answer; "Send anyway" makes one
// email conversation (twice the same: still one) and escalates the
// session with it.
func TestHelpContactForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedHelp(t, db, helpArticles, helpSettings)
		a := start(t, db)
		ctx := context.Background()

		form := wantStatus(t, a.get("/help/contact?locale=en&q=where+is+my+order", nil), 200, "the form")
		mustContain(t, form, `<textarea id="contact-message" name="message"`, ">where is my order</textarea>", `name="session" value="`)
		if cc := a.get("/help/contact", nil).header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the form's Cache-Control is %q", cc)
		}

		body := wantStatus(t, a.form("/help/contact", "same-origin", url.Values{"name": {`<script>x()</script>`}, "email": {"not-an-address"}, "message": {"  "}}), 400, "a bad form")
		mustContain(t, body, "This is not an email address", "Write your question", `value="&lt;script&gt;x()&lt;/script&gt;"`, `id="contact-email" name="email" type="email" value="not-an-address"`, `aria-invalid="true"`)
		mustNotContain(t, body, "<script>x()")

		const session = "contact-session-00001"
		send := url.Values{"session": {session}, "locale": {"en"}, "name": {"Ana Lima"}, "email": {"ana@example.com"}, "subject": {"Late order"}, "message": {"Where is my order? It is a week late."}}
		body = wantStatus(t, a.form("/help/contact", "same-origin", send), 200, "the first send")
		mustContain(t, body, "These may answer your question", `href="/help/en/articles/where-is-my-order"`, `name="send" value="anyway"`, "Send anyway", `value="Ana Lima"`)
		if n := a.count("conversations"); n != 0 {
			t.Fatalf("the first send made %d conversations before the customer chose", n)
		}
		var shown string
		if err := db.QueryRow(ctx, `SELECT top_slug FROM kb_searches WHERE channel = ?`, "contact_form").Scan(&shown); err != nil || shown != "where-is-my-order" {
			t.Errorf("the contact form's search showed %q (%v)", shown, err)
		}

		send.Set("send", "anyway")
		for i := 0; i < 2; i++ {
			body = wantStatus(t, a.form("/help/contact", "same-origin", send), 200, "send anyway")
			mustContain(t, body, "Thanks, we got your message", "ana@example.com")
		}
		var conv int64
		var channel, subject, text, email string
		err := db.QueryRow(ctx, `SELECT c.id, m.channel, m.subject, m.body, i.value FROM conversations c JOIN messages m ON m.conversation_id = c.id
			JOIN customer_identities i ON i.customer_id = c.customer_id AND i.kind = 'email'`).Scan(&conv, &channel, &subject, &text, &email)
		if err != nil || channel != "email" || subject != "Late order" || text != "Where is my order? It is a week late." || email != "ana@example.com" {
			t.Errorf("the conversation: %s %q %q %s (%v)", channel, subject, text, email, err)
		}
		if n := a.count("conversations"); n != 1 {
			t.Errorf("the same send twice made %d conversations, want 1", n)
		}
		var outcome string
		var escalated int64
		if err := db.QueryRow(ctx, `SELECT outcome, conversation_id FROM self_service_sessions WHERE external_id = ?`, "web:"+session).Scan(&outcome, &escalated); err != nil || outcome != "escalated" || escalated != conv {
			t.Errorf("the session is %s with conversation %d (%v), want escalated with %d", outcome, escalated, err, conv)
		}

		// Nothing in the knowledge base matches: the message goes at once.
		other := url.Values{"session": {"contact-session-00002"}, "email": {"bo@example.com"}, "message": {"Do you sell gift cards?"}}
		mustContain(t, wantStatus(t, a.form("/help/contact", "same-origin", other), 200, "no suggestion"), "Thanks, we got your message")
		if n := a.count("conversations"); n != 2 {
			t.Errorf("%d conversations, want 2", n)
		}
		wantStatus(t, a.form("/help/contact", "cross-site", other), 403, "from another site")
	})
}
