package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

// Articles (docs/knowledge-base.md): one answer in one locale, written in
// Markdown, with shorter variants where a channel needs them. Translations
// share a slug. Every change is a version on the article's history.

// Article is one knowledge-base article.
type Article struct {
	ID       int64    `json:"id"`
	Slug     string   `json:"slug"`
	Locale   string   `json:"locale"`
	Title    string   `json:"title"`
	Category string   `json:"category"`
	Body     string   `json:"body"`               // Markdown: the help centre's text
	Chat     string   `json:"chat,omitempty"`     // the chat widget's shorter text ("" = Body)
	Email    string   `json:"email,omitempty"`    // the text agents reply with by mail ("" = Body)
	Internal string   `json:"internal,omitempty"` // notes for agents only, never shown to customers
	Synonyms []string `json:"synonyms,omitempty"` // more words searches should find it by
	Topics   []string `json:"topics,omitempty"`   // the contact topics it answers
	Status   string   `json:"status"`             // draft or published
	Version  int      `json:"version"`
	// Set by the store.
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	UpdatedBy   string     `json:"updated_by"`
}

// States and variants of an article.
const (
	Draft     = "draft"
	Published = "published"
)

// Statuses lists an article's states.
var Statuses = []string{Draft, Published}

// Variants are the texts of one answer, by where it is read: help_centre is
// Body; the others fall back to it when empty (internal excepted).
var Variants = []string{"help_centre", "chat", "email", "internal"}

// Text is the article's text for a variant: the variant when it has one,
// else the body. internal has no fallback: it is never a customer's text.
func (a *Article) Text(variant string) string {
	switch variant {
	case "chat":
		if a.Chat != "" {
			return a.Chat
		}
	case "email":
		if a.Email != "" {
			return a.Email
		}
	case "internal":
		return a.Internal
	}
	return a.Body
}

// Limits of an article.
const (
	MaxTitleChars = 200
	MaxBodyChars  = 100000
)

var (
	slugPattern   = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	localePattern = regexp.MustCompile(`^[a-z]{2}(?:-[A-Z]{2})?$`)
)

// Slugify makes a slug from a title: lower case letters and digits joined
// by hyphens ("Where is my order?" → "where-is-my-order").
func Slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(foldAccents(title)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	return s
}

// Validate checks an article before it is saved, naming each bad field.
func (a *Article) Validate() error {
	var p domain.Problems
	if !slugPattern.MatchString(a.Slug) {
		p.Add("slug", "%q is not a slug: use lower-case letters, digits and hyphens (e.g. where-is-my-order)", a.Slug)
	}
	if !localePattern.MatchString(a.Locale) {
		p.Add("locale", "%q is not a locale: use a language code such as en, fr or pt-BR", a.Locale)
	}
	p.Require("title", a.Title)
	if n := len([]rune(a.Title)); n > MaxTitleChars {
		p.Add("title", "is %d characters; at most %d", n, MaxTitleChars)
	}
	p.Require("body", a.Body)
	for _, f := range []struct{ name, text string }{{"body", a.Body}, {"chat", a.Chat}, {"email", a.Email}, {"internal", a.Internal}} {
		if n := len(f.text); n > MaxBodyChars {
			p.Add(f.name, "is %d bytes; at most %d", n, MaxBodyChars)
		}
	}
	if a.Status == "" {
		a.Status = Draft
	}
	p.OneOf("status", a.Status, Statuses...)
	for _, list := range []struct {
		name  string
		items []string
	}{{"synonyms", a.Synonyms}, {"topics", a.Topics}} {
		for _, s := range list.items {
			if strings.Contains(s, ",") || strings.TrimSpace(s) == "" {
				p.Add(list.name, "%q is not one word or phrase: list them one by one, without commas", s)
			}
		}
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("article %s (%s) cannot be saved", a.Slug, a.Locale), Fields: p}
	}
	return nil
}

const articleColumns = `id, slug, locale, title, category, body, chat, email, internal, synonyms, topics, status, version, created_at, updated_at, published_at, updated_by`

func scanArticle(row interface{ Scan(...any) error }) (*Article, error) {
	var a Article
	var syn, top string
	var created, updated int64
	var published sql.NullInt64
	if err := row.Scan(&a.ID, &a.Slug, &a.Locale, &a.Title, &a.Category, &a.Body, &a.Chat, &a.Email, &a.Internal, &syn, &top, &a.Status, &a.Version, &created, &updated, &published, &a.UpdatedBy); err != nil {
		return nil, err
	}
	a.Synonyms, a.Topics = splitList(syn), splitList(top)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	if published.Valid {
		t := time.Unix(published.Int64, 0).UTC()
		a.PublishedAt = &t
	}
	return &a, nil
}

// splitList reads a stored comma-separated list.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func joinList(items []string) string {
	clean := make([]string, 0, len(items))
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			clean = append(clean, s)
		}
	}
	return strings.Join(clean, ",")
}

// Querier reads: a *store.DB or a *store.Tx.
type Querier interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ErrNoArticle is returned for a slug and locale that name no article.
var ErrNoArticle = domain.Errorf(domain.ENotFound, "no such article: check the slug and locale (quietdesk kb list shows them)")

// Get reads one article by slug and locale.
func Get(ctx context.Context, q Querier, slug, locale string) (*Article, error) {
	a, err := scanArticle(q.QueryRow(ctx, `SELECT `+articleColumns+` FROM kb_articles WHERE slug = ? AND locale = ?`, slug, locale))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoArticle
	}
	return a, err
}

// GetByID reads one article by its id.
func GetByID(ctx context.Context, q Querier, id int64) (*Article, error) {
	a, err := scanArticle(q.QueryRow(ctx, `SELECT `+articleColumns+` FROM kb_articles WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoArticle
	}
	return a, err
}

// Filter narrows List. Zero values mean any.
type Filter struct {
	Locale    string
	Category  string
	Status    string
	Slug      string // every translation of one article
	Published bool   // only published articles (the help centre's view)
}

// List reads articles by locale, category and title.
func List(ctx context.Context, q Querier, f Filter) ([]*Article, error) {
	var where []string
	var args []any
	for _, c := range []struct{ col, val string }{{"locale", f.Locale}, {"category", f.Category}, {"status", f.Status}, {"slug", f.Slug}} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.Published {
		where = append(where, "status = ?")
		args = append(args, Published)
	}
	query := `SELECT ` + articleColumns + ` FROM kb_articles`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := q.Query(ctx, query+` ORDER BY locale, category, title, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Translations lists the other locales of an article's slug.
func Translations(ctx context.Context, q Querier, a *Article) ([]*Article, error) {
	all, err := List(ctx, q, Filter{Slug: a.Slug})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(o *Article) bool { return o.Locale == a.Locale }), nil
}

// Save writes an article, keyed on slug and locale, as a new version by
// who (an email or "import"), with a note on what changed. An article
// whose content is the same as stored is left alone and reported unchanged:
// importing the same files twice changes nothing.
func Save(ctx context.Context, tx *store.Tx, a *Article, who, note string, now time.Time) (store.Outcome, error) {
	if err := a.Validate(); err != nil {
		return store.Unchanged, err
	}
	old, err := Get(ctx, tx, a.Slug, a.Locale)
	if err != nil && !errors.Is(err, ErrNoArticle) {
		return store.Unchanged, err
	}
	at := now.Unix()
	outcome := store.Created
	if old != nil {
		if sameContent(old, a) {
			*a = *old
			return store.Unchanged, nil
		}
		outcome = store.Updated
		a.ID, a.Version, a.CreatedAt = old.ID, old.Version+1, old.CreatedAt
		a.PublishedAt = old.PublishedAt
	} else {
		a.Version, a.CreatedAt = 1, now.UTC().Truncate(time.Second)
	}
	if a.Status == Published && (a.PublishedAt == nil || old == nil || old.Status != Published) {
		t := now.UTC().Truncate(time.Second)
		a.PublishedAt = &t
	}
	a.UpdatedAt, a.UpdatedBy = now.UTC().Truncate(time.Second), who
	published := domain.UnixOrNil(a.PublishedAt)
	if old == nil {
		err = tx.QueryRow(ctx, `INSERT INTO kb_articles (slug, locale, title, category, body, chat, email, internal, synonyms, topics, status, version, created_at, updated_at, published_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Slug, a.Locale, a.Title, a.Category, a.Body, a.Chat, a.Email, a.Internal, joinList(a.Synonyms), joinList(a.Topics), a.Status, a.Version, at, at, published, who).Scan(&a.ID)
	} else {
		_, err = tx.Exec(ctx, `UPDATE kb_articles SET title = ?, category = ?, body = ?, chat = ?, email = ?, internal = ?, synonyms = ?, topics = ?, status = ?, version = ?,
			updated_at = ?, published_at = ?, updated_by = ? WHERE id = ?`,
			a.Title, a.Category, a.Body, a.Chat, a.Email, a.Internal, joinList(a.Synonyms), joinList(a.Topics), a.Status, a.Version, at, published, who, a.ID)
	}
	if err != nil {
		return store.Unchanged, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO kb_versions (article_id, version, title, category, body, chat, email, internal, synonyms, topics, status, changed_at, changed_by, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Version, a.Title, a.Category, a.Body, a.Chat, a.Email, a.Internal, joinList(a.Synonyms), joinList(a.Topics), a.Status, at, who, note); err != nil {
		return store.Unchanged, err
	}
	return outcome, BumpRevision(ctx, tx)
}

// sameContent reports whether b would change nothing of a.
func sameContent(a, b *Article) bool {
	return a.Title == b.Title && a.Category == b.Category && a.Body == b.Body && a.Chat == b.Chat && a.Email == b.Email &&
		a.Internal == b.Internal && joinList(a.Synonyms) == joinList(b.Synonyms) && joinList(a.Topics) == joinList(b.Topics) && a.Status == b.Status
}

// SetStatus publishes or unpublishes an article, as a new version.
func SetStatus(ctx context.Context, tx *store.Tx, slug, locale, status, who string, now time.Time) (*Article, error) {
	a, err := Get(ctx, tx, slug, locale)
	if err != nil {
		return nil, err
	}
	a.Status = status
	note := "published"
	if status == Draft {
		note = "unpublished"
	}
	_, err = Save(ctx, tx, a, who, note, now)
	return a, err
}

// Version is one entry of an article's history.
type Version struct {
	Article
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by"`
	Note      string    `json:"note"`
}

// History lists an article's versions, newest first.
func History(ctx context.Context, q Querier, articleID int64) ([]Version, error) {
	rows, err := q.Query(ctx, `SELECT v.version, v.title, v.category, v.body, v.chat, v.email, v.internal, v.synonyms, v.topics, v.status, v.changed_at, v.changed_by, v.note, a.slug, a.locale
		FROM kb_versions v JOIN kb_articles a ON a.id = v.article_id WHERE v.article_id = ? ORDER BY v.version DESC`, articleID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var syn, top string
		var at int64
		if err := rows.Scan(&v.Version, &v.Title, &v.Category, &v.Body, &v.Chat, &v.Email, &v.Internal, &syn, &top, &v.Status, &at, &v.ChangedBy, &v.Note, &v.Slug, &v.Locale); err != nil {
			return nil, err
		}
		v.ID, v.Synonyms, v.Topics, v.ChangedAt = articleID, splitList(syn), splitList(top), time.Unix(at, 0).UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Rollback makes an earlier version the article's content again, as a new
// version (the history keeps every step).
func Rollback(ctx context.Context, tx *store.Tx, slug, locale string, version int, who string, now time.Time) (*Article, error) {
	a, err := Get(ctx, tx, slug, locale)
	if err != nil {
		return nil, err
	}
	hist, err := History(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range hist {
		if v.Version != version {
			continue
		}
		restored := v.Article
		restored.ID, restored.Slug, restored.Locale = a.ID, a.Slug, a.Locale
		if _, err := Save(ctx, tx, &restored, who, fmt.Sprintf("restored version %d", version), now); err != nil {
			return nil, err
		}
		return &restored, nil
	}
	return nil, domain.Errorf(domain.ENotFound, "article %s (%s) has no version %d: its versions are 1 to %d", slug, locale, version, a.Version)
}

// BumpRevision marks the knowledge base changed, for search indexes in
// every process.
func BumpRevision(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, `UPDATE kb_revision SET revision = revision + 1 WHERE id = 1`)
	return err
}

// Revision reads the knowledge base's change counter.
func Revision(ctx context.Context, q Querier) (int64, error) {
	var r int64
	err := q.QueryRow(ctx, `SELECT revision FROM kb_revision WHERE id = 1`).Scan(&r)
	return r, err
}
