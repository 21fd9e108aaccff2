package web

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
)

// The knowledge base's editor (docs/knowledge-base.md#editing): the pages
// and the API both write articles through writeArticle, publish and
// rollback through kb.SetStatus and kb.Rollback, each in one transaction
// with the editor's email as who, so every change is on the history.

// articleInput is what an editor sends to create or change an article.
type articleInput struct {
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Body     string   `json:"body"`
	Chat     string   `json:"chat"`
	Email    string   `json:"email"`
	Internal string   `json:"internal"`
	Synonyms []string `json:"synonyms"`
	Topics   []string `json:"topics"`
	Status   string   `json:"status"` // "" keeps the article's (draft when new)
	Note     string   `json:"note"`   // why, for the history
	// Version is the version the editor started from (0 for a new
	// article): when the article has moved on since, the save is refused
	// rather than silently undoing a colleague's change. nil skips the
	// check (an API client that does not care).
	Version *int `json:"version"`
}

// writeArticle creates (create) or changes the article slug in locale.
func (s *Server) writeArticle(ctx context.Context, who, locale, slug string, in articleInput, create bool) (*kb.Article, store.Outcome, error) {
	a := &kb.Article{Slug: strings.TrimSpace(slug), Locale: strings.TrimSpace(locale), Title: strings.TrimSpace(in.Title), Category: strings.TrimSpace(in.Category),
		Body: cleanText(in.Body), Chat: cleanText(in.Chat), Email: cleanText(in.Email), Internal: cleanText(in.Internal),
		Synonyms: cleanList(in.Synonyms), Topics: cleanList(in.Topics), Status: strings.TrimSpace(in.Status)}
	outcome := store.Unchanged
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		old, err := kb.Get(ctx, tx, a.Slug, a.Locale)
		if err != nil && !errors.Is(err, kb.ErrNoArticle) {
			return err
		}
		switch {
		case create && old != nil:
			return &domain.Error{Code: domain.EConflict, Message: fmt.Sprintf("an article %s (%s) already exists: edit it at /kb/%s/%s, or choose another slug", a.Slug, a.Locale, a.Locale, a.Slug),
				Fields: []domain.FieldError{{Field: "slug", Reason: "is taken in this locale"}}}
		case !create && old == nil:
			return kb.ErrNoArticle
		case old != nil && in.Version != nil && *in.Version != old.Version:
			return domain.Errorf(domain.EConflict, "this article changed while you edited it: %s saved version %d on %s, and you started from version %d. Your text was not saved; copy what you need, reload the page and apply your change again",
				orDefault(old.UpdatedBy, "someone"), old.Version, old.UpdatedAt.Format("2 Jan 2006 15:04 MST"), *in.Version)
		}
		if a.Status == "" {
			a.Status = kb.Draft
			if old != nil {
				a.Status = old.Status
			}
		}
		if err := s.checkArticle(ctx, tx, a); err != nil {
			return err
		}
		outcome, err = kb.Save(ctx, tx, a, who, strings.TrimSpace(in.Note), s.Now())
		return err
	})
	return a, outcome, err
}

// checkArticle names every problem of an article at once: kb's own rules,
// variables that saved replies do not know (the composer could not fill
// them), and topics that are not in the taxonomy.
func (s *Server) checkArticle(ctx context.Context, tx *store.Tx, a *kb.Article) error {
	var p domain.Problems
	var de *domain.Error
	if err := a.Validate(); errors.As(err, &de) {
		p = append(p, de.Fields...)
	} else if err != nil {
		return err
	}
	for _, f := range []struct{ name, text string }{{"body", a.Body}, {"chat", a.Chat}, {"email", a.Email}} {
		if err := desk.CheckReplyVariables(f.text); errors.As(err, &de) && len(de.Fields) > 0 {
			p.Add(f.name, "%s", de.Fields[0].Reason)
		}
	}
	if len(a.Topics) > 0 {
		tax, err := topics.Taxonomy(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range a.Topics {
			if !slices.ContainsFunc(tax, func(st topics.StoreTopic) bool { return st.ID == t }) {
				p.Add("topics", "%q is not a topic of the taxonomy (the Topics page lists them)", t)
			}
		}
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("article %s (%s) was not saved", a.Slug, a.Locale), Fields: p}
	}
	return nil
}

// setArticleStatus publishes or unpublishes an article.
func (s *Server) setArticleStatus(ctx context.Context, who, locale, slug, status string) (*kb.Article, error) {
	var a *kb.Article
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		var err error
		a, err = kb.SetStatus(ctx, tx, slug, locale, status, who, s.Now())
		return err
	})
	return a, err
}

// rollbackArticle restores an earlier version as a new one.
func (s *Server) rollbackArticle(ctx context.Context, who, locale, slug string, version int) (*kb.Article, error) {
	if version < 1 {
		return nil, domain.Errorf(domain.EInvalid, "version: give the number of the version to restore (1 or more; the history lists them)")
	}
	var a *kb.Article
	err := s.db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := kb.Rollback(ctx, tx, slug, locale, version, who, s.Now()); err != nil {
			return err
		}
		var err error
		a, err = kb.Get(ctx, tx, slug, locale)
		return err
	})
	return a, err
}

// kbLocales are the locales the help centre offers, the default first.
func (s *Server) kbLocales(ctx context.Context) ([]string, error) {
	v, err := s.db.Setting(ctx, kb.SettingHelpLocales)
	if err != nil {
		return nil, err
	}
	list := cleanList(strings.Split(v, ","))
	if len(list) == 0 {
		list = []string{"en"}
	}
	return list, nil
}

// cleanText drops a browser's \r and the edges' blank space.
func cleanText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// cleanList trims each item and drops empty ones and repeats.
func cleanList(items []string) []string {
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
