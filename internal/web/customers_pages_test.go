package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestCustomerPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		customerStore(t, s.app)
		// Enough of Annabel's chat for two pages.
		var more []obj
		for i := range 55 {
			more = append(more, obj{"message_id": fmt.Sprintf("q-chat-%d", i), "channel": "chat", "sent_at": "2026-03-06T09:00:00Z",
				"customer_email": "annabel@example.com", "body": fmt.Sprintf("chat line %d", i)})
		}
		if r := s.post("/api/v1/messages", batch(more...)); r.status != 200 {
			t.Fatalf("seed: %d %s", r.status, r.body)
		}
		desk := "Bearer " + s.token("desk")
		ann, zeb := customerID(t, s.app, desk, "annabel@example.com"), customerID(t, s.app, desk, "zebedee@example.com")
		agent := s.visitor().login("agent@example.com")

		page := agent.page(fmt.Sprintf("/customers/%d", ann), 200)
		// Three contacts (the chat is one session) for one order.
		mustContain(t, page, "Annabel Quince", "annabel@example.com", "SHOP-77", "chat line 54", "one jar cracked", `id="load-older"`, `id="customer-cpo">3.00`)
		if strings.Contains(page, "Quince jam jar") {
			t.Error("the first page should hold the newest 50 items only")
		}
		older := regexp.MustCompile(`href="([^"]+)" id="load-older"`).FindStringSubmatch(page)
		if older == nil || older[1] == "" {
			t.Fatalf("no link to older items")
		}
		second := agent.page(strings.ReplaceAll(older[1], "&amp;", "&"), 200)
		mustContain(t, second, "Quince jam jar", "Quince jam delayed a day", "Annabel asks where her quince jam is",
			`id="order-`, `href="https://track.example/Q1"`, `id="newest"`)
		if strings.Contains(second, `id="load-older"`) {
			t.Error("the last page links to older items")
		}
		// An item about an order links to the page that starts with it.
		show := regexp.MustCompile(`<a href="(/customers/\d+\?before=[^"#]+#order-\d+)" class="order-link">#Q-1</a>`).FindStringSubmatch(page)
		if show == nil {
			t.Fatal("no link from the return to its order")
		}
		u, _ := url.Parse(strings.ReplaceAll(show[1], "&amp;", "&"))
		if jump := agent.page(u.RequestURI(), 200); !strings.Contains(jump, "Quince jam jar") {
			t.Error("the order's link does not show the order")
		}

		// Search.
		mustContain(t, agent.page("/customers?q=zebedee%40example.com", 200), "Zebedee Marchbanks", fmt.Sprintf(`href="/customers/%d"`, zeb))
		mustContain(t, agent.page("/customers?q=nobody", 200), "No customer matches")

		// Merge Zebedee in, through the form and its confirmation.
		form := url.Values{"csrf": {agent.csrf(agent.get(fmt.Sprintf("/customers/%d", ann)))}, "customer": {"zebedee@example.com"}}
		confirm := agent.post(fmt.Sprintf("/customers/%d/merge", ann), form)
		if confirm.status != 200 || !strings.Contains(string(confirm.body), `id="merge-confirm"`) || !strings.Contains(string(confirm.body), "Zebedee Marchbanks") {
			t.Fatalf("the merge form should ask to confirm: %d", confirm.status)
		}
		if n := s.count("customer_merges"); n != 0 {
			t.Fatalf("%d merges before the confirmation", n)
		}
		form.Set("confirm", "yes")
		form.Set("gone", fmt.Sprint(zeb))
		if r := agent.post(fmt.Sprintf("/customers/%d/merge", ann), form); r.status != http.StatusSeeOther {
			t.Fatalf("confirmed merge: %d %s", r.status, r.body)
		}
		merged := agent.page(fmt.Sprintf("/customers/%d", zeb), 200)
		mustContain(t, merged, `id="merged-notice"`, "Annabel Quince", "zebedee@example.com", "Undo this merge")
		for _, bad := range []struct {
			typed  string
			status int
		}{{"nobody@example.com", 404}, {"annabel@example.com", 400}, {"", 400}} {
			form := url.Values{"csrf": {agent.csrf(agent.get(fmt.Sprintf("/customers/%d", ann)))}, "customer": {bad.typed}}
			r := agent.post(fmt.Sprintf("/customers/%d/merge", ann), form)
			if r.status != bad.status || !strings.Contains(string(r.body), `class="field-error"`) || !strings.Contains(string(r.body), `value="`+bad.typed+`"`) {
				t.Errorf("merge %q: %d, want %d with the error beside the field and the value kept", bad.typed, r.status, bad.status)
			}
		}
		undo := regexp.MustCompile(`action="(/customers/\d+/merges/\d+/undo)"`).FindStringSubmatch(merged)
		if undo == nil {
			t.Fatal("no undo button")
		}
		if r := agent.post(undo[1], url.Values{"csrf": {agent.csrf(agent.get(fmt.Sprintf("/customers/%d", ann)))}}); r.status != http.StatusSeeOther {
			t.Fatalf("undo: %d %s", r.status, r.body)
		}
		mustContain(t, agent.page(fmt.Sprintf("/customers/%d", zeb), 200), "Zebedee Marchbanks")

		// A share link from the page.
		csrf := agent.csrf(agent.get(fmt.Sprintf("/customers/%d", ann)))
		if r := agent.post(fmt.Sprintf("/customers/%d/share_links", ann), url.Values{"csrf": {csrf}, "days": {"45"}}); r.status != 400 || !strings.Contains(string(r.body), `class="field-error"`) {
			t.Errorf("a 45-day link: %d", r.status)
		}
		made := agent.post(fmt.Sprintf("/customers/%d/share_links", ann), url.Values{"csrf": {csrf}, "days": {"2"}})
		link := regexp.MustCompile(`value="(http://[^"]+/share/[A-Za-z0-9_-]{43})"`).FindStringSubmatch(string(made.body))
		if made.status != 200 || link == nil {
			t.Fatalf("the new link is not on the page: %d", made.status)
		}
		shared := strings.TrimPrefix(link[1], s.url)
		stranger := s.visitor()
		r := stranger.get(shared)
		body := string(r.body)
		if r.status != 200 {
			t.Fatalf("the shared page: %d %s", r.status, body)
		}
		for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store"} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		mustContain(t, body, "Annabel Quince", "chat line 54", "annabel@example.com")
		for _, never := range []string{"Zebedee", "Marchbanks", "zebedee@", "<form", "/customers", "/conversations", `href="/"`, "Log out", `class="main"`, "csrf", "Undo this merge", "merged"} {
			if strings.Contains(body, never) {
				t.Errorf("the shared page shows %q", never)
			}
		}
		for _, href := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			if !strings.HasPrefix(href[1], "/static/") && !strings.HasPrefix(href[1], shared+"?before=") && href[1] != "data:," {
				t.Errorf("the shared page links to %s", href[1])
			}
		}
		if older := regexp.MustCompile(`href="([^"]+)" id="load-older"`).FindStringSubmatch(body); older == nil {
			t.Error("the shared page has no older items")
		} else if r := stranger.get(strings.ReplaceAll(older[1], "&amp;", "&")); r.status != 200 || !strings.Contains(string(r.body), "Quince jam jar") {
			t.Errorf("the shared page's older items: %d", r.status)
		}
		if r := stranger.get(shared + "?before=garbage"); r.status != 400 || strings.Contains(string(r.body), "Annabel") {
			t.Errorf("a tampered cursor: %d", r.status)
		}

		// Unknown, revoked and expired links all answer the same 404.
		unknown := stranger.get("/share/" + strings.Repeat("x", 43))
		ids := regexp.MustCompile(`action="(/customers/\d+/share_links/\d+/revoke)"`).FindStringSubmatch(agent.page(fmt.Sprintf("/customers/%d", ann), 200))
		if ids == nil {
			t.Fatal("no revoke button")
		}
		// A second link, to see one expire.
		made = agent.post(fmt.Sprintf("/customers/%d/share_links", ann), url.Values{"csrf": {csrf}, "days": {"1"}})
		expiring := strings.TrimPrefix(regexp.MustCompile(`value="(http://[^"]+/share/[A-Za-z0-9_-]{43})"`).FindStringSubmatch(string(made.body))[1], s.url)
		if r := agent.post(ids[1], url.Values{"csrf": {csrf}}); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.status)
		}
		revoked := stranger.get(shared)
		s.clock.Add(24 * time.Hour)
		expired := stranger.get(expiring)
		for name, r := range map[string]reply{"unknown": unknown, "revoked": revoked, "expired": expired} {
			if r.status != 404 || string(r.body) != string(unknown.body) || r.header.Get("Referrer-Policy") != "no-referrer" || strings.Contains(string(r.body), "Annabel") {
				t.Errorf("%s link: %d %s", name, r.status, r.body)
			}
		}
	})
}

func TestCustomerPagesAndAPIAreForTheDesk(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	customerStore(t, s.app)
	ann := customerID(t, s.app, "Bearer "+s.token("desk"), "annabel@example.com")
	analyst := s.visitor().login("analyst@example.com")
	for _, path := range []string{"/customers", fmt.Sprintf("/customers/%d", ann), fmt.Sprintf("/api/v1/customers/%d", ann),
		fmt.Sprintf("/api/v1/customers/%d/timeline", ann), "/api/v1/customers?q=annabel@example.com"} {
		if r := analyst.get(path); r.status != http.StatusForbidden || strings.Contains(string(r.body), "Annabel") {
			t.Errorf("an analyst got %s: %d", path, r.status)
		}
	}
	agent := s.visitor().login("agent@example.com")
	if r := agent.get(fmt.Sprintf("/api/v1/customers/%d/timeline", ann)); r.status != 200 || !strings.Contains(string(r.body), "Annabel asks") {
		t.Errorf("an agent's session reads the timeline: %d", r.status)
	}
	// The session's writes come from our own pages only.
	agent.header.Set("Sec-Fetch-Site", "cross-site")
	if r := agent.do(mustRequest(t, "POST", s.url+fmt.Sprintf("/api/v1/customers/%d/share_links", ann))); r.status != http.StatusForbidden {
		t.Errorf("a cross-site write with the agent's session: %d", r.status)
	}
	if r := s.visitor().get(fmt.Sprintf("/customers/%d", ann)); r.status != http.StatusSeeOther {
		t.Errorf("a visitor without a login: %d", r.status)
	}
}

func mustRequest(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
