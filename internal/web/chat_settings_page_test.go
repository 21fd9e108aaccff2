package web_test

import (
	"context"
	"net/http"
	"testing"

	"quietdesk/internal/chat"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The chat page is for admins: the tag to install names the desk's
// address, and the settings are shown as they are, escaped.
func TestChatSettingsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		if r := s.visitor().login("agent@example.com").get("/settings/chat"); r.status != http.StatusForbidden {
			t.Errorf("an agent got the chat page: %d", r.status)
		}
		ctx := context.Background()
		for k, v := range map[string]string{store.SiteURLSetting: "https://desk.brand.example", chat.SettingOrigins: "https://shop.brand.example",
			chat.SettingGreeting: `Hello <img src=x onerror=alert(1)>`} {
			if err := db.SetSetting(ctx, k, v); err != nil {
				t.Fatal(err)
			}
		}
		page := s.visitor().login("admin@example.com").page("/settings/chat", 200)
		mustContain(t, page, `&lt;script src=&#34;https://desk.brand.example/widget.js&#34; data-quietdesk async&gt;&lt;/script&gt;`,
			`<code>https://shop.brand.example</code>`, `off: every visitor is anonymous`, `open now`,
			`Hello &lt;img src=x onerror=alert(1)&gt;`, `<script src="/widget.js" data-quietdesk async></script>`, `href="/settings" aria-current="page">Settings</a>`)
	})
}
