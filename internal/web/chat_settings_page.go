package web

import (
	"net/http"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/chat"
)

// chatSettingsPage is /settings/chat: how to put the widget on the brand's
// site, what it is set to, and the widget itself on the page, so an admin
// sees what visitors see and can try a conversation from start to end
// (their messages reach the inbox as a visitor's would).
type chatSettingsPage struct {
	Snippet  string   // the tag to paste into the brand's pages
	Origins  []string // chat.origins
	Identity bool     // chat.secret is set: pages can vouch for customers
	Hours    string   // chat.hours, else desk.business_hours, else ""
	Open     bool     // the team chats now
	Away     string
	Greeting string
}

func (s *Server) chatSettings(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	cfg, err := chat.LoadConfig(r.Context(), s.db)
	if err != nil {
		return err
	}
	base, err := s.siteURL(r)
	if err != nil {
		return err
	}
	hours, err := s.db.Setting(r.Context(), chat.SettingHours)
	if err != nil {
		return err
	}
	if strings.TrimSpace(hours) == "" && cfg.Hours.IsSet() {
		hours = "the desk's business hours"
	}
	data := chatSettingsPage{
		Snippet: `<script src="` + base + `/widget.js" data-quietdesk async></script>`,
		Origins: cfg.Origins, Identity: cfg.Secret != "", Hours: strings.TrimSpace(hours),
		Open: cfg.Open(s.Now()), Away: cfg.Away, Greeting: cfg.Greeting,
	}
	return s.render(w, http.StatusOK, "chat_settings", &view{Title: "Chat widget", Session: sess, Nav: "chat", Data: data})
}
