package web

import (
	"net/http"

	"quietdesk/internal/auth"
)

// settingsIndex answers GET /settings: the admins' settings pages, each
// with what it holds. Store settings without a page are set with
// `quietdesk settings set`.
func (s *Server) settingsIndex(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.render(w, http.StatusOK, "settings", &view{Title: "Settings", Session: sess, Nav: "settings", Data: settingsPages})
}
