package web

import (
	"net/http"
	"time"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
)

// auditShown is how many of the newest changes /settings/audit lists.
const auditShown = 200

// auditRow is one change as the audit page shows it.
type auditRow struct {
	audit.Entry
	When string
}

// auditPage answers GET /settings/audit: who changed what, newest first.
// Details never hold a secret: audit records "(set)" for one.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	list, err := audit.List(r.Context(), s.db, auditShown)
	if err != nil {
		return err
	}
	rows := make([]auditRow, 0, len(list))
	for _, e := range list {
		rows = append(rows, auditRow{Entry: e, When: stampUTC(&e.At)})
	}
	return s.render(w, http.StatusOK, "settings_audit", &view{Title: "Audit log", Session: sess, Nav: "audit", Data: rows})
}

// stampUTC writes a time for the settings pages; "" for none.
func stampUTC(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// formProblem is the message a settings page shows above its form for an
// error the admin can act on (a wrong value, the last admin, a token
// already gone), and the page's status; ok is false for other errors,
// which the caller returns.
func formProblem(err error) (message string, status int, ok bool) {
	if err == nil {
		return "", 0, false
	}
	switch code := domain.ErrorCode(err); code {
	case domain.EInvalid, domain.EConflict, domain.ENotFound:
		return err.Error(), statusOf(code), true
	}
	return "", 0, false
}

// doneMessages are the notices shown after a change that redirects back to
// its page (?done=KEY): fixed texts, so the address cannot put words on
// the page.
var doneMessages = map[string]string{
	"role":        "The role was changed.",
	"deactivated": "The user was deactivated: their sessions have ended and they cannot log in.",
	"reactivated": "The user was reactivated: they can log in with their password again.",
	"revoked":     "The token was revoked: requests bearing it are refused from now on.",
	"saved":       "Saved.",
}
