package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// An admin invites someone and revokes a token through the pages, as a
// person would; the invitee sets a password with the link; no console
// error on the way.
func TestBrowserSettingsAdmin(t *testing.T) {
	browser, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	s := startSite(t, db)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	if err := logIn(t, browser, s.url+"/settings/users", "admin@example.com", `#invite`); err != nil {
		fail("log in and open the users page", err)
	}
	if err := chromedp.Do(step(t, browser),
		chromedp.SendKeys(`#invite input[name="email"]`, "pat@brand.example"),
		chromedp.SetValue(`#invite select[name="role"]`, "analyst"),
		chromedp.Click(`#invite button[type="submit"]`),
		chromedp.WaitVisible(`#invite-link`),
	); err != nil {
		fail("invite", err)
	}
	link, err := chromedp.Run(step(t, browser), chromedp.Text(`#invite-link`))
	if err != nil || !strings.Contains(link, "/invite/") {
		fail("read the link", fmt.Errorf("%q %v", link, err))
	}
	if err := chromedp.Do(step(t, browser),
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#accept-invite`),
		chromedp.SendKeys(`#accept-invite input[name="password"]`, "pat's chosen password"),
		chromedp.SendKeys(`#accept-invite input[name="confirm"]`, "pat's chosen password"),
		chromedp.Click(`#accept-invite button[type="submit"]`),
		chromedp.WaitNotPresent(`#accept-invite`),
	); err != nil {
		fail("accept the invitation", err)
	}
	if r := s.visitor().tryLogin("pat@brand.example", "pat's chosen password"); r.status != http.StatusSeeOther {
		t.Errorf("the invitee's login: %d", r.status)
	}

	plain := s.token("read")
	if r := s.do("GET", "/api/v1/guardrails", "Bearer "+plain, nil); r.status != http.StatusOK {
		t.Fatalf("API call: %d", r.status)
	}
	var id int64
	if err := db.QueryRow(context.Background(), `SELECT MAX(id) FROM api_tokens`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`tr[data-token="%d"]`, id)
	if err := chromedp.Do(step(t, browser),
		chromedp.Navigate(s.url+"/settings/tokens"),
		chromedp.WaitVisible(row+`[data-status="active"] button`),
		chromedp.Click(row+` button`),
		chromedp.WaitVisible(row+`[data-status="revoked"]`),
	); err != nil {
		fail("revoke the token", err)
	}
	if r := s.do("GET", "/api/v1/guardrails", "Bearer "+plain, nil); r.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d", r.status)
	}
	if err := chromedp.Do(step(t, browser),
		chromedp.Navigate(s.url+"/settings/audit"),
		chromedp.WaitVisible(`#audit tr[data-action="token.revoke"]`),
	); err != nil {
		fail("see the revocation in the audit log", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported: %q", p)
	}
}
