package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"quietdesk/internal/auth"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
	"quietdesk/internal/topics"
)

// The editor's pages: the list, the form for a new or an existing
// article (with a preview drawn by kb.Render, the one way Markdown
// becomes HTML), and an article's history with its diffs and restore
// buttons. Every form works without script.

// mustEditKB refuses users without the editing right with a 403 page.
func mustEditKB(sess *auth.Session) error {
	if sess.User.EditsKB() {
		return nil
	}
	return domain.Errorf(domain.EForbidden, "%s is an agent without the knowledge-base right; an admin gives it with quietdesk user kb-editor %s on", sess.User.Email, sess.User.Email)
}

type kbListData struct {
	Rows                 []*kb.Article
	Locales, Categories  []string
	Locale, Category, Q  string
	Status               string
	Statuses             []string
	Searched, Unfiltered bool
}

// kbListPage answers GET /kb (?locale, ?category, ?status, ?q).
func (s *Server) kbListPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	d := kbListData{Locale: q.Get("locale"), Category: q.Get("category"), Status: q.Get("status"), Q: strings.TrimSpace(q.Get("q")), Statuses: kb.Statuses}
	if d.Status != "" && !slices.Contains(kb.Statuses, d.Status) {
		return deskFieldError("bad filter", "status", fmt.Sprintf("%q is not a state: use draft or published", d.Status))
	}
	all, err := kb.List(ctx, s.db, kb.Filter{})
	if err != nil {
		return err
	}
	if d.Locales, err = s.kbLocales(ctx); err != nil {
		return err
	}
	for _, a := range all {
		if !slices.Contains(d.Locales, a.Locale) {
			d.Locales = append(d.Locales, a.Locale)
		}
		if a.Category != "" && !slices.Contains(d.Categories, a.Category) {
			d.Categories = append(d.Categories, a.Category)
		}
	}
	slices.Sort(d.Categories)
	d.Rows, err = kb.List(ctx, s.db, kb.Filter{Locale: d.Locale, Category: d.Category, Status: d.Status})
	if err != nil {
		return err
	}
	if d.Q != "" {
		d.Searched = true
		found, err := kb.Search(ctx, s.db, kb.Query{Text: d.Q, Locale: d.Locale, Limit: 50, Drafts: true})
		if err != nil {
			return err
		}
		rank := map[string]int{}
		for i, f := range found {
			rank[f.Slug+"\x00"+f.Locale] = i + 1
		}
		d.Rows = slices.DeleteFunc(d.Rows, func(a *kb.Article) bool { return rank[a.Slug+"\x00"+a.Locale] == 0 })
		slices.SortStableFunc(d.Rows, func(a, b *kb.Article) int { return rank[a.Slug+"\x00"+a.Locale] - rank[b.Slug+"\x00"+b.Locale] })
	}
	d.Unfiltered = d.Locale == "" && d.Category == "" && d.Status == "" && d.Q == ""
	return s.render(w, http.StatusOK, "kb_list", &view{Title: "Knowledge base", Session: sess, Nav: "kb", Data: d})
}

// kbForm is the editor's form as typed.
type kbForm struct {
	Slug, Locale, Title, Category  string
	Body, Chat, Email, Internal    string
	Synonyms, Status, Note, Action string
	Topics                         []string
	Version                        int
}

func kbFormOf(a *kb.Article) kbForm {
	return kbForm{Slug: a.Slug, Locale: a.Locale, Title: a.Title, Category: a.Category, Body: a.Body, Chat: a.Chat, Email: a.Email, Internal: a.Internal,
		Synonyms: strings.Join(a.Synonyms, ", "), Topics: a.Topics, Status: a.Status, Version: a.Version}
}

func kbFormFrom(r *http.Request) kbForm {
	f := kbForm{Slug: strings.TrimSpace(r.PostFormValue("slug")), Locale: strings.TrimSpace(r.PostFormValue("locale")), Title: r.PostFormValue("title"),
		Category: r.PostFormValue("category"), Body: r.PostFormValue("body"), Chat: r.PostFormValue("chat"), Email: r.PostFormValue("email"),
		Internal: r.PostFormValue("internal"), Synonyms: r.PostFormValue("synonyms"), Status: r.PostFormValue("status"), Note: r.PostFormValue("note"),
		Action: r.PostFormValue("action"), Topics: r.PostForm["topics"]}
	f.Version, _ = strconv.Atoi(r.PostFormValue("version"))
	return f
}

func (f kbForm) input() articleInput {
	v := f.Version
	return articleInput{Title: f.Title, Category: f.Category, Body: f.Body, Chat: f.Chat, Email: f.Email, Internal: f.Internal,
		Synonyms: strings.Split(f.Synonyms, ","), Topics: f.Topics, Status: f.Status, Note: f.Note, Version: &v}
}

type kbOption struct {
	Value, Label string
	Selected     bool
}

type kbLink struct {
	Locale, URL, Title, Status string
}

type kbEditData struct {
	New       bool
	Form      kbForm
	Stored    *kb.Article // the article as stored; nil for a new one
	Locales   []kbOption
	Topics    []kbOption
	Statuses  []kbOption
	Variables []string
	// Preview is the body drawn as the help centre draws it.
	Preview       template.HTML
	Previewed     bool
	Errors        map[string]string
	Translations  []kbLink
	TranslateInto []kbLink
	Action, CSRF  string
	HistoryURL    string
}

// kbNewPage answers GET /kb/new: ?title= and ?topic= prefill it (the
// Topics page's FAQ gaps link here), and ?from=LOCALE&slug=S starts a
// translation of that article in ?locale=.
func (s *Server) kbNewPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	q := r.URL.Query()
	f := kbForm{Title: q.Get("title"), Locale: q.Get("locale"), Status: kb.Draft}
	if t := q.Get("topic"); t != "" {
		f.Topics = []string{t}
	}
	if from, slug := q.Get("from"), q.Get("slug"); from != "" && slug != "" {
		src, err := kb.Get(r.Context(), s.db, slug, from)
		if err != nil {
			return err
		}
		locale := f.Locale
		f = kbFormOf(src)
		f.Locale, f.Status, f.Version = locale, kb.Draft, 0
		f.Note = "translated from " + from
	}
	return s.drawKBEdit(w, r, sess, http.StatusOK, "", f, nil, nil)
}

// kbCreateForm answers POST /kb/new: preview, or save a new article.
func (s *Server) kbCreateForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	f := kbFormFrom(r)
	f.Version = 0
	if f.Slug == "" {
		f.Slug = kb.Slugify(f.Title)
	}
	return s.kbSubmit(w, r, sess, f, nil)
}

// kbEditPage answers GET /kb/{locale}/{slug}.
func (s *Server) kbEditPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	a, err := kb.Get(r.Context(), s.db, r.PathValue("slug"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	return s.drawKBEdit(w, r, sess, http.StatusOK, "", kbFormOf(a), a, nil)
}

// kbUpdateForm answers POST /kb/{locale}/{slug}: preview, or save a new
// version (refused when the article moved on since the form was drawn).
func (s *Server) kbUpdateForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	a, err := kb.Get(r.Context(), s.db, r.PathValue("slug"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	f := kbFormFrom(r)
	f.Slug, f.Locale = a.Slug, a.Locale // an article's slug and locale are its name
	return s.kbSubmit(w, r, sess, f, a)
}

func (s *Server) kbSubmit(w http.ResponseWriter, r *http.Request, sess *auth.Session, f kbForm, stored *kb.Article) error {
	if f.Action == "preview" {
		return s.drawKBEdit(w, r, sess, http.StatusOK, "", f, stored, nil)
	}
	a, _, err := s.writeArticle(r.Context(), sess.User.Email, f.Locale, f.Slug, f.input(), stored == nil)
	var de *domain.Error
	if errors.As(err, &de) && (de.Code == domain.EInvalid || de.Code == domain.EConflict) {
		errs := map[string]string{}
		for _, fe := range de.Fields {
			if errs[fe.Field] != "" {
				errs[fe.Field] += "; "
			}
			errs[fe.Field] += fe.Reason
		}
		status := http.StatusBadRequest
		if de.Code == domain.EConflict {
			status = http.StatusConflict
		}
		return s.drawKBEdit(w, r, sess, status, de.Message, f, stored, errs)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, kbURL(a.Locale, a.Slug), http.StatusSeeOther)
	return nil
}

func kbURL(locale, slug string) string {
	return "/kb/" + url.PathEscape(locale) + "/" + url.PathEscape(slug)
}

func (s *Server) drawKBEdit(w http.ResponseWriter, r *http.Request, sess *auth.Session, status int, notice string, f kbForm, stored *kb.Article, errs map[string]string) error {
	ctx := r.Context()
	d := kbEditData{New: stored == nil, Form: f, Stored: stored, Variables: desk.ReplyVariables(), Errors: errs, CSRF: sess.CSRF,
		Previewed: f.Action == "preview", Action: "/kb/new"}
	if f.Body != "" {
		d.Preview = kb.Render(cleanText(f.Body))
	}
	locales, err := s.kbLocales(ctx)
	if err != nil {
		return err
	}
	if f.Locale == "" {
		d.Form.Locale = locales[0]
	}
	if !slices.Contains(locales, d.Form.Locale) {
		locales = append(locales, d.Form.Locale)
	}
	for _, l := range locales {
		d.Locales = append(d.Locales, kbOption{Value: l, Label: l, Selected: l == d.Form.Locale})
	}
	for _, st := range kb.Statuses {
		d.Statuses = append(d.Statuses, kbOption{Value: st, Label: st, Selected: st == orDefault(f.Status, kb.Draft)})
	}
	tax, err := topics.Taxonomy(ctx, s.db)
	if err != nil {
		return err
	}
	for _, t := range tax {
		on := slices.Contains(f.Topics, t.ID)
		if t.Status == "active" || on {
			d.Topics = append(d.Topics, kbOption{Value: t.ID, Label: t.Name, Selected: on})
		}
	}
	if stored != nil {
		d.Action = kbURL(stored.Locale, stored.Slug)
		d.HistoryURL = d.Action + "/history"
		others, err := kb.Translations(ctx, s.db, stored)
		if err != nil {
			return err
		}
		have := []string{stored.Locale}
		for _, o := range others {
			have = append(have, o.Locale)
			d.Translations = append(d.Translations, kbLink{Locale: o.Locale, URL: kbURL(o.Locale, o.Slug), Title: o.Title, Status: o.Status})
		}
		for _, l := range locales {
			if !slices.Contains(have, l) {
				d.TranslateInto = append(d.TranslateInto, kbLink{Locale: l,
					URL: "/kb/new?" + url.Values{"from": {stored.Locale}, "slug": {stored.Slug}, "locale": {l}}.Encode()})
			}
		}
	}
	title := "New article"
	if stored != nil {
		title = stored.Title
	}
	return s.render(w, status, "kb_edit", &view{Title: title, Session: sess, Nav: "kb", Notice: notice, Data: d})
}

type kbVersionView struct {
	Version              int
	When, ISO, Who, Note string
	Status, Title        string
	Current              bool
	Diff                 []diffLine
}

type kbHistoryData struct {
	Article  *kb.Article
	EditURL  string
	Action   string
	CSRF     string
	Versions []kbVersionView
}

// kbHistoryPage answers GET /kb/{locale}/{slug}/history: the versions,
// newest first, each with its diff against the one before.
func (s *Server) kbHistoryPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	ctx := r.Context()
	a, err := kb.Get(ctx, s.db, r.PathValue("slug"), r.PathValue("locale"))
	if err != nil {
		return err
	}
	hist, err := kb.History(ctx, s.db, a.ID)
	if err != nil {
		return err
	}
	d := kbHistoryData{Article: a, EditURL: kbURL(a.Locale, a.Slug), CSRF: sess.CSRF}
	d.Action = d.EditURL + "/rollback"
	for i, v := range hist {
		var before []string
		if i+1 < len(hist) {
			before = versionText(&hist[i+1].Article)
		}
		d.Versions = append(d.Versions, kbVersionView{Version: v.Version, When: v.ChangedAt.Format("2 Jan 2006 15:04 UTC"), ISO: v.ChangedAt.Format("2006-01-02T15:04:05Z"),
			Who: orDefault(v.ChangedBy, "unknown"), Note: v.Note, Status: v.Status, Title: v.Title, Current: v.Version == a.Version, Diff: lineDiff(before, versionText(&v.Article))})
	}
	return s.render(w, http.StatusOK, "kb_history", &view{Title: "History of " + a.Title, Session: sess, Nav: "kb", Data: d})
}

// kbRollbackForm answers POST /kb/{locale}/{slug}/rollback (version).
func (s *Server) kbRollbackForm(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	if err := mustEditKB(sess); err != nil {
		return err
	}
	v, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return deskFieldError("nothing restored", "version", fmt.Sprintf("%q is not a version number", r.PostFormValue("version")))
	}
	a, err := s.rollbackArticle(r.Context(), sess.User.Email, r.PathValue("locale"), r.PathValue("slug"), v)
	if err != nil {
		return err
	}
	http.Redirect(w, r, kbURL(a.Locale, a.Slug)+"/history", http.StatusSeeOther)
	return nil
}
