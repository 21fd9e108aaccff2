package web

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"slices"
	"strings"

	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
)

// Articles as saved replies (docs/knowledge-base.md#saved-replies): the
// composer offers published articles beside the saved replies, in the
// conversation's customer's locale when the article has that translation
// (else the help centre's default), and inserts the variant for the
// conversation's channel as plain text, its {{variables}} filled by
// desk.FillReply exactly as a saved reply's are. The internal variant is
// shown to the agent and never inserted.

// composerArticle is an article the composer offers.
type composerArticle struct {
	Slug     string `json:"slug"`
	Locale   string `json:"locale"`
	Title    string `json:"title"`
	Category string `json:"category"`
}

// conversationArticles is what a conversation's composer needs to choose
// articles: the locale and variant for it.
type conversationArticles struct {
	id, customerID  int64
	channel         string
	locale, deflt   string
	variant         string
	published       []*kb.Article
	offeredLocales  []string
	localesBySlug   map[string][]string
	articleBySlugLc map[string]*kb.Article
}

// replyVariant is the variant an agent replies with on a channel.
func replyVariant(channel string) string {
	switch channel {
	case "email":
		return "email"
	case "chat", "sms", "social":
		return "chat"
	}
	return "help_centre"
}

func (s *Server) loadConversationArticles(ctx context.Context, id int64) (*conversationArticles, error) {
	c := &conversationArticles{id: id, localesBySlug: map[string][]string{}, articleBySlugLc: map[string]*kb.Article{}}
	err := s.db.QueryRow(ctx, `SELECT customer_id, channel FROM conversations WHERE id = ?`, id).Scan(&c.customerID, &c.channel)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "conversation %d does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	c.variant = replyVariant(c.channel)
	if c.offeredLocales, err = s.kbLocales(ctx); err != nil {
		return nil, err
	}
	c.deflt = c.offeredLocales[0]
	if c.locale, err = customerLocale(ctx, s.db, id, c.customerID); err != nil {
		return nil, err
	}
	if c.published, err = kb.List(ctx, s.db, kb.Filter{Published: true}); err != nil {
		return nil, err
	}
	for _, a := range c.published {
		c.localesBySlug[a.Slug] = append(c.localesBySlug[a.Slug], a.Locale)
		c.articleBySlugLc[a.Slug+"\x00"+a.Locale] = a
	}
	return c, nil
}

// pick is the translation of slug the composer offers: the customer's
// locale (or one of its language), else the default; nil when neither is
// published.
func (c *conversationArticles) pick(slug string) *kb.Article {
	have := c.localesBySlug[slug]
	for _, want := range []string{c.locale, c.deflt} {
		if want == "" {
			continue
		}
		if slices.Contains(have, want) {
			return c.articleBySlugLc[slug+"\x00"+want]
		}
		lang, _, _ := strings.Cut(want, "-")
		for _, l := range have {
			if l2, _, _ := strings.Cut(l, "-"); l2 == lang {
				return c.articleBySlugLc[slug+"\x00"+l]
			}
		}
	}
	return nil
}

// customerLocale is the locale the customer last used in the help centre
// or the chat widget (their searches and the articles they opened), else
// the language of the country of their latest order; "" when neither
// tells.
func customerLocale(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}, conversationID, customerID int64) (string, error) {
	var locale string
	err := q.QueryRow(ctx, `SELECT k.locale FROM kb_searches k JOIN self_service_sessions ss ON ss.id = k.session_id
		WHERE (ss.conversation_id = ? OR ss.customer_id = ?) AND k.locale <> '' ORDER BY k.at DESC, k.id DESC LIMIT 1`, conversationID, customerID).Scan(&locale)
	if err == nil {
		return locale, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	err = q.QueryRow(ctx, `SELECT sh.locale FROM self_service_shown sh JOIN self_service_sessions ss ON ss.id = sh.session_id
		WHERE (ss.conversation_id = ? OR ss.customer_id = ?) AND sh.opened AND sh.locale <> '' ORDER BY sh.first_at DESC LIMIT 1`, conversationID, customerID).Scan(&locale)
	if err == nil {
		return locale, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	var country string
	err = q.QueryRow(ctx, `SELECT country FROM orders WHERE customer_id = ? AND country <> '' ORDER BY placed_at DESC, id DESC LIMIT 1`, customerID).Scan(&country)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return commerce.LanguageOf(country), err
}

// apiComposerArticles answers GET /api/v1/conversations/{id}/articles
// (?q=TEXT searches): the published articles the composer offers.
func (s *Server) apiComposerArticles(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.loadConversationArticles(ctx, id)
	if err != nil {
		return err
	}
	var slugs []string
	if text := strings.TrimSpace(r.URL.Query().Get("q")); text != "" {
		for _, l := range cleanList([]string{c.locale, c.deflt}) {
			found, err := kb.Search(ctx, s.db, kb.Query{Text: text, Locale: l, Limit: 20})
			if err != nil {
				return err
			}
			for _, f := range found {
				if !slices.Contains(slugs, f.Slug) {
					slugs = append(slugs, f.Slug)
				}
			}
		}
	} else {
		for _, a := range c.published {
			if !slices.Contains(slugs, a.Slug) {
				slugs = append(slugs, a.Slug)
			}
		}
	}
	out := []composerArticle{}
	for _, slug := range slugs {
		if a := c.pick(slug); a != nil {
			out = append(out, composerArticle{Slug: a.Slug, Locale: a.Locale, Title: a.Title, Category: a.Category})
		}
	}
	if r.URL.Query().Get("q") == "" {
		slices.SortStableFunc(out, func(a, b composerArticle) int {
			return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
		})
	}
	return writeJSON(w, http.StatusOK, struct {
		Locale   string            `json:"locale"`
		Variant  string            `json:"variant"`
		Articles []composerArticle `json:"articles"`
	}{orDefault(c.locale, c.deflt), c.variant, out})
}

// apiComposerArticle answers GET /api/v1/conversations/{id}/articles/{slug}:
// the article's text for the conversation, filled, with the variables
// that had no value, and the internal note for the agent.
func (s *Server) apiComposerArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := conversationIDOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.loadConversationArticles(ctx, id)
	if err != nil {
		return err
	}
	a := c.pick(r.PathValue("slug"))
	if a == nil {
		return domain.Errorf(domain.ENotFound, "no published article %q in %s or %s: the composer offers published articles only", r.PathValue("slug"), orDefault(c.locale, c.deflt), c.deflt)
	}
	filled, missing, err := desk.FillReply(ctx, s.db, id, replyText(a.Text(c.variant)))
	if err != nil {
		return err
	}
	if missing == nil {
		missing = []string{}
	}
	return writeJSON(w, http.StatusOK, struct {
		Slug     string   `json:"slug"`
		Locale   string   `json:"locale"`
		Title    string   `json:"title"`
		Variant  string   `json:"variant"`
		Text     string   `json:"text"`
		Missing  []string `json:"missing"`
		Internal string   `json:"internal"`
	}{a.Slug, a.Locale, a.Title, c.variant, filled, missing, replyText(a.Internal)})
}
