package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	qdaudit "quietdesk/internal/audit"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// auditRows returns the audit log as "actor action target detail" lines,
// oldest first.
func settingsAuditRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	list, err := qdaudit.List(context.Background(), db, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(list) - 1; i >= 0; i-- {
		e := list[i]
		out = append(out, strings.TrimSpace(e.Actor+" "+e.Action+" "+e.Target+" "+e.Detail))
	}
	return out
}

func wantAudit(t *testing.T, db *store.DB, want ...string) {
	t.Helper()
	got := settingsAuditRows(t, db)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// form posts a form with the CSRF token of the page at from.
func (v *visitor) form(from, path string, values url.Values) reply {
	v.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	values.Set("csrf", v.csrf(v.get(from)))
	return v.post(path, values)
}

var adminPages = []string{"/settings/users", "/settings/tokens", "/settings/store", "/settings/notifications", "/settings/audit"}

// The admins' pages are for admins: agents and analysts are refused, a
// visitor is sent to log in, and none of the forms can be posted by them.
func TestSettingsAdminRefusesOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		for _, who := range []string{"agent@example.com", "analyst@example.com"} {
			v := s.visitor().login(who)
			for _, p := range adminPages {
				if r := v.get(p); r.status != http.StatusForbidden {
					t.Errorf("%s got %s: %d", who, p, r.status)
				}
			}
			page := v.get("/")
			if page.status == http.StatusSeeOther {
				page = v.get(page.header.Get("Location"))
			}
			csrf := csrfField.FindSubmatch(page.body)
			if csrf == nil {
				t.Fatalf("no CSRF on the home page of %s", who)
			}
			for _, p := range []string{"/settings/users/invite", "/settings/tokens", "/settings/store", "/settings/notifications/email", "/settings/users/1/role"} {
				if r := v.post(p, url.Values{"csrf": {string(csrf[1])}, "email": {"x@example.com"}, "role": {"admin"}, "name": {"x"}, "scopes": {"admin"}}); r.status != http.StatusForbidden {
					t.Errorf("%s posted %s: %d", who, p, r.status)
				}
			}
		}
		if r := s.visitor().get("/settings/users"); r.status != http.StatusSeeOther {
			t.Errorf("a visitor got the users page: %d", r.status)
		}
		if n := s.count("audit_log"); n != 0 {
			t.Errorf("%d audit rows after refused changes", n)
		}
		admin := s.visitor().login("admin@example.com")
		idx := admin.page("/settings", 200)
		for _, p := range adminPages {
			mustContain(t, idx, `href="`+p+`"`)
			admin.page(p, 200)
		}
	})
}

var inviteLink = regexp.MustCompile(`<code id="invite-link">[^<]*(/invite/[A-Za-z0-9_-]+)</code>`)

// An admin invites someone; the link is shown once, works once, sets the
// password, and the invitee logs in with it. Each step is audited.
func TestSettingsUsersInvite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		admin := s.visitor().login("admin@example.com")
		r := admin.form("/settings/users", "/settings/users/invite", url.Values{"email": {"  Dana@Brand.example "}, "role": {"agent"}})
		if r.status != http.StatusOK {
			t.Fatalf("invite: %d\n%s", r.status, r.body)
		}
		m := inviteLink.FindSubmatch(r.body)
		if m == nil {
			t.Fatalf("no invitation link:\n%s", r.body)
		}
		link := string(m[1])
		mustContain(t, string(r.body), "dana@brand.example is invited as agent", "until 2026-04-01 10:00 UTC", "pass the link on yourself")
		list := admin.page("/settings/users", 200)
		if strings.Contains(list, link) {
			t.Error("the link is shown again")
		}
		mustContain(t, list, `data-user="dana@brand.example" data-status="invited"`)
		// The invited user cannot log in before setting a password.
		if r := s.visitor().tryLogin("dana@brand.example", ""); r.status != http.StatusUnauthorized && r.status != http.StatusBadRequest {
			t.Errorf("login without a password: %d", r.status)
		}
		// Twice the same invitation changes nothing.
		if r := admin.form("/settings/users", "/settings/users/invite", url.Values{"email": {"dana@brand.example"}, "role": {"admin"}}); r.status != http.StatusConflict || !strings.Contains(string(r.body), "already a user dana@brand.example") {
			t.Errorf("second invitation: %d\n%s", r.status, r.body)
		}
		if r := admin.form("/settings/users", "/settings/users/invite", url.Values{"email": {"not an email"}, "role": {"boss"}}); r.status != http.StatusBadRequest ||
			!strings.Contains(string(r.body), "is not an email address") || !strings.Contains(string(r.body), "is not a role") {
			t.Errorf("bad invitation: %d\n%s", r.status, r.body)
		}

		guest := s.visitor()
		mustContain(t, guest.page(link, 200), `<strong id="invite-email">dana@brand.example</strong>`, "invited as <strong>agent</strong>")
		if r := guest.post(link, url.Values{"password": {"a long enough one"}, "confirm": {"another one"}}); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "two passwords differ") {
			t.Errorf("differing passwords: %d", r.status)
		}
		if r := guest.post(link, url.Values{"password": {"short"}, "confirm": {"short"}}); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "at least 10 characters") {
			t.Errorf("short password: %d\n%s", r.status, r.body)
		}
		if r := guest.post(link, url.Values{"password": {"dana's own password"}, "confirm": {"dana's own password"}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?invited=1" {
			t.Fatalf("accept: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
		}
		if r := guest.get(link); r.status != http.StatusNotFound || !strings.Contains(string(r.body), "unknown, used or expired") {
			t.Errorf("used link: %d", r.status)
		}
		if r := guest.post(link, url.Values{"password": {"someone else's pw"}, "confirm": {"someone else's pw"}}); r.status != http.StatusNotFound {
			t.Errorf("used link accepted again: %d", r.status)
		}
		if r := guest.tryLogin("dana@brand.example", "dana's own password"); r.status != http.StatusSeeOther {
			t.Fatalf("invitee's login: %d\n%s", r.status, r.body)
		}
		guest.page("/inbox", 200)
		mustContain(t, admin.page("/settings/users", 200), `data-user="dana@brand.example" data-status="active"`, "2026-03-25 10:00 UTC")
		wantAudit(t, db,
			"admin@example.com user.invite dana@brand.example role agent, link expires 2026-04-01 10:00 UTC",
			"dana@brand.example user.accept_invite dana@brand.example password set")

		// A link expires; a new one replaces it.
		r = admin.form("/settings/users", "/settings/users/invite", url.Values{"email": {"lee@brand.example"}, "role": {"analyst"}})
		first := string(inviteLink.FindSubmatch(r.body)[1])
		s.clock.Add(7*24*time.Hour + time.Second)
		if r := s.visitor().get(first); r.status != http.StatusNotFound {
			t.Errorf("expired link: %d", r.status)
		}
		var id int64
		if err := db.QueryRow(context.Background(), `SELECT id FROM users WHERE email = 'lee@brand.example'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		admin = s.visitor().login("admin@example.com") // the first session has idled out
		r = admin.form("/settings/users", fmt.Sprintf("/settings/users/%d/reinvite", id), nil)
		second := inviteLink.FindSubmatch(r.body)
		if r.status != http.StatusOK || second == nil || string(second[1]) == first {
			t.Fatalf("reinvite: %d\n%s", r.status, r.body)
		}
		s.visitor().page(string(second[1]), 200)
	})
}

// With a mail relay set up, the invitation is also mailed, through the
// outbox, in the invitation's transaction.
func TestSettingsUsersInviteMailed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		if err := db.SetSetting(context.Background(), "smtp.host", "smtp.brand.example"); err != nil {
			t.Fatal(err)
		}
		admin := s.visitor().login("admin@example.com")
		r := admin.form("/settings/users", "/settings/users/invite", url.Values{"email": {"dana@brand.example"}, "role": {"agent"}})
		link := inviteLink.FindSubmatch(r.body)
		if r.status != http.StatusOK || link == nil || !strings.Contains(string(r.body), "It is also being emailed to dana@brand.example") {
			t.Fatalf("invite: %d\n%s", r.status, r.body)
		}
		var target, text string
		if err := db.QueryRow(context.Background(), `SELECT target, body_text FROM deliveries WHERE key LIKE 'invite:%'`).Scan(&target, &text); err != nil {
			t.Fatal(err)
		}
		if target != "dana@brand.example" || !strings.Contains(text, string(link[1])) || !strings.Contains(text, "admin@example.com invited you") {
			t.Errorf("mailed %s:\n%s", target, text)
		}
	})
}

// Roles change, users are deactivated (their session ends, their login is
// refused) and reactivated; the last active admin is kept.
func TestSettingsUsersRolesAndDeactivation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		ctx := context.Background()
		id := func(email string) string {
			var id int64
			if err := db.QueryRow(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(id)
		}
		role := func(email string) string {
			var r string
			if err := db.QueryRow(ctx, `SELECT role FROM users WHERE email = ?`, email).Scan(&r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		admin := s.visitor().login("admin@example.com")
		agent := s.visitor().login("agent@example.com")
		agent.page("/inbox", 200)

		// The only admin can neither be demoted nor deactivated.
		r := admin.form("/settings/users", "/settings/users/"+id("admin@example.com")+"/role", url.Values{"role": {"agent"}})
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "admin@example.com is the last active admin and cannot be demoted") {
			t.Errorf("last admin demoted: %d\n%s", r.status, r.body)
		}
		r = admin.form("/settings/users", "/settings/users/"+id("admin@example.com")+"/deactivate", nil)
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "cannot be deactivated") {
			t.Errorf("last admin deactivated: %d\n%s", r.status, r.body)
		}
		if role("admin@example.com") != "admin" {
			t.Fatal("the last admin lost the role")
		}

		r = admin.form("/settings/users", "/settings/users/"+id("agent@example.com")+"/role", url.Values{"role": {"analyst"}})
		if r.status != http.StatusSeeOther || role("agent@example.com") != "analyst" {
			t.Fatalf("role change: %d, role %s", r.status, role("agent@example.com"))
		}
		// The same change again changes nothing, and records nothing.
		admin.form("/settings/users", "/settings/users/"+id("agent@example.com")+"/role", url.Values{"role": {"analyst"}})
		if r := admin.form("/settings/users", "/settings/users/"+id("agent@example.com")+"/role", url.Values{"role": {"owner"}}); r.status != http.StatusBadRequest {
			t.Errorf("unknown role: %d", r.status)
		}
		mustContain(t, admin.page("/settings/users?done=role", 200), "The role was changed.")

		r = admin.form("/settings/users", "/settings/users/"+id("agent@example.com")+"/deactivate", nil)
		if r.status != http.StatusSeeOther {
			t.Fatalf("deactivate: %d\n%s", r.status, r.body)
		}
		if r := agent.get("/"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
			t.Errorf("the deactivated user's session still works: %d", r.status)
		}
		r = s.visitor().tryLogin("agent@example.com", password)
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "This account is deactivated") {
			t.Errorf("deactivated login: %d\n%s", r.status, r.body)
		}
		if r := s.visitor().tryLogin("agent@example.com", "wrong password!"); r.status != http.StatusUnauthorized {
			t.Errorf("wrong password of a deactivated user: %d", r.status)
		}
		mustContain(t, admin.page("/settings/users", 200), `data-user="agent@example.com" data-status="deactivated"`)
		admin.form("/settings/users", "/settings/users/"+id("agent@example.com")+"/deactivate", nil) // again: nothing
		r = admin.form("/settings/users", "/settings/users/"+id("agent@example.com")+"/reactivate", nil)
		if r.status != http.StatusSeeOther {
			t.Fatalf("reactivate: %d", r.status)
		}
		s.visitor().login("agent@example.com")

		// With a second admin, the first may step down.
		admin.form("/settings/users", "/settings/users/"+id("analyst@example.com")+"/role", url.Values{"role": {"admin"}})
		if r := admin.form("/settings/users", "/settings/users/"+id("admin@example.com")+"/role", url.Values{"role": {"analyst"}}); r.status != http.StatusSeeOther || role("admin@example.com") != "analyst" {
			t.Errorf("demote with another admin: %d", r.status)
		}
		wantAudit(t, db,
			"admin@example.com user.role agent@example.com agent → analyst",
			"admin@example.com user.deactivate agent@example.com sessions ended",
			"admin@example.com user.reactivate agent@example.com",
			"admin@example.com user.role analyst@example.com analyst → admin",
			"admin@example.com user.role admin@example.com admin → analyst")
	})
}

var tokenSecret = regexp.MustCompile(`<code id="token-secret">(qd_[A-Za-z0-9_-]+)</code>`)

// A token is shown once, its last use is stamped by the server's clock,
// and once revoked it is refused. Names are escaped.
func TestSettingsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		admin := s.visitor().login("admin@example.com")
		before := s.count("api_tokens")
		if r := admin.form("/settings/tokens", "/settings/tokens", url.Values{"name": {"sync"}}); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "at least one scope is required") {
			t.Errorf("no scope: %d\n%s", r.status, r.body)
		}
		if s.count("api_tokens") != before {
			t.Fatal("a token was stored without scopes")
		}
		r := admin.form("/settings/tokens", "/settings/tokens", url.Values{"name": {"<script>alert(1)</script>"}, "scopes": {"read", "ingest"}})
		m := tokenSecret.FindSubmatch(r.body)
		if r.status != http.StatusOK || m == nil {
			t.Fatalf("create: %d\n%s", r.status, r.body)
		}
		secret := string(m[1])
		body := admin.page("/settings/tokens", 200)
		if strings.Contains(body, secret) {
			t.Error("the secret is shown again")
		}
		if strings.Contains(body, "<script>alert(1)") {
			t.Error("the token's name is not escaped")
		}
		mustContain(t, body, "&lt;script&gt;alert(1)&lt;/script&gt;", "<code>ingest</code>, <code>read</code>")

		s.clock.Add(3 * time.Hour)
		if r := s.do("GET", "/api/v1/guardrails", "Bearer "+secret, nil); r.status != http.StatusOK {
			t.Fatalf("API call: %d %s", r.status, r.body)
		}
		var id int64
		if err := db.QueryRow(context.Background(), `SELECT id FROM api_tokens WHERE name = '<script>alert(1)</script>'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		admin = s.visitor().login("admin@example.com")
		mustContain(t, admin.page("/settings/tokens", 200), `<td class="text last-used">2026-03-25 13:00 UTC</td>`)

		if r := admin.form("/settings/tokens", fmt.Sprintf("/settings/tokens/%d/revoke", id), nil); r.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.status)
		}
		admin.form("/settings/tokens", fmt.Sprintf("/settings/tokens/%d/revoke", id), nil) // again: nothing
		if r := admin.form("/settings/tokens", "/settings/tokens/99999/revoke", nil); r.status != http.StatusNotFound {
			t.Errorf("unknown token: %d", r.status)
		}
		if r := s.do("GET", "/api/v1/guardrails", "Bearer "+secret, nil); r.status != http.StatusUnauthorized {
			t.Errorf("revoked token: %d", r.status)
		}
		mustContain(t, admin.page("/settings/tokens", 200), fmt.Sprintf(`data-token="%d" data-status="revoked"`, id), "revoked 2026-03-25 13:00 UTC")
		target := fmt.Sprintf("token %d \"<script>alert(1)</script>\"", id)
		wantAudit(t, db, "admin@example.com token.create "+target+" scopes ingest,read", "admin@example.com token.revoke "+target)
		audit := admin.page("/settings/audit", 200)
		if strings.Contains(audit, "<script>alert(1)") || strings.Contains(audit, secret) {
			t.Error("the audit page shows a raw name or the secret")
		}
		mustContain(t, audit, "token.revoke", fmt.Sprintf("token %d &#34;&lt;script&gt;alert(1)&lt;/script&gt;&#34;", id))
	})
}

// Store settings are checked as the command line checks them: one wrong
// value stores nothing, each problem is named, and what a change affects
// is said.
func TestSettingsStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		ctx := context.Background()
		admin := s.visitor().login("admin@example.com")
		good := url.Values{"help.name": {"<script>Brand</script>"}, "site.url": {"https://desk.brand.example"}, "timezone": {"Europe/Paris"},
			"currency": {"EUR"}, "review.day": {"tuesday"}, "program_start": {""}}
		bad := url.Values{}
		for k, v := range good {
			bad[k] = v
		}
		bad.Set("timezone", "Mars/Olympus")
		bad.Set("currency", "euro")
		bad.Set("site.url", "desk.brand.example")
		r := admin.form("/settings/store", "/settings/store", bad)
		if r.status != http.StatusBadRequest {
			t.Fatalf("bad values: %d", r.status)
		}
		mustContain(t, string(r.body), "Nothing was saved: 3 of the values",
			`data-field="timezone">&#34;Mars/Olympus&#34; is not a time zone: use an IANA name`,
			`data-field="currency">&#34;euro&#34; is not a currency code`,
			`data-field="site.url">&#34;desk.brand.example&#34; is not an http:// or https:// address`,
			`value="Mars/Olympus"`)
		for _, k := range []string{"help.name", "timezone", "currency", "site.url", "review.day"} {
			if v, _ := db.Setting(ctx, k); v != "" {
				t.Errorf("%s stored as %q after a refused form", k, v)
			}
		}
		if n := s.count("audit_log"); n != 0 {
			t.Errorf("%d audit rows after a refused form", n)
		}

		r = admin.form("/settings/store", "/settings/store", good)
		if r.status != http.StatusOK {
			t.Fatalf("save: %d\n%s", r.status, r.body)
		}
		body := string(r.body)
		if strings.Contains(body, "<script>Brand") {
			t.Error("the brand name is not escaped")
		}
		mustContain(t, body, "Time zone: set to &#34;Europe/Paris&#34;. Every metric&#39;s days and weeks are cut again in the new zone",
			"Currency: set to &#34;EUR&#34;. Nothing already stored is converted", `value="&lt;script&gt;Brand&lt;/script&gt;"`)
		for k, want := range map[string]string{"help.name": "<script>Brand</script>", "timezone": "Europe/Paris", "currency": "EUR", "site.url": "https://desk.brand.example", "review.day": "tuesday"} {
			if v, _ := db.Setting(ctx, k); v != want {
				t.Errorf("%s = %q, want %q", k, v, want)
			}
		}
		// The same form again changes nothing.
		r = admin.form("/settings/store", "/settings/store", good)
		mustContain(t, string(r.body), "Nothing changed")
		good.Set("currency", "USD")
		r = admin.form("/settings/store", "/settings/store", good)
		mustContain(t, string(r.body), "Currency: &#34;EUR&#34; → &#34;USD&#34;.", "The store holds 0 orders.")
		wantAudit(t, db,
			`admin@example.com setting.set help.name set to "<script>Brand</script>"`,
			`admin@example.com setting.set site.url set to "https://desk.brand.example"`,
			`admin@example.com setting.set timezone set to "Europe/Paris"`,
			`admin@example.com setting.set currency set to "EUR"`,
			`admin@example.com setting.set review.day set to "tuesday"`,
			`admin@example.com setting.set currency "EUR" → "USD"`)
	})
}
