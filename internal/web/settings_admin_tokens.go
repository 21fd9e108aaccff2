package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/store"
)

// tokensPageData is what /settings/tokens draws.
type tokensPageData struct {
	CSRF   string
	Tokens []tokenRow
	Scopes []scopeChoice
	// Created is the token just made, with its secret: the one time it is
	// shown.
	Created *createdToken
	Name    string // the form as typed, when it had a mistake
	Done    string
}

type tokenRow struct {
	auth.Token
	Created, LastUsed, Revoked string
}

type scopeChoice struct {
	Name    string
	Checked bool
}

type createdToken struct {
	ID     int64
	Name   string
	Scopes string
	Secret string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	return s.drawTokens(w, r, sess, http.StatusOK, "", tokensPageData{Done: doneMessages[r.URL.Query().Get("done")]}, nil)
}

func (s *Server) drawTokens(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, problem string, data tokensPageData, checked []string) error {
	list, err := auth.List(r.Context(), s.db)
	if err != nil {
		return err
	}
	data.CSRF = sess.CSRF
	for _, sc := range auth.Scopes {
		data.Scopes = append(data.Scopes, scopeChoice{Name: sc, Checked: slices.Contains(checked, sc)})
	}
	// Newest first: the one just made is at the top.
	for i := len(list) - 1; i >= 0; i-- {
		t := list[i]
		data.Tokens = append(data.Tokens, tokenRow{Token: t, Created: stampUTC(&t.CreatedAt), LastUsed: stampUTC(t.LastUsedAt), Revoked: stampUTC(t.RevokedAt)})
	}
	return s.render(w, status, "settings_tokens", &view{Title: "API tokens", Session: sess, Nav: "tokens", Notice: problem, Data: data})
}

// createToken answers POST /settings/tokens with the new token's secret,
// drawn once and never stored.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	scopes := r.PostForm["scopes"]
	now := s.Now()
	var tok auth.Token
	var plain string
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if tok, plain, err = auth.CreateTx(r.Context(), tx, r.PostFormValue("name"), scopes, now); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, now, sess.User.Email, "token.create", tokenTarget(tok), "scopes "+strings.Join(tok.Scopes, ","))
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawTokens(w, r, sess, status, msg, tokensPageData{Name: r.PostFormValue("name")}, scopes)
	} else if err != nil {
		return err
	}
	s.log.Info("API token created", "token", tok.ID, "scopes", strings.Join(tok.Scopes, ","), "by", sess.User.Email)
	return s.drawTokens(w, r, sess, http.StatusOK, "", tokensPageData{Created: &createdToken{ID: tok.ID, Name: tok.Name, Scopes: strings.Join(tok.Scopes, ", "), Secret: plain}}, nil)
}

// revokeToken answers POST /settings/tokens/{id}/revoke. Revoking a
// revoked token changes nothing.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	id, err := pathID(r, "id", "API token")
	if err != nil {
		return err
	}
	now := s.Now()
	err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		tok, revoked, err := auth.RevokeTx(r.Context(), tx, id, now)
		if err != nil || !revoked {
			return err
		}
		return audit.Record(r.Context(), tx, now, sess.User.Email, "token.revoke", tokenTarget(tok), "")
	})
	if msg, status, ok := formProblem(err); ok {
		return s.drawTokens(w, r, sess, status, msg, tokensPageData{}, nil)
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/tokens?done=revoked", http.StatusSeeOther)
	return nil
}

// tokenTarget names a token in the audit log, as the command line does.
func tokenTarget(t auth.Token) string { return fmt.Sprintf("token %d %q", t.ID, t.Name) }
