package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
)

// usersPageData is what /settings/users draws.
type usersPageData struct {
	CSRF  string
	Users []userRow
	Roles []string
	// Invited is the invitation just made, with its link: the one time
	// the link is shown.
	Invited *invitedView
	// The invite form as typed, when it had a mistake.
	Email, Role string
	Done        string
}

type userRow struct {
	auth.User
	LastLogin, Status string
	Self              bool // the admin looking at the page
}

type invitedView struct {
	Email, Role, Link, Expires string
	Mailed                     bool // an email with the link is in the outbox
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawUsers(w, r, sess, http.StatusOK, "", usersPageData{Role: auth.RoleAgent, Done: doneMessages[r.URL.Query().Get("done")]})
}

func (s *Server) drawUsers(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, problem string, data usersPageData) error {
	list, err := auth.Users(r.Context(), s.db)
	if err != nil {
		return err
	}
	data.CSRF, data.Roles = sess.CSRF, auth.Roles
	for _, u := range list {
		row := userRow{User: u, LastLogin: stampUTC(u.LastLoginAt), Status: "active", Self: u.ID == sess.User.ID}
		switch {
		case u.DeactivatedAt != nil:
			row.Status = "deactivated"
		case u.Invited:
			row.Status = "invited"
		}
		data.Users = append(data.Users, row)
	}
	return s.render(w, status, "settings_users", &view{Title: "Users", Session: sess, Nav: "users", Notice: problem, Data: data})
}

// inviteUser answers POST /settings/users/invite: the user is stored
// without a password, and the admin gets a one-time link to pass on. When
// an SMTP relay is configured the link is also mailed, through the outbox
// in the same transaction.
func (s *Server) inviteUser(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	ctx := r.Context()
	base, err := s.siteURL(r)
	if err != nil {
		return err
	}
	now := s.Now()
	var inv auth.Invitation
	var link string
	mailed := false
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var plain string
		inv, plain, err = auth.Invite(ctx, tx, r.PostFormValue("email"), r.PostFormValue("role"), sess.User.Email, now)
		if err != nil {
			return err
		}
		link = base + "/invite/" + plain
		if mailed, err = s.mailInvitation(r, tx, inv, link); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, sess.User.Email, "user.invite", inv.User.Email, inviteDetail(inv, mailed))
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawUsers(w, r, sess, status, msg, usersPageData{Email: r.PostFormValue("email"), Role: r.PostFormValue("role")})
	} else if err != nil {
		return err
	}
	s.log.Info("user invited", "user", inv.User.Email, "by", sess.User.Email)
	return s.drawUsers(w, r, sess, http.StatusOK, "", usersPageData{Role: auth.RoleAgent, Invited: &invitedView{
		Email: inv.User.Email, Role: inv.User.Role, Link: link, Expires: stampUTC(&inv.ExpiresAt), Mailed: mailed}})
}

// reinviteUser answers POST /settings/users/{id}/reinvite: a new link for
// an invited user, the old one no longer working.
func (s *Server) reinviteUser(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	ctx := r.Context()
	base, err := s.siteURL(r)
	if err != nil {
		return err
	}
	now := s.Now()
	var inv auth.Invitation
	var link string
	mailed := false
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var plain string
		if inv, plain, err = auth.Reinvite(ctx, tx, id, sess.User.Email, now); err != nil {
			return err
		}
		link = base + "/invite/" + plain
		if mailed, err = s.mailInvitation(r, tx, inv, link); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, sess.User.Email, "user.reinvite", inv.User.Email, inviteDetail(inv, mailed))
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawUsers(w, r, sess, status, msg, usersPageData{Role: auth.RoleAgent})
	} else if err != nil {
		return err
	}
	return s.drawUsers(w, r, sess, http.StatusOK, "", usersPageData{Role: auth.RoleAgent, Invited: &invitedView{
		Email: inv.User.Email, Role: inv.User.Role, Link: link, Expires: stampUTC(&inv.ExpiresAt), Mailed: mailed}})
}

func inviteDetail(inv auth.Invitation, mailed bool) string {
	d := "role " + inv.User.Role + ", link expires " + stampUTC(&inv.ExpiresAt)
	if mailed {
		d += ", mailed"
	}
	return d
}

// mailInvitation enqueues the invitation's email when an SMTP relay is
// configured, and reports whether it did. The link is in the outbox until
// sent, as any message is; it works once and expires.
func (s *Server) mailInvitation(r *http.Request, tx *store.Tx, inv auth.Invitation, link string) (bool, error) {
	host, err := tx.Setting(r.Context(), notify.SettingSMTPHost)
	if err != nil || strings.TrimSpace(host) == "" {
		return false, err
	}
	text := fmt.Sprintf("%s invited you to Quietdesk as %s.\n\nSet your password here (the link works once, until %s):\n%s\n",
		inv.CreatedBy, inv.User.Role, stampUTC(&inv.ExpiresAt), link)
	_, _, err = notify.Enqueue(r.Context(), tx, notify.Delivery{
		Key: "invite:" + strconv.FormatInt(inv.ID, 10), Channel: notify.ChannelEmail, Target: inv.User.Email,
		Subject: "You are invited to Quietdesk", Text: text,
	}, s.Now())
	if err != nil {
		return false, err
	}
	tx.AfterCommit(notify.Wake)
	return true, nil
}

// changeRole answers POST /settings/users/{id}/role. The last active admin
// keeps the role.
func (s *Server) changeRole(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.userChange(w, r, sess, "role", func(tx *store.Tx, id int64) (string, string, bool, error) {
		role := strings.ToLower(strings.TrimSpace(r.PostFormValue("role")))
		before, err := auth.SetRole(r.Context(), tx, id, role)
		if err != nil || before.Role == role {
			return "", before.Email, false, err
		}
		return "user.role", before.Email, true, audit.Record(r.Context(), tx, s.Now(), sess.User.Email, "user.role", before.Email, before.Role+" → "+role)
	})
}

// deactivateUser answers POST /settings/users/{id}/deactivate: the user's
// logins are refused and their sessions end; the last active admin cannot
// be deactivated.
func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.userChange(w, r, sess, "deactivated", func(tx *store.Tx, id int64) (string, string, bool, error) {
		u, changed, err := auth.Deactivate(r.Context(), tx, id, s.Now())
		if err != nil || !changed {
			return "", u.Email, false, err
		}
		return "user.deactivate", u.Email, true, audit.Record(r.Context(), tx, s.Now(), sess.User.Email, "user.deactivate", u.Email, "sessions ended")
	})
}

// reactivateUser answers POST /settings/users/{id}/reactivate.
func (s *Server) reactivateUser(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.userChange(w, r, sess, "reactivated", func(tx *store.Tx, id int64) (string, string, bool, error) {
		u, changed, err := auth.Reactivate(r.Context(), tx, id)
		if err != nil || !changed {
			return "", u.Email, false, err
		}
		return "user.reactivate", u.Email, true, audit.Record(r.Context(), tx, s.Now(), sess.User.Email, "user.reactivate", u.Email, "")
	})
}

// userChange runs one change of a user in a transaction with its audit
// record, then sends the browser back to the list (done names the notice),
// or draws the list with the problem.
func (s *Server) userChange(w http.ResponseWriter, r *http.Request, sess *auth.Session, done string,
	change func(tx *store.Tx, id int64) (action, email string, changed bool, err error)) error {
	id, err := pathID(r, "id", "user")
	if err != nil {
		return err
	}
	var action, email string
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		action, email, _, err = change(tx, id)
		return err
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawUsers(w, r, sess, status, msg, usersPageData{Role: auth.RoleAgent})
	} else if err != nil {
		return err
	}
	if action != "" {
		s.log.Info("user changed", "action", action, "user", email, "by", sess.User.Email)
	}
	http.Redirect(w, r, "/settings/users?done="+done, http.StatusSeeOther)
	return nil
}
