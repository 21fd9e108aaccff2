package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/getkin/kin-openapi/openapi3filter"

	qdclock "quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/hooks"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const hostileText = `Where is my order? </td></table><script>alert(1)</script><img src=x onerror="document.title='owned'">`

// recordHostile stores a customer's message whose name and text are
// markup, so that a subscriber's log has it to show.
func recordHostile(t *testing.T, db *store.DB) {
	t.Helper()
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		_, err := desk.RecordMessage(context.Background(), tx, commerce.NewCustomers(qdclock.Fixed(now)), desk.Message{
			ExternalID: "social:instagram:h1", Customer: commerce.CustomerRef{System: "instagram", ExternalID: "66", Name: `<b id="bold">Eve</b>`},
			Channel: "social", Via: "instagram", Author: "customer", Body: hostileText, At: now, Received: now, FromAddr: "@eve"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The API needs an admin token, and answers as the document says.
func TestWebhooksAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		_, router := loadDoc(t, a)
		admin := "Bearer " + a.token("admin")
		exchange := func(method, path, authorization string, body any, wantStatus int) map[string]any {
			t.Helper()
			var data []byte
			if body != nil {
				data, _ = json.Marshal(body)
			}
			req, _ := http.NewRequest(method, a.url+path, bytes.NewReader(data))
			req.Header.Set("Content-Type", "application/json")
			if authorization != "" {
				req.Header.Set("Authorization", authorization)
			}
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatalf("%s %s is not in the document: %v", method, path, err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
			if wantStatus < 400 {
				if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
					t.Errorf("%s %s: the request does not match the document: %v", method, path, err)
				}
			}
			req.Body = io.NopCloser(bytes.NewReader(data))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != wantStatus {
				t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, got, wantStatus)
			}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: &openapi3filter.Options{MultiError: true}}
			out.SetBodyBytes(got)
			if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
				t.Errorf("%s %s: the %d answer does not match the document: %v\n%s", method, path, resp.StatusCode, err, got)
			}
			var v map[string]any
			json.Unmarshal(got, &v)
			return v
		}
		add := obj{"url": "https://bridge.example.com/in", "events": []string{"message.created"}, "description": "Instagram bridge"}
		// Scopes: no token 401; read or ingest tokens 403; nothing stored.
		exchange("GET", "/api/v1/webhooks", "", nil, 401)
		exchange("GET", "/api/v1/webhooks", "Bearer "+a.read, nil, 403)
		exchange("POST", "/api/v1/webhooks", "Bearer "+a.ingest, add, 403)
		exchange("DELETE", "/api/v1/webhooks/1", "Bearer "+a.read, nil, 403)
		exchange("GET", "/api/v1/webhooks/1/deliveries", "Bearer "+a.ingest, nil, 403)
		exchange("POST", "/api/v1/webhooks/1/enable", "Bearer "+a.read, nil, 403)
		if n := a.count("webhook_subscriptions"); n != 0 {
			t.Fatalf("refused requests stored %d subscribers", n)
		}

		created := exchange("POST", "/api/v1/webhooks", admin, add, 201)
		secret, _ := created["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || created["id"] != float64(1) {
			t.Fatalf("created %v", created)
		}
		exchange("POST", "/api/v1/webhooks", admin, obj{"url": "https://x.example", "events": []string{"chat.started"}}, 400)
		list := exchange("GET", "/api/v1/webhooks", admin, nil, 200)
		if raw, _ := json.Marshal(list); strings.Contains(string(raw), secret) || !strings.Contains(string(raw), "Instagram bridge") {
			t.Errorf("the list shows the secret or lacks the webhook: %s", raw)
		}
		recordHostile(t, db)
		log := exchange("GET", "/api/v1/webhooks/1/deliveries?limit=5", admin, nil, 200)
		deliveries, _ := log["deliveries"].([]any)
		if len(deliveries) != 1 {
			t.Fatalf("deliveries %v", log)
		}
		d := deliveries[0].(map[string]any)
		if d["event"] != "message.created" || d["status"] != "pending" || d["attempts"] != float64(0) || !strings.Contains(d["summary"].(string), "<script>") {
			t.Errorf("delivery %v", d)
		}
		exchange("GET", "/api/v1/webhooks/1/deliveries?limit=0", admin, nil, 400)
		exchange("GET", "/api/v1/webhooks/7/deliveries", admin, nil, 404)
		exchange("POST", "/api/v1/webhooks/1/enable", admin, nil, 200)
		exchange("DELETE", "/api/v1/webhooks/1", admin, nil, 200)
		exchange("DELETE", "/api/v1/webhooks/1", admin, nil, 404)
		if n := a.count("webhook_deliveries"); n != 0 {
			t.Errorf("removing the webhook left %d log rows", n)
		}
	})
}

// The page is for admins; it shows the secret once, and the log's
// customer text as text.
func TestWebhooksPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		agent := s.visitor().login("agent@example.com")
		if r := agent.get("/settings/webhooks"); r.status != http.StatusForbidden {
			t.Errorf("an agent got the webhooks page: %d", r.status)
		}
		v := s.visitor().login("admin@example.com")
		page := v.page("/settings/webhooks", 200)
		mustContain(t, page, `id="no-webhooks"`, `href="/settings" aria-current="page">Settings</a>`, `value="message.created" checked`)

		// A mistake keeps what was typed and says what is wrong.
		r := v.post("/settings/webhooks", url.Values{"csrf": {v.csrf(v.get("/settings/webhooks"))}, "url": {`ftp://x"><b>`}, "events": {"message.created"}})
		if r.status != 400 {
			t.Fatalf("bad URL: %d", r.status)
		}
		mustContain(t, string(r.body), "url: is not an http:// or https:// URL", `value="ftp://x&#34;&gt;&lt;b&gt;"`)

		r = v.post("/settings/webhooks", url.Values{"csrf": {v.csrf(v.get("/settings/webhooks"))}, "url": {"https://bridge.example.com/in"},
			"events": {"message.created", "conversation.created"}, "description": {"Instagram bridge"}})
		if r.status != 200 {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		list, err := hooks.List(context.Background(), db)
		if err != nil || len(list) != 1 || strings.Join(list[0].Events, ",") != "conversation.created,message.created" {
			t.Fatalf("stored %+v, %v", list, err)
		}
		mustContain(t, string(r.body), `id="webhook-secret"`, "whsec_")
		if again := v.page("/settings/webhooks", 200); strings.Contains(again, "whsec_") {
			t.Error("the secret is shown again")
		}

		recordHostile(t, db)
		page = v.page("/settings/webhooks", 200)
		mustContain(t, page, "message.created", "conversation.created", "pending",
			`from &lt;b id=&#34;bold&#34;&gt;Eve&lt;/b&gt;: Where is my order? &lt;/td&gt;&lt;/table&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&#34;document.title=&#39;owned&#39;&#34;&gt;`)
		for _, raw := range []string{"<script>alert", "<img src=x", `<b id="bold">`} {
			if strings.Contains(page, raw) {
				t.Errorf("the page carries customer markup raw: %q", raw)
			}
		}

		// Disabled: the reason and a way back.
		if _, err := db.Exec(context.Background(), `UPDATE webhook_subscriptions SET disabled_at = ?, disabled_reason = 'posts failed <for> a day' WHERE id = 1`, now.Unix()); err != nil {
			t.Fatal(err)
		}
		page = v.page("/settings/webhooks", 200)
		mustContain(t, page, `data-status="disabled"`, "posts failed &lt;for&gt; a day", `action="/settings/webhooks/1/enable"`)
		if r := v.post("/settings/webhooks/1/enable", url.Values{"csrf": {v.csrf(v.get("/settings/webhooks"))}}); r.status != http.StatusSeeOther {
			t.Fatalf("enable: %d %s", r.status, r.body)
		}
		if sub, _ := hooks.Get(context.Background(), db, 1); sub.DisabledAt != nil {
			t.Error("enable did not enable")
		}
		if r := v.post("/settings/webhooks/1/remove", url.Values{"csrf": {v.csrf(v.get("/settings/webhooks"))}}); r.status != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", r.status, r.body)
		}
		if n := s.count("webhook_subscriptions"); n != 0 {
			t.Errorf("%d subscribers after removing", n)
		}
	})
}

// In Chromium: the log shows the hostile text as text, and none of its
// markup becomes an element or runs.
func TestBrowserWebhooksPageEscapes(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	s := startSite(t, db)
	if _, err := hooks.Add(context.Background(), db, hooks.New{URL: "https://bridge.example.com/in", Events: hooks.EventTypes}, now); err != nil {
		t.Fatal(err)
	}
	recordHostile(t, db)
	if err := logIn(t, ctx, s.url+"/settings/webhooks", "admin@example.com", "#webhook-1"); err != nil {
		t.Fatal(err)
	}
	summaries, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#webhook-1 .summary')).map((td) => td.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	injected, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[int](`document.querySelectorAll('main script, main img, #bold').length`))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(step(t, ctx), chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	want := "from <b id=\"bold\">Eve</b>: " + hostileText
	found := false
	for _, s := range summaries {
		found = found || s == want
	}
	if !found {
		t.Errorf("summaries %q, want one %q", summaries, want)
	}
	if injected != 0 || title == "owned" {
		t.Errorf("customer markup became %d elements (title %q)", injected, title)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
