package web

import (
	"errors"
	"net/http"
	"strconv"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// The saved replies page: admins write and delete them; agents use them
// from the conversation page's composer (docs/desk.md#saved-replies).

type savedRepliesData struct {
	Replies   []desk.SavedReply
	Variables []string
	CSRF      string
	// Form and Errors keep what was typed when a save was refused.
	Form   map[string]string
	Errors map[string]string
}

// savedRepliesPage answers GET /saved-replies.
// (?edit=ID puts that reply in the form).
func (s *Server) savedRepliesPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	var form map[string]string
	if v := r.URL.Query().Get("edit"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return domain.Errorf(domain.ENotFound, "there is no saved reply %q", v)
		}
		sr, err := desk.GetSavedReply(r.Context(), s.db, id)
		if err != nil {
			return err
		}
		form = map[string]string{"id": v, "name": sr.Name, "body": sr.Body}
	}
	return s.drawSavedReplies(w, r, sess, http.StatusOK, form, nil)
}

func (s *Server) drawSavedReplies(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, form, errs map[string]string) error {
	list, err := desk.SavedReplies(r.Context(), s.db)
	if err != nil {
		return err
	}
	d := savedRepliesData{Replies: list, Variables: desk.ReplyVariables(), CSRF: sess.CSRF, Form: form, Errors: errs}
	return s.render(w, status, "inbox_replies", &view{Title: "Saved replies", Session: sess, Nav: "saved-replies", Data: d})
}

// saveReplyForm answers POST /saved-replies (id for a change, name, body).
func (s *Server) saveReplyForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	sr := desk.SavedReply{Name: r.PostFormValue("name"), Body: r.PostFormValue("body")}
	if v := r.PostFormValue("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return domain.Errorf(domain.ENotFound, "there is no saved reply %q", v)
		}
		sr.ID = id
	}
	_, _, err := s.saveReply(r.Context(), sr)
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.EInvalid || de.Code == domain.EConflict) {
		errs := map[string]string{}
		for _, f := range de.Fields {
			errs[f.Field] = f.Reason
		}
		if len(errs) == 0 {
			errs["form"] = de.Message
		}
		form := map[string]string{"id": r.PostFormValue("id"), "name": sr.Name, "body": sr.Body}
		return s.drawSavedReplies(w, r, sess, http.StatusBadRequest, form, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/saved-replies", http.StatusSeeOther)
	return nil
}

// deleteReplyForm answers POST /saved-replies/{id}/delete.
func (s *Server) deleteReplyForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "there is no saved reply %q", r.PathValue("id"))
	}
	if err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error { return desk.DeleteSavedReply(r.Context(), tx, id) }); err != nil {
		return err
	}
	http.Redirect(w, r, "/saved-replies", http.StatusSeeOther)
	return nil
}
