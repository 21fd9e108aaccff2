package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
)

// An article's page is what search engines and the chat widget's links
// lead to, so it is the help centre's busiest. Drawing it means rendering
// Markdown and sanitising the HTML, and reading the article, its
// translations and its category: the drawn page is kept, keyed by the
// article, its locale and the settings it shows, until the knowledge
// base's revision changes (every save bumps it). A request then costs
// two small reads.

// helpArticleCache keeps drawn article pages of one knowledge-base
// revision.
type helpArticleCache struct {
	mu       sync.Mutex
	revision int64
	pages    map[string]cachedPage
}

type cachedPage struct {
	body []byte
	etag string
}

// maxCachedArticles bounds the cache: past it, it starts again empty.
const maxCachedArticles = 5000

func (c *helpArticleCache) get(revision int64, key string) (cachedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.revision != revision {
		c.revision, c.pages = revision, nil
	}
	p, ok := c.pages[key]
	return p, ok
}

func (c *helpArticleCache) put(revision int64, key string, p cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.revision != revision {
		return // the knowledge base changed while the page was drawn
	}
	if c.pages == nil || len(c.pages) >= maxCachedArticles {
		c.pages = map[string]cachedPage{}
	}
	c.pages[key] = p
}

// helpArticle answers GET /help/{locale}/articles/{slug}. A draft, or a
// slug the locale lacks, is the help centre's 404.
func (s *Server) helpArticle(cache *helpArticleCache) helpFunc {
	return func(w http.ResponseWriter, r *http.Request, site helpSite) error {
		locale, slug := r.PathValue("locale"), r.PathValue("slug")
		if !site.offers(locale) {
			return domain.Errorf(domain.ENotFound, "the help centre has no locale %q", locale)
		}
		rev, err := kb.Revision(r.Context(), s.db)
		if err != nil {
			return err
		}
		key := locale + "\x00" + slug + "\x00" + site.fingerprint() + "\x00" + site.base(r)
		page, ok := cache.get(rev, key)
		if !ok {
			v, err := s.articleView(r.Context(), r, site, locale, slug)
			if err != nil {
				return err
			}
			body, err := s.drawHelp("article", v)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(body)
			page = cachedPage{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
			cache.put(rev, key, page)
		}
		h := w.Header()
		h.Set("Cache-Control", helpPageCache)
		h.Set("ETag", page.etag)
		if r.Header.Get("If-None-Match") == page.etag {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		_, err = w.Write(page.body)
		return err
	}
}

// articleView reads what an article's page shows.
func (s *Server) articleView(ctx context.Context, r *http.Request, site helpSite, locale, slug string) (*helpView, error) {
	a, err := kb.Get(ctx, s.db, slug, locale)
	if err != nil {
		return nil, err
	}
	if a.Status != kb.Published {
		return nil, domain.Errorf(domain.ENotFound, "the article %s is not published", slug)
	}
	d := &helpArticleData{Slug: a.Slug, Title: a.Title, Body: kb.Render(a.Body), FeedbackURL: articlePath(locale, slug) + "/feedback",
		Category: helpLink{categoryName(a.Category), categoryPath(locale, a.Category)}, Updated: a.UpdatedAt.Format("2 January 2006")}
	others, err := kb.Translations(ctx, s.db, a)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.Status == kb.Published && site.offers(o.Locale) {
			d.Translations = append(d.Translations, helpTranslation{o.Locale, o.Title, articlePath(o.Locale, o.Slug)})
		}
	}
	same, err := kb.List(ctx, s.db, kb.Filter{Locale: locale, Category: a.Category, Published: true})
	if err != nil {
		return nil, err
	}
	for _, o := range same {
		if o.Slug != a.Slug && len(d.Related) < 5 {
			d.Related = append(d.Related, helpLink{o.Title, articlePath(locale, o.Slug)})
		}
	}
	desc := plainText(string(kb.Render(a.Text("chat"))), 155)
	return &helpView{Title: a.Title, Description: desc, Canonical: site.base(r) + articlePath(locale, slug),
		Brand: site.Brand, Locale: locale, Locales: site.Locales, Data: d}, nil
}

// helpFeedback answers POST /help/{locale}/articles/{slug}/feedback, the
// "Did this answer your question?" form without script: it records the
// answer on the visitor's session and shows the article again with
// thanks, or, after "No", asks what was missing and offers the contact
// form. Sending the same answer again changes nothing.
func (s *Server) helpFeedback(w http.ResponseWriter, r *http.Request, site helpSite) error {
	if err := s.crossOrigin.Check(r); err != nil {
		return domain.Errorf(domain.EForbidden, "this form was sent from another site, so it was refused")
	}
	locale, slug := r.PathValue("locale"), r.PathValue("slug")
	if !site.offers(locale) {
		return domain.Errorf(domain.ENotFound, "the help centre has no locale %q", locale)
	}
	v, err := s.articleView(r.Context(), r, site, locale, slug)
	if err != nil {
		return err
	}
	d := v.Data.(*helpArticleData)
	d.Session = sessionOr(r.PostFormValue("session"))
	d.Comment = strings.TrimSpace(r.PostFormValue("comment"))
	helpful := r.PostFormValue("helpful") == "yes"
	status := http.StatusOK
	switch {
	case r.PostFormValue("helpful") != "yes" && r.PostFormValue("helpful") != "no":
		d.Error, status = "helpful: choose Yes or No", http.StatusBadRequest
	default:
		now := s.Now()
		err = s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
			_, err := kb.RecordEvent(r.Context(), tx, commerce.NewCustomers(clock.Fixed(now)), kb.Event{Session: d.Session, Channel: kb.ChannelHelpCentre,
				Type: kb.EventFeedback, Locale: locale, Slug: slug, Helpful: &helpful, Comment: d.Comment, At: now})
			return err
		})
		switch {
		case domain.ErrorCode(err) == domain.EInvalid:
			d.Error, status = fieldMessage(err), http.StatusBadRequest
		case err != nil:
			return err
		case helpful || d.Comment != "":
			d.Feedback = "thanks"
		default:
			d.Feedback = "missing"
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.help.execute(w, status, "article", v)
}

// fieldMessage is an invalid-input error as one line naming the fields.
func fieldMessage(err error) string {
	e, ok := err.(*domain.Error)
	if !ok || len(e.Fields) == 0 {
		return err.Error()
	}
	var parts []string
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Reason)
	}
	return strings.Join(parts, "; ")
}
