package web_test

import (
	"net/http"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Admins find every settings page under one navigation item, which each of
// those pages highlights; others are refused.
func TestSettingsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		for _, who := range []string{"agent@example.com", "analyst@example.com"} {
			if r := s.visitor().login(who).get("/settings"); r.status != http.StatusForbidden {
				t.Errorf("%s got the settings page: %d", who, r.status)
			}
		}
		admin := s.visitor().login("admin@example.com")
		index := admin.page("/settings", 200)
		mustContain(t, index, `<a href="/settings/chat">Chat widget</a>`, `<a href="/settings/webhooks">Webhooks</a>`,
			`<a href="/settings/returns">Returns policy</a>`, `<a href="/saved-replies">Saved replies</a>`, `href="/settings" aria-current="page">Settings</a>`)
		for _, p := range []string{"/settings/chat", "/settings/webhooks", "/settings/returns", "/saved-replies"} {
			mustContain(t, admin.page(p, 200), `href="/settings" aria-current="page">Settings</a>`)
		}
	})
}
