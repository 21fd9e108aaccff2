package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const relayPassword = "s3cret relay pa55"

// The relay is set on the page, its password never drawn back; a test
// email goes through a real SMTP server, and the server's refusal is shown
// when the password is wrong.
func TestSettingsNotificationsEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: map[string]string{"relay-user": relayPassword}})
		s := startSite(t, db)
		ctx := context.Background()
		admin := s.visitor().login("admin@example.com")

		// A test before anything is set says what to set.
		r := admin.form("/settings/notifications", "/settings/notifications/email/test", url.Values{"to": {"dana@brand.example"}})
		mustContain(t, string(r.body), `data-ok="false" data-channel="email"`, "no SMTP relay configured")

		// One wrong value stores none.
		form := url.Values{"smtp.host": {srv.Host}, "smtp.port": {"smtp"}, "smtp.tls": {"none"}, "smtp.username": {"relay-user"},
			"smtp.from": {"Quietdesk <desk@brand.example>"}, "password": {relayPassword}}
		r = admin.form("/settings/notifications", "/settings/notifications/email", form)
		if r.status != http.StatusBadRequest {
			t.Fatalf("bad port: %d", r.status)
		}
		mustContain(t, string(r.body), `data-field="smtp.port">&#34;smtp&#34; is not a port`, `value="`+srv.Host+`"`)
		if strings.Contains(string(r.body), relayPassword) {
			t.Error("the password typed is drawn back")
		}
		if v, _ := db.Setting(ctx, "smtp.host"); v != "" {
			t.Errorf("smtp.host stored after a refused form: %q", v)
		}

		form.Set("smtp.port", fmt.Sprint(srv.Port))
		if r := admin.form("/settings/notifications", "/settings/notifications/email", form); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.status, r.body)
		}
		if v, _ := db.Setting(ctx, "smtp.password"); v != relayPassword {
			t.Fatalf("password stored as %q", v)
		}
		page := admin.page("/settings/notifications?done=saved", 200)
		mustContain(t, page, "Saved.", `id="password-state">(set)`, `value="relay-user"`)

		r = admin.form("/settings/notifications", "/settings/notifications/email/test", url.Values{"to": {"dana@brand.example"}})
		mustContain(t, string(r.body), `data-ok="true" data-channel="email"`, "Sent to dana@brand.example via "+srv.Host)
		msgs := srv.Messages()
		if len(msgs) != 1 || msgs[0].User != "relay-user" || msgs[0].To[0] != "dana@brand.example" || !strings.Contains(string(msgs[0].Data), "Subject: Quietdesk test message") {
			t.Fatalf("the relay received %+v", msgs)
		}

		// Saving without a password keeps it; a wrong one is refused by
		// the relay, and the page says what it answered.
		form.Del("password")
		admin.form("/settings/notifications", "/settings/notifications/email", form)
		if v, _ := db.Setting(ctx, "smtp.password"); v != relayPassword {
			t.Fatalf("an empty password field changed the password to %q", v)
		}
		form.Set("password", "wrong password")
		admin.form("/settings/notifications", "/settings/notifications/email", form)
		r = admin.form("/settings/notifications", "/settings/notifications/email/test", url.Values{"to": {"dana@brand.example"}})
		mustContain(t, string(r.body), `data-ok="false" data-channel="email"`, "Not sent to dana@brand.example via", "535")
		if len(srv.Messages()) != 1 {
			t.Error("a message went through with a wrong password")
		}

		for _, p := range append(adminPages, "/settings/notifications") {
			if body := admin.page(p, 200); strings.Contains(body, relayPassword) || strings.Contains(body, "wrong password") {
				t.Errorf("%s shows the SMTP password", p)
			}
		}
		wantAudit(t, db,
			`admin@example.com setting.set smtp.host set to "`+srv.Host+`"`,
			fmt.Sprintf(`admin@example.com setting.set smtp.port set to "%d"`, srv.Port),
			`admin@example.com setting.set smtp.tls set to "none"`,
			`admin@example.com setting.set smtp.username set to "relay-user"`,
			`admin@example.com setting.set smtp.from set to "Quietdesk <desk@brand.example>"`,
			`admin@example.com setting.set smtp.password (set)`,
			`admin@example.com setting.set smtp.password (set)`)
		if n := s.count("deliveries"); n != 0 {
			t.Errorf("a test went into the outbox: %d rows", n)
		}
	})
}

// The chat webhook is set on the page and shown by its host alone; a test
// posts the outbox's JSON to it, and a refusal is shown with its status.
func TestSettingsNotificationsWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		var posts []map[string]any
		status := http.StatusOK
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			if r.Method != http.MethodPost || r.URL.Path != "/services/T000/B000/XXXX" || r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "unexpected request", http.StatusBadRequest)
				return
			}
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil {
				http.Error(w, "not JSON", http.StatusBadRequest)
				return
			}
			posts = append(posts, v)
			if status != http.StatusOK {
				http.Error(w, "no_service", status)
				return
			}
			io.WriteString(w, "ok")
		}))
		defer hook.Close()
		s := startSite(t, db)
		admin := s.visitor().login("admin@example.com")

		r := admin.form("/settings/notifications", "/settings/notifications/webhook/test", nil)
		mustContain(t, string(r.body), `data-ok="false" data-channel="webhook"`, "no chat webhook is set")

		if r := admin.form("/settings/notifications", "/settings/notifications/webhook", url.Values{"webhook_url": {"ftp://hooks.example/x"}}); r.status != http.StatusBadRequest {
			t.Errorf("ftp webhook: %d\n%s", r.status, r.body)
		}
		secretURL := hook.URL + "/services/T000/B000/XXXX"
		if r := admin.form("/settings/notifications", "/settings/notifications/webhook", url.Values{"webhook_url": {secretURL}}); r.status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", r.status, r.body)
		}
		page := admin.page("/settings/notifications", 200)
		if strings.Contains(page, "B000/XXXX") {
			t.Error("the webhook's secret path is drawn")
		}
		mustContain(t, page, `id="webhook-state">(set) `+hook.URL)

		r = admin.form("/settings/notifications", "/settings/notifications/webhook/test", nil)
		mustContain(t, string(r.body), `data-ok="true" data-channel="webhook"`, "Sent to "+hook.URL)
		mu.Lock()
		if len(posts) != 1 || !strings.HasPrefix(fmt.Sprint(posts[0]["text"]), "Quietdesk test message") {
			t.Errorf("posted %v", posts)
		}
		status = http.StatusNotFound
		mu.Unlock()
		r = admin.form("/settings/notifications", "/settings/notifications/webhook/test", nil)
		mustContain(t, string(r.body), `data-ok="false" data-channel="webhook"`, "404", "no_service", "refused for good")
		if strings.Contains(string(r.body), "B000/XXXX") {
			t.Error("the failure shows the webhook's secret path")
		}

		if r := admin.form("/settings/notifications", "/settings/notifications/webhook", url.Values{"clear_webhook": {"1"}}); r.status != http.StatusSeeOther {
			t.Fatalf("clear: %d", r.status)
		}
		if v, _ := db.Setting(context.Background(), "review.webhook_url"); v != "" {
			t.Errorf("webhook after clearing: %q", v)
		}
		if body := admin.page("/settings/audit", 200); strings.Contains(body, "XXXX") {
			t.Error("the audit log shows the webhook's address")
		}
		wantAudit(t, db, "admin@example.com setting.set review.webhook_url (set)", "admin@example.com setting.set review.webhook_url (cleared)")
	})
}
