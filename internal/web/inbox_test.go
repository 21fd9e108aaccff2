package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// deskSite is a site whose customers write in, with tokens for the desk.
type deskSite struct {
	*site
	deskToken  string // scope desk
	adminToken string // scope admin
	n          int
}

func startDesk(t *testing.T, db *store.DB) *deskSite {
	t.Helper()
	s := startSite(t, db)
	d := &deskSite{site: s, deskToken: s.token("desk"), adminToken: s.token("admin")}
	// Replies by email need a sender.
	if err := db.SetSetting(context.Background(), "support.addresses", "support@brand.example"); err != nil {
		t.Fatal(err)
	}
	return d
}

// message posts one message through POST /api/v1/messages and returns the
// conversation it landed in.
func (d *deskSite) message(item obj) int64 {
	d.t.Helper()
	d.n++
	m := obj{"message_id": fmt.Sprintf("desk-test-%d", d.n), "channel": "email", "sent_at": now.Add(-time.Hour).Format(time.RFC3339), "body": "hello"}
	for k, v := range item {
		m[k] = v
	}
	r := d.post("/api/v1/messages", m)
	if r.status != http.StatusOK {
		d.t.Fatalf("post message: %d %s", r.status, r.body)
	}
	var out struct {
		Items []struct {
			ConversationID int64 `json:"conversation_id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || len(out.Items) != 1 {
		d.t.Fatalf("post message: %s", r.body)
	}
	return out.Items[0].ConversationID
}

// deskAPI sends a request with the desk token and decodes the answer.
func (d *deskSite) deskAPI(method, path string, body any, wantStatus int) map[string]any {
	d.t.Helper()
	r := d.do(method, path, "Bearer "+d.deskToken, body)
	if r.status != wantStatus {
		d.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.status, wantStatus, r.body)
	}
	return r.json(d.t)
}

func (d *deskSite) setUserName(email, name string) {
	d.t.Helper()
	if _, err := d.db.Exec(context.Background(), `UPDATE users SET name = ? WHERE email = ?`, name, email); err != nil {
		d.t.Fatal(err)
	}
}

// rowIDs lists the conversation ids of an inbox page, in order.
func rowIDs(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `<tr class="conv`)[1:] {
		i := strings.Index(part, `data-id="`)
		j := strings.Index(part[i+9:], `"`)
		out = append(out, part[i+9:i+9+j])
	}
	return out
}

func TestInboxPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startDesk(t, db)
		ann := d.message(obj{"customer_email": "ann@example.com", "customer_name": "Ann Lee", "subject": "Where is my parcel?", "body": "It has not come."})
		bob := d.message(obj{"customer_email": "bob@example.com", "customer_name": "Bob", "channel": "chat", "sent_at": now.Add(-30 * time.Minute).Format(time.RFC3339), "body": "Size swap?"})
		old := d.message(obj{"customer_email": "cy@example.com", "customer_name": "Cy", "sent_at": now.Add(-40 * time.Hour).Format(time.RFC3339), "body": "Hello?"})

		// An agent lands on the inbox from the home page.
		agent := d.visitor().login("agent@example.com")
		if r := agent.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/inbox" {
			t.Fatalf("home: %d %s", r.status, r.header.Get("Location"))
		}
		body := agent.page("/inbox", http.StatusOK)
		mustContain(t, body, "All open", "Ann Lee", "Where is my parcel?", "It has not come.", "Bob", "Size swap?", `>Inbox</a>`,
			`name="csrf"`, `id="bulk-form"`, `id="inbox-search"`, "First-response target: 24 h", `class="badge breach"`, "desk.js?v=")
		if got := rowIDs(body); strings.Join(got, ",") != fmt.Sprint(bob, ",", ann, ",", old) {
			t.Errorf("rows %v, want newest first: %d, %d, %d", got, bob, ann, old)
		}
		// Only Cy waited past the 24-hour target.
		if n := strings.Count(body, `class="badge breach"`); n != 1 {
			t.Errorf("%d breaches shown, want Cy's alone", n)
		}
		// Counts beside the views.
		mustContain(t, body, `Unassigned <span class="count">3</span>`, `Mine <span class="count">0</span>`)

		// Views and filters.
		body = agent.page("/inbox?view=channel&channel=chat", http.StatusOK)
		if got := rowIDs(body); len(got) != 1 || got[0] != fmt.Sprint(bob) {
			t.Errorf("the chat channel lists %v", got)
		}
		body = agent.page("/inbox?view=all&q="+url.QueryEscape("ann@example.com"), http.StatusOK)
		if got := rowIDs(body); len(got) != 1 || got[0] != fmt.Sprint(ann) {
			t.Errorf("search by email lists %v", got)
		}
		body = agent.page("/inbox?view=open&limit=2", http.StatusOK)
		if got := rowIDs(body); len(got) != 2 || !strings.Contains(body, `rel="next"`) {
			t.Errorf("page of 2: %v", got)
		}
		next := linkBefore(body, `" rel="next"`)
		body = agent.page(strings.ReplaceAll(next, "&amp;", "&"), http.StatusOK)
		if got := rowIDs(body); len(got) != 1 || got[0] != fmt.Sprint(old) || !strings.Contains(body, "First page") {
			t.Errorf("the second page lists %v", got)
		}
		// A view that does not exist says so, with the status.
		body = agent.page("/inbox?view=soon", http.StatusBadRequest)
		mustContain(t, body, `&#34;soon&#34; is not one of`)
		body = agent.page("/inbox?view=all&q=a", http.StatusBadRequest)
		mustContain(t, body, "at least 2 characters", `value="a"`)

		// The bulk bar without script: close two, come back.
		page := agent.get("/inbox")
		r := agent.post("/inbox/bulk", url.Values{"csrf": {agent.csrf(page)}, "ids": {fmt.Sprint(ann), fmt.Sprint(bob)}, "action": {"close"}, "back": {"/inbox?view=closed"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/inbox?view=closed" {
			t.Fatalf("bulk close: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
		}
		body = agent.page("/inbox?view=closed", http.StatusOK)
		if got := rowIDs(body); len(got) != 2 {
			t.Errorf("closed after the bulk close: %v", got)
		}
		// Assign to me in bulk: Mine counts it.
		r = agent.post("/inbox/bulk", url.Values{"csrf": {agent.csrf(page)}, "ids": {fmt.Sprint(old)}, "action": {"assign"}, "user": {"me"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("bulk assign: %d %s", r.status, r.body)
		}
		body = agent.page("/inbox?view=mine", http.StatusOK)
		if got := rowIDs(body); len(got) != 1 || got[0] != fmt.Sprint(old) {
			t.Errorf("mine after assigning: %v", got)
		}
		// A form from elsewhere, or without the token, is refused.
		r = agent.post("/inbox/bulk", url.Values{"ids": {fmt.Sprint(old)}, "action": {"close"}})
		if r.status != http.StatusForbidden {
			t.Errorf("bulk without CSRF token: %d", r.status)
		}

		// Analysts see figures, not conversations.
		analyst := d.visitor().login("analyst@example.com")
		analyst.page("/inbox", http.StatusForbidden)
		analyst.page(fmt.Sprintf("/conversations/%d", ann), http.StatusForbidden)
		if body := analyst.page("/", http.StatusOK); strings.Contains(body, `href="/inbox"`) {
			t.Error("an analyst's navigation links to the inbox")
		}
		admin := d.visitor().login("admin@example.com")
		if body := admin.page("/", http.StatusOK); !strings.Contains(body, `<a href="/inbox">Inbox</a>`) || strings.Index(body, `href="/inbox"`) > strings.Index(body, `href="/cohorts"`) {
			t.Error("an admin's navigation starts with the inbox")
		}
	})
}

// linkBefore returns the href of the last link before marker.
func linkBefore(s, marker string) string {
	j := strings.Index(s, marker)
	if j < 0 {
		return ""
	}
	i := strings.LastIndex(s[:j], `href="`)
	if i < 0 {
		return ""
	}
	return s[i+len(`href="`) : j]
}

// TestDeskPagesEscapeCustomerContent draws a customer's hostile name,
// subject and text on the inbox and the conversation page: each is text,
// never markup.
func TestDeskPagesEscapeCustomerContent(t *testing.T) {
	d := startDesk(t, storetest.Open(t, store.SQLite))
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	c := d.message(obj{"customer_email": "eve@example.com", "customer_name": "Eve " + hostile, "subject": "Hi " + hostile, "body": "Text " + hostile})
	// A file named to break out of its link.
	if _, err := d.db.Exec(context.Background(), `INSERT INTO attachments (message_id, name, content_type, size, content)
		SELECT MIN(id), ?, 'text/html', 10, ? FROM messages WHERE conversation_id = ?`, hostile+".pdf", []byte("x"), c); err != nil {
		t.Fatal(err)
	}
	agent := d.visitor().login("agent@example.com")
	if body := agent.page(fmt.Sprintf("/conversations/%d", c), http.StatusOK); !strings.Contains(body, `download>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;.pdf</a>`) {
		t.Error("the file's name is not drawn as text")
	}
	for _, path := range []string{"/inbox", fmt.Sprintf("/conversations/%d", c), "/inbox?view=all&q=eve"} {
		body := agent.page(path, http.StatusOK)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s draws the customer's markup", path)
		}
		mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;")
	}
}
