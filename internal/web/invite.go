package web

import (
	"net/http"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// invitePageData fills /invite/{token}: the invited user's email and role,
// and the form to set a password.
type invitePageData struct {
	Email, Role, Expires string
	MinLength            int
	Error                string
	Gone                 bool // the link is unknown, used or expired
}

// invitePage answers GET /invite/{token}. The token is the credential, so
// the page is public; the answer to a bad link is the same whatever made
// it bad.
func (s *Server) invitePage(w http.ResponseWriter, r *http.Request) error {
	infoOf(r).page = true
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	inv, err := auth.LookupInvitation(r.Context(), s.db, r.PathValue("token"), s.Now())
	if domain.ErrorCode(err) == domain.ENotFound {
		return s.render(w, http.StatusNotFound, "invite", &view{Title: "Invitation", Data: invitePageData{Gone: true, Error: err.Error()}})
	}
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "invite", &view{Title: "Invitation", Data: invitePageData{
		Email: inv.User.Email, Role: inv.User.Role, Expires: stampUTC(&inv.ExpiresAt), MinLength: auth.MinPasswordLength}})
}

// acceptInvite answers POST /invite/{token}: the password is set, the
// link used up, and the browser sent to log in with it.
func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request) error {
	infoOf(r).page = true
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err := s.crossOrigin.Check(r); err != nil {
		return domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused")
	}
	ctx, token, now := r.Context(), r.PathValue("token"), s.Now()
	inv, err := auth.LookupInvitation(ctx, s.db, token, now)
	if domain.ErrorCode(err) == domain.ENotFound {
		return s.render(w, http.StatusNotFound, "invite", &view{Title: "Invitation", Data: invitePageData{Gone: true, Error: err.Error()}})
	}
	if err != nil {
		return err
	}
	data := invitePageData{Email: inv.User.Email, Role: inv.User.Role, Expires: stampUTC(&inv.ExpiresAt), MinLength: auth.MinPasswordLength}
	password := r.PostFormValue("password")
	if password != r.PostFormValue("confirm") {
		data.Error = "The two passwords differ: type the same one twice."
		return s.render(w, http.StatusBadRequest, "invite", &view{Title: "Invitation", Data: data})
	}
	err = s.db.WriteTx(ctx, func(tx *store.Tx) error {
		u, err := auth.AcceptInvitation(ctx, tx, token, password, now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, u.Email, "user.accept_invite", u.Email, "password set")
	})
	switch {
	case err == nil:
	case domain.ErrorCode(err) == domain.EInvalid:
		data.Error = err.Error()
		return s.render(w, http.StatusBadRequest, "invite", &view{Title: "Invitation", Data: data})
	case domain.ErrorCode(err) == domain.ENotFound:
		return s.render(w, http.StatusNotFound, "invite", &view{Title: "Invitation", Data: invitePageData{Gone: true, Error: err.Error()}})
	default:
		return err
	}
	s.log.Info("invitation accepted", "user", inv.User.Email)
	http.Redirect(w, r, "/login?invited=1", http.StatusSeeOther)
	return nil
}
