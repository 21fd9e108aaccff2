package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// The knowledge base's API for editors' tools (docs/knowledge-base.md#api).
// Reading takes a token of scope desk or a logged-in agent or admin;
// writing takes a token of scope admin or a logged-in editor (an admin, or
// an agent with the right). Writes name who made them on the history: the
// user's email, or "token:NAME".

type kbWhoKey struct{}

// kbWho is who a write through kbAccess is recorded as.
func kbWho(r *http.Request) string {
	who, _ := r.Context().Value(kbWhoKey{}).(string)
	return who
}

// kbAccess lets a request through as described above. A session's
// requests must come from our own pages, as deskAccess requires.
func (s *Server) kbAccess(write bool, next http.Handler) http.Handler {
	scope := auth.ScopeDesk
	if write {
		scope = auth.ScopeAdmin
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie(sessionCookie); err != nil || r.Header.Get("Authorization") != "" {
			s.need(scope, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), kbWhoKey{}, "token:"+infoOf(r).token)))
			})).ServeHTTP(w, r)
			return
		}
		if err := s.crossOrigin.Check(r); err != nil {
			s.writeError(w, r, domain.Errorf(domain.EForbidden, "this request was sent from another site, so it was refused"))
			return
		}
		allowed, why := auth.User.ReadsMessages, "the knowledge base's API is for agents and admins"
		if write {
			allowed, why = auth.User.EditsKB, "articles are written by admins and by agents with the knowledge-base right"
		}
		sess, ok := s.sessionWith(w, r, allowed, why)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), kbWhoKey{}, sess.User.Email)))
	})
}

// apiKBArticles answers GET /api/v1/kb/articles (?locale, ?category,
// ?status, ?slug, ?q: a search, best first).
func (s *Server) apiKBArticles(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := kb.Filter{Locale: q.Get("locale"), Category: q.Get("category"), Status: q.Get("status"), Slug: q.Get("slug")}
	if f.Status != "" && !slices.Contains(kb.Statuses, f.Status) {
		return deskFieldError("bad filter", "status", "use draft or published")
	}
	list, err := kb.List(r.Context(), s.db, f)
	if err != nil {
		return err
	}
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		found, err := kb.Search(r.Context(), s.db, kb.Query{Text: text, Locale: f.Locale, Limit: 50, Drafts: true})
		if err != nil {
			return err
		}
		var ranked []*kb.Article
		for _, res := range found {
			if i := slices.IndexFunc(list, func(a *kb.Article) bool { return a.Slug == res.Slug && a.Locale == res.Locale }); i >= 0 {
				ranked = append(ranked, list[i])
			}
		}
		list = ranked
	}
	if list == nil {
		list = []*kb.Article{}
	}
	return writeJSON(w, http.StatusOK, struct {
		Articles []*kb.Article `json:"articles"`
	}{list})
}

// apiKBArticle answers GET /api/v1/kb/articles/{locale}/{slug}.
func (s *Server) apiKBArticle(w http.ResponseWriter, r *http.Request) error {
	a, err := kb.Get(r.Context(), s.db, r.PathValue("slug"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// apiKBPut answers PUT /api/v1/kb/articles/{locale}/{slug}: 201 with a new
// article, 200 with a changed (or unchanged) one, 409 when "version" is
// not the stored one.
func (s *Server) apiKBPut(w http.ResponseWriter, r *http.Request) error {
	var in articleInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	locale, slug := r.PathValue("locale"), r.PathValue("slug")
	_, err := kb.Get(r.Context(), s.db, slug, locale)
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	exists := err == nil
	a, outcome, err := s.writeArticle(r.Context(), kbWho(r), locale, slug, in, !exists)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if outcome == store.Created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, a)
}

// apiKBPublish answers POST …/publish; publishing a published article
// changes nothing.
func (s *Server) apiKBPublish(w http.ResponseWriter, r *http.Request) error {
	return s.apiKBStatus(w, r, kb.Published)
}

// apiKBUnpublish answers POST …/unpublish: the article becomes a draft.
func (s *Server) apiKBUnpublish(w http.ResponseWriter, r *http.Request) error {
	return s.apiKBStatus(w, r, kb.Draft)
}

func (s *Server) apiKBStatus(w http.ResponseWriter, r *http.Request, status string) error {
	a, err := s.setArticleStatus(r.Context(), kbWho(r), r.PathValue("locale"), r.PathValue("slug"), status)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// apiKBVersions answers GET …/versions, newest first.
func (s *Server) apiKBVersions(w http.ResponseWriter, r *http.Request) error {
	a, err := kb.Get(r.Context(), s.db, r.PathValue("slug"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	hist, err := kb.History(r.Context(), s.db, a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		Versions []kb.Version `json:"versions"`
	}{hist})
}

// apiKBRollback answers POST …/rollback {"version": N}: that version's
// content becomes a new version.
func (s *Server) apiKBRollback(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Version int `json:"version"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a, err := s.rollbackArticle(r.Context(), kbWho(r), r.PathValue("locale"), r.PathValue("slug"), in.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}
