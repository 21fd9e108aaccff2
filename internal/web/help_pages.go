package web

import (
	"crypto/rand"
	"encoding/base64"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
)

// The help centre's pages (docs/help-centre.md#pages): home, a category,
// an article, search results and the page for an address that names
// nothing. They only read; what a visitor does is reported by help.js to
// the events endpoint, and the two forms (feedback, contact) are POSTs.

// helpFunc is a help-centre handler, given the site's settings.
type helpFunc func(w http.ResponseWriter, r *http.Request, site helpSite) error

// helpPage wraps a help-centre handler: a page (errors drawn as pages),
// limited per source address, with the help centre's headers. An address
// that names nothing gets the help centre's own 404 page, in the brand's
// colours, with the search box.
func (s *Server) helpPage(class string, perSecond float64, burst int, h helpFunc) http.Handler {
	inner := s.limitSource(class, perSecond, burst, s.handle(func(w http.ResponseWriter, r *http.Request) error {
		site, err := s.helpSiteOf(r.Context())
		if err != nil {
			return err
		}
		helpHeaders(w, site.Brand)
		err = h(w, r, site)
		if domain.ErrorCode(err) == domain.ENotFound {
			return s.helpMissing(w, r, site)
		}
		return err
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoOf(r).page = true
		inner.ServeHTTP(w, r)
	})
}

// Cache lifetimes of public pages: a shared cache may keep a page for a
// few minutes, so a published change shows within them.
const (
	helpPageCache   = "public, max-age=300"
	helpSearchCache = "public, max-age=60"
)

// helpLink is a link of a page's lists.
type helpLink struct {
	Title string
	URL   string
}

// helpCategory is a category with its articles.
type helpCategory struct {
	Name     string
	URL      string
	Articles []helpLink
}

// helpHomeData fills the home page.
type helpHomeData struct {
	Categories []helpCategory
	Popular    []helpLink
}

// helpSearchData fills the search box and the search page.
type helpSearchData struct {
	Query    string
	Searched bool // a query was given
	Results  []helpResult
	Shown    string // the slugs shown, space-separated, for help.js's report
}

// helpResult is one search result.
type helpResult struct {
	Title   string
	URL     string
	Snippet string // plain text, escaped when drawn
}

// helpArticleData fills an article's page.
type helpArticleData struct {
	Slug         string
	Title        string
	Body         template.HTML // kb.Render's: sanitised
	Category     helpLink
	Translations []helpTranslation
	Related      []helpLink
	Updated      string
	// The "Did this answer your question?" form: its address, and after
	// an answer, "thanks" or "missing" (asks what was missing).
	FeedbackURL string
	Feedback    string
	Session     string // the session the answer was recorded on
	Comment     string
	Error       string
}

// helpTranslation links an article's other locales.
type helpTranslation struct {
	Locale string
	Title  string
	URL    string
}

func articlePath(locale, slug string) string {
	return "/help/" + url.PathEscape(locale) + "/articles/" + url.PathEscape(slug)
}

// categorySlug is a category's name in an address.
func categorySlug(name string) string {
	if s := kb.Slugify(name); s != "" {
		return s
	}
	return "general"
}

func categoryName(name string) string {
	if strings.TrimSpace(name) == "" {
		return "General"
	}
	return name
}

func categoryPath(locale, name string) string {
	return "/help/" + url.PathEscape(locale) + "/categories/" + categorySlug(name)
}

// base is the site's address for canonical links: site.url, else the
// address the request came to.
func (h helpSite) base(r *http.Request) string {
	if h.SiteURL != "" {
		return h.SiteURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// offers reports whether the help centre offers a locale.
func (h helpSite) offers(locale string) bool {
	for _, l := range h.Locales {
		if l == locale {
			return true
		}
	}
	return false
}

// locale picks a page's locale: want when the help centre offers it, else
// the browser's preferred one among those offered, else the first.
func (h helpSite) locale(r *http.Request, want string) string {
	if h.offers(want) {
		return want
	}
	if l := preferredLocale(r.Header.Get("Accept-Language"), h.Locales); l != "" {
		return l
	}
	return h.Locales[0]
}

// preferredLocale reads an Accept-Language header: the offered locale the
// browser prefers most, by exact tag or by language ("fr-CA" finds "fr").
func preferredLocale(header string, offered []string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if m := matchLocale(tag, offered); m != "" && q > bestQ {
			best, bestQ = m, q
		}
	}
	return best
}

func matchLocale(tag string, offered []string) string {
	tag = strings.TrimSpace(tag)
	for _, o := range offered {
		if strings.EqualFold(o, tag) {
			return o
		}
	}
	lang, _, _ := strings.Cut(tag, "-")
	for _, o := range offered {
		if ol, _, _ := strings.Cut(o, "-"); lang != "" && strings.EqualFold(ol, lang) {
			return o
		}
	}
	return ""
}

// newSessionID makes a self-service session id for a visitor whose
// browser did not send one (no script).
func newSessionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var sessionPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// sessionOr is the form's session id when it is one, else a new one.
func sessionOr(v string) string {
	if sessionPattern.MatchString(v) {
		return v
	}
	return newSessionID()
}

// helpHome answers GET /help and GET /help/{locale}: the search box, the
// categories with their articles and the most read articles.
func (s *Server) helpHome(w http.ResponseWriter, r *http.Request, site helpSite) error {
	want := r.PathValue("locale")
	if want != "" && !site.offers(want) {
		return domain.Errorf(domain.ENotFound, "the help centre has no page %s", r.URL.Path)
	}
	locale := site.locale(r, want)
	arts, err := kb.List(r.Context(), s.db, kb.Filter{Locale: locale, Published: true})
	if err != nil {
		return err
	}
	var d helpHomeData
	byCategory := map[string]int{}
	titles := map[string]string{}
	for _, a := range arts {
		titles[a.Slug] = a.Title
		i, ok := byCategory[a.Category]
		if !ok {
			i = len(d.Categories)
			byCategory[a.Category] = i
			d.Categories = append(d.Categories, helpCategory{Name: categoryName(a.Category), URL: categoryPath(locale, a.Category)})
		}
		d.Categories[i].Articles = append(d.Categories[i].Articles, helpLink{a.Title, articlePath(locale, a.Slug)})
	}
	popular, err := s.popularArticles(r, locale)
	if err != nil {
		return err
	}
	for _, slug := range popular {
		if t, ok := titles[slug]; ok {
			d.Popular = append(d.Popular, helpLink{t, articlePath(locale, slug)})
		}
	}
	h := w.Header()
	h.Set("Cache-Control", helpPageCache)
	if want == "" {
		h.Add("Vary", "Accept-Language")
	}
	return s.help.execute(w, http.StatusOK, "home", &helpView{Title: "How can we help?", Brand: site.Brand, Locale: locale, Locales: site.Locales, Nav: "home",
		Description: "Answers from " + site.Brand.Name + ": " + categoryList(d.Categories),
		Canonical:   site.base(r) + "/help/" + url.PathEscape(locale), Data: d})
}

// popularWindow is how far back the home page counts articles read.
const popularWindow = 30 * 24 * time.Hour

// popularArticles lists the slugs most opened in self-service lately.
func (s *Server) popularArticles(r *http.Request, locale string) ([]string, error) {
	rows, err := s.db.Query(r.Context(), `SELECT slug FROM self_service_shown WHERE opened = ? AND locale = ? AND first_at >= ?
		GROUP BY slug ORDER BY COUNT(*) DESC, slug LIMIT 5`, true, locale, s.Now().Add(-popularWindow).Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var slug string
		if err := rows.Scan(&slug); err != nil {
			return nil, err
		}
		out = append(out, slug)
	}
	return out, rows.Err()
}

func categoryList(cs []helpCategory) string {
	names := make([]string, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return "search our articles or write to us."
	}
	return strings.Join(names, ", ") + "."
}

// helpCategoryPage answers GET /help/{locale}/categories/{category}.
func (s *Server) helpCategoryPage(w http.ResponseWriter, r *http.Request, site helpSite) error {
	locale := r.PathValue("locale")
	if !site.offers(locale) {
		return domain.Errorf(domain.ENotFound, "the help centre has no locale %q", locale)
	}
	arts, err := kb.List(r.Context(), s.db, kb.Filter{Locale: locale, Published: true})
	if err != nil {
		return err
	}
	var c *helpCategory
	for _, a := range arts {
		if categorySlug(a.Category) != r.PathValue("category") {
			continue
		}
		if c == nil {
			c = &helpCategory{Name: categoryName(a.Category), URL: categoryPath(locale, a.Category)}
		}
		c.Articles = append(c.Articles, helpLink{a.Title, articlePath(locale, a.Slug)})
	}
	if c == nil {
		return domain.Errorf(domain.ENotFound, "the help centre has no category %q", r.PathValue("category"))
	}
	w.Header().Set("Cache-Control", helpPageCache)
	return s.help.execute(w, http.StatusOK, "category", &helpView{Title: c.Name, Brand: site.Brand, Locale: locale, Locales: site.Locales,
		Description: c.Name + ": " + strconv.Itoa(len(c.Articles)) + " answers from " + site.Brand.Name + ".",
		Canonical:   site.base(r) + c.URL, Data: c})
}

// helpSearchPage answers GET /help/search?q=&locale=: the published
// articles that answer the query, best first, or a way to write to us.
func (s *Server) helpSearchPage(w http.ResponseWriter, r *http.Request, site helpSite) error {
	locale := site.locale(r, r.URL.Query().Get("locale"))
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if n := []rune(q); len(n) > kb.MaxQueryChars {
		q = string(n[:kb.MaxQueryChars])
	}
	d := helpSearchData{Query: q, Searched: q != ""}
	if q != "" {
		results, err := kb.Search(r.Context(), s.db, kb.Query{Text: q, Locale: locale, Limit: 10})
		if err != nil {
			return err
		}
		var shown []string
		for _, res := range results {
			d.Results = append(d.Results, helpResult{Title: res.Title, URL: articlePath(locale, res.Slug), Snippet: plainText(res.Snippet, 240)})
			shown = append(shown, res.Slug)
		}
		d.Shown = strings.Join(shown, " ")
	}
	h := w.Header()
	h.Set("Cache-Control", helpSearchCache)
	h.Set("X-Robots-Tag", "noindex")
	if r.URL.Query().Get("locale") == "" {
		h.Add("Vary", "Accept-Language")
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	return s.help.execute(w, http.StatusOK, "search", &helpView{Title: title, Brand: site.Brand, Locale: locale, Locales: site.Locales, Nav: "search", Query: q, Data: d})
}

// helpMissing draws the help centre's 404 page.
func (s *Server) helpMissing(w http.ResponseWriter, r *http.Request, site helpSite) error {
	w.Header().Set("Cache-Control", "no-cache")
	locale := site.locale(r, "")
	if l, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/help/"), "/"); site.offers(l) {
		locale = l
	}
	return s.help.execute(w, http.StatusNotFound, "missing", &helpView{Title: "Page not found", Brand: site.Brand, Locale: locale, Locales: site.Locales})
}

// helpNotFound answers any other address under /help/.
func (s *Server) helpNotFound(w http.ResponseWriter, r *http.Request, site helpSite) error {
	return domain.Errorf(domain.ENotFound, "the help centre has no page %s", r.URL.Path)
}

var (
	stripTags  = bluemonday.StrictPolicy()
	spaceRunes = regexp.MustCompile(`\s+`)
)

// plainText is the text of HTML or Markdown-ish text, with tags dropped
// and spaces collapsed, cut to at most n characters at a word.
func plainText(s string, n int) string {
	s = html.UnescapeString(stripTags.Sanitize(s))
	s = strings.TrimSpace(spaceRunes.ReplaceAllString(s, " "))
	if r := []rune(s); len(r) > n {
		cut := string(r[:n])
		if i := strings.LastIndex(cut, " "); i > n/2 {
			cut = cut[:i]
		}
		s = cut + "…"
	}
	return s
}
