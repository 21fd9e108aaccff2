package kb

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"quietdesk/internal/store"
)

// Self-service measured by the contacts it really prevents
// (docs/self-service.md): deflection per article, the articles that fail,
// and the searches that found nothing. A session is dated by its start.

// FollowWindow is how long after a session's start a contact by its
// customer counts as following it: the session did not prevent that one.
const FollowWindow = 72 * time.Hour

// Defaults of MeasureOptions.
const (
	DefaultMinSample    = 30  // sessions on each side before deflection can be known
	DefaultFailMinShown = 20  // measured sessions an article must be shown in to fail on contacts
	DefaultFailRate     = 0.5 // share of them followed by a contact that fails it
	DefaultNoResults    = 50  // no-result queries listed
)

// Verdicts of an article's deflection.
const (
	VerdictDeflects = "deflects"
	VerdictWorse    = "followed by more contacts"
	VerdictUnknown  = "not yet known"
)

// MeasureOptions choose the period and the thresholds.
type MeasureOptions struct {
	From, To time.Time // sessions started in [From, To)
	// Now is when the measure is taken: a session started less than
	// FollowWindow before it is counted but not measured.
	Now          time.Time
	MinSample    int     // DefaultMinSample when 0
	FailMinShown int     // DefaultFailMinShown when 0
	FailRate     float64 // DefaultFailRate when 0
	NoResults    int     // DefaultNoResults when 0
}

func (o MeasureOptions) withDefaults() MeasureOptions {
	if o.MinSample <= 0 {
		o.MinSample = DefaultMinSample
	}
	if o.FailMinShown <= 0 {
		o.FailMinShown = DefaultFailMinShown
	}
	if o.FailRate <= 0 {
		o.FailRate = DefaultFailRate
	}
	if o.NoResults <= 0 {
		o.NoResults = DefaultNoResults
	}
	return o
}

// Measures are the self-service figures of a period.
type Measures struct {
	Sessions  int `json:"sessions"`
	Resolved  int `json:"resolved"`
	Escalated int `json:"escalated"`
	// Compared are the sessions deflection compares (help-centre sessions:
	// kind article, or shown any article) whose FollowWindow has passed;
	// Followed how many of them were followed by a contact or escalated.
	Compared int                 `json:"compared_sessions"`
	Followed int                 `json:"followed_sessions"`
	Articles []ArticleDeflection `json:"articles"`
	Failing  []FailingArticle    `json:"failing_articles"`
	NoResult []NoResultSearch    `json:"no_result_searches"`
}

// ArticleDeflection is one article's deflection: the share of the sessions
// shown it that no contact followed, against the same share among the
// compared sessions not shown it.
type ArticleDeflection struct {
	Slug   string   `json:"slug"`
	Locale string   `json:"locale"` // the locale it was shown in most (its title's)
	Title  string   `json:"title"`  // "" when no stored article has the slug
	Status string   `json:"status"` // published when any locale is; "" when not stored
	Topics []string `json:"topics"`
	Shown  int      `json:"shown"`  // sessions of the period shown it
	Opened int      `json:"opened"` // of them, those that opened it
	// ShownMeasured sessions shown it whose window has passed, of which
	// ShownNoContact were followed by no contact; Others and
	// OthersNoContact the same for the compared sessions not shown it.
	ShownMeasured   int      `json:"shown_measured"`
	ShownNoContact  int      `json:"shown_no_contact"`
	Others          int      `json:"others_measured"`
	OthersNoContact int      `json:"others_no_contact"`
	ShownRate       *float64 `json:"shown_no_contact_rate"`
	OthersRate      *float64 `json:"others_no_contact_rate"`
	// Deflection is ShownRate − OthersRate; Low and High bound its 95%
	// interval. All nil when either side has no session.
	Deflection *float64 `json:"deflection"`
	Low        *float64 `json:"low"`
	High       *float64 `json:"high"`
	Verdict    string   `json:"verdict"`
	Helpful    int      `json:"helpful"`
	Unhelpful  int      `json:"unhelpful"`
}

// Known says whether the deflection is told apart from zero.
func (a *ArticleDeflection) Known() bool { return a.Verdict != VerdictUnknown }

// FailingArticle is an article that does not answer: followed by contacts
// in too many of the sessions shown it, or rated unhelpful more often than
// helpful.
type FailingArticle struct {
	Slug          string   `json:"slug"`
	Locale        string   `json:"locale"`
	Title         string   `json:"title"`
	ShownMeasured int      `json:"shown_measured"`
	FollowedRate  *float64 `json:"followed_rate"` // share of ShownMeasured followed by a contact
	Helpful       int      `json:"helpful"`
	Unhelpful     int      `json:"unhelpful"`
	Reasons       []string `json:"reasons"`
}

// NoResultSearch is a query, normalised, that found no article.
type NoResultSearch struct {
	Query   string `json:"query"`   // normalised: lower case, single spaces, no end punctuation
	Example string `json:"example"` // the most frequent spelling, as typed
	Locale  string `json:"locale"`
	Count   int    `json:"count"`
}

// sessionFacts is what deflection needs of one session.
type sessionFacts struct {
	compared bool // in deflection's population
	measured bool // its window has passed
	followed bool
}

// Measure computes the measures of sessions started in [From, To).
func Measure(ctx context.Context, db *store.DB, opt MeasureOptions) (*Measures, error) {
	opt = opt.withDefaults()
	from, to := opt.From.Unix(), opt.To.Unix()
	last := opt.Now.Unix() - int64(FollowWindow/time.Second) // the latest start measured
	m := &Measures{Articles: []ArticleDeflection{}, Failing: []FailingArticle{}, NoResult: []NoResultSearch{}}

	// A session is followed when it escalated or its customer started a
	// contact in (start, start + FollowWindow]. A session without a known
	// customer is followed only by its escalation.
	rows, err := db.Query(ctx, fmt.Sprintf(`SELECT s.id, s.started_at, s.outcome, s.kind, s.article,
		CASE WHEN s.outcome = 'escalated' OR EXISTS (SELECT 1 FROM contacts c WHERE c.customer_id = s.customer_id
			AND c.started_at > s.started_at AND c.started_at <= s.started_at + %d) THEN 1 ELSE 0 END
		FROM self_service_sessions s WHERE s.started_at >= ? AND s.started_at < ?`, int64(FollowWindow/time.Second)), from, to)
	if err != nil {
		return nil, err
	}
	facts := map[int64]*sessionFacts{}
	imported := map[int64]string{} // a session's article column: what an imported session read
	for rows.Next() {
		var id, started int64
		var outcome, kind, article string
		var followed int
		if err := rows.Scan(&id, &started, &outcome, &kind, &article, &followed); err != nil {
			rows.Close()
			return nil, err
		}
		m.Sessions++
		if outcome == "escalated" {
			m.Escalated++
		} else {
			m.Resolved++
		}
		facts[id] = &sessionFacts{compared: kind == "article", measured: started <= last, followed: followed == 1}
		if article != "" {
			imported[id] = article
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	type tally struct {
		shown, opened, n, k int
		helpful, unhelpful  int
		locales             map[string]int
	}
	bySlug := map[string]*tally{}
	at := func(slug string) *tally {
		t := bySlug[slug]
		if t == nil {
			t = &tally{locales: map[string]int{}}
			bySlug[slug] = t
		}
		return t
	}
	shown := map[int64]map[string]bool{}
	count := func(id int64, slug, locale string, opened bool) {
		f := facts[id]
		if f == nil {
			return
		}
		if shown[id] == nil {
			shown[id] = map[string]bool{}
		}
		if was, seen := shown[id][slug]; seen {
			if opened && !was {
				shown[id][slug] = true
				at(slug).opened++
			}
			return
		}
		shown[id][slug] = opened
		f.compared = true
		t := at(slug)
		t.shown++
		if opened {
			t.opened++
		}
		if locale != "" {
			t.locales[locale]++
		}
		if f.measured {
			t.n++
			if !f.followed {
				t.k++
			}
		}
	}
	rows, err = db.Query(ctx, `SELECT sh.session_id, sh.slug, sh.locale, sh.opened FROM self_service_shown sh
		JOIN self_service_sessions s ON s.id = sh.session_id WHERE s.started_at >= ? AND s.started_at < ? ORDER BY sh.session_id, sh.slug`, from, to)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var slug, locale string
		var opened bool
		if err := rows.Scan(&id, &slug, &locale, &opened); err != nil {
			rows.Close()
			return nil, err
		}
		count(id, slug, locale, opened)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// An imported session names the one article it read: shown and opened.
	for id, slug := range imported {
		count(id, slug, "", true)
	}
	var n, k int
	for _, f := range facts {
		if f.compared && f.measured {
			n++
			if !f.followed {
				k++
			}
		}
	}
	m.Compared, m.Followed = n, n-k

	rows, err = db.Query(ctx, `SELECT f.slug, f.helpful FROM kb_feedback f JOIN self_service_sessions s ON s.id = f.session_id
		WHERE s.started_at >= ? AND s.started_at < ?`, from, to)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var slug string
		var helpful bool
		if err := rows.Scan(&slug, &helpful); err != nil {
			rows.Close()
			return nil, err
		}
		if helpful {
			at(slug).helpful++
		} else {
			at(slug).unhelpful++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	stored, err := storedArticles(ctx, db)
	if err != nil {
		return nil, err
	}
	for slug, t := range bySlug {
		a := ArticleDeflection{Slug: slug, Shown: t.shown, Opened: t.opened, Helpful: t.helpful, Unhelpful: t.unhelpful,
			ShownMeasured: t.n, ShownNoContact: t.k, Others: n - t.n, OthersNoContact: k - t.k, Topics: []string{}}
		a.Locale = mostUsed(t.locales)
		if s := stored[slug]; s != nil {
			a.Status, a.Topics = s.status, s.topics
			if a.Locale == "" || s.titles[a.Locale] == "" {
				a.Locale = s.firstLocale
			}
			a.Title = s.titles[a.Locale]
		}
		a.ShownRate, a.OthersRate = share(a.ShownNoContact, a.ShownMeasured), share(a.OthersNoContact, a.Others)
		a.Verdict = VerdictUnknown
		if a.ShownRate != nil && a.OthersRate != nil {
			d, low, high := differenceInterval(a.ShownNoContact, a.ShownMeasured, a.OthersNoContact, a.Others)
			a.Deflection, a.Low, a.High = &d, &low, &high
			if a.ShownMeasured >= opt.MinSample && a.Others >= opt.MinSample {
				switch {
				case low > 0:
					a.Verdict = VerdictDeflects
				case high < 0:
					a.Verdict = VerdictWorse
				}
			}
		}
		m.Articles = append(m.Articles, a)
		if f, ok := failing(&a, opt); ok {
			m.Failing = append(m.Failing, f)
		}
	}
	// Most shown first; failing ones worst first.
	sort.Slice(m.Articles, func(i, j int) bool {
		a, b := m.Articles[i], m.Articles[j]
		if a.Shown != b.Shown {
			return a.Shown > b.Shown
		}
		return a.Slug < b.Slug
	})
	sort.Slice(m.Failing, func(i, j int) bool {
		a, b := m.Failing[i], m.Failing[j]
		ra, rb := deref(a.FollowedRate), deref(b.FollowedRate)
		if ra != rb {
			return ra > rb
		}
		if da, db := a.Unhelpful-a.Helpful, b.Unhelpful-b.Helpful; da != db {
			return da > db
		}
		return a.Slug < b.Slug
	})

	if m.NoResult, err = noResultSearches(ctx, db, from, to, opt.NoResults); err != nil {
		return nil, err
	}
	return m, nil
}

// failing says whether an article fails, and why.
func failing(a *ArticleDeflection, opt MeasureOptions) (FailingArticle, bool) {
	f := FailingArticle{Slug: a.Slug, Locale: a.Locale, Title: a.Title, ShownMeasured: a.ShownMeasured, Helpful: a.Helpful, Unhelpful: a.Unhelpful}
	if a.ShownMeasured > 0 {
		f.FollowedRate = share(a.ShownMeasured-a.ShownNoContact, a.ShownMeasured)
	}
	if a.ShownMeasured >= opt.FailMinShown && *f.FollowedRate >= opt.FailRate {
		f.Reasons = append(f.Reasons, fmt.Sprintf("followed by a contact in %d of %d sessions shown it", a.ShownMeasured-a.ShownNoContact, a.ShownMeasured))
	}
	if a.Unhelpful > a.Helpful {
		f.Reasons = append(f.Reasons, fmt.Sprintf("rated unhelpful %d times, helpful %d", a.Unhelpful, a.Helpful))
	}
	return f, len(f.Reasons) > 0
}

// differenceInterval is p1 − p0 with its 95% Wald interval, cut to
// [−1, 1], where a difference of two shares lies.
func differenceInterval(k1, n1, k0, n0 int) (d, low, high float64) {
	p1, p0 := float64(k1)/float64(n1), float64(k0)/float64(n0)
	d = p1 - p0
	se := math.Sqrt(p1*(1-p1)/float64(n1) + p0*(1-p0)/float64(n0))
	return round6(d), round6(max(d-1.96*se, -1)), round6(min(d+1.96*se, 1))
}

func share(k, n int) *float64 {
	if n == 0 {
		return nil
	}
	v := round6(float64(k) / float64(n))
	return &v
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func mostUsed(counts map[string]int) string {
	best, n := "", 0
	for k, c := range counts {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return best
}

// storedArticle is what the measures show of an article's slug.
type storedArticle struct {
	status      string // published when any locale is
	topics      []string
	titles      map[string]string // by locale
	firstLocale string
}

func storedArticles(ctx context.Context, db *store.DB) (map[string]*storedArticle, error) {
	rows, err := db.Query(ctx, `SELECT slug, locale, title, status, topics FROM kb_articles ORDER BY slug, locale`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*storedArticle{}
	for rows.Next() {
		var slug, locale, title, status, topics string
		if err := rows.Scan(&slug, &locale, &title, &status, &topics); err != nil {
			return nil, err
		}
		s := out[slug]
		if s == nil {
			s = &storedArticle{status: status, titles: map[string]string{}, firstLocale: locale, topics: []string{}}
			out[slug] = s
		}
		if status == Published {
			s.status = Published
		}
		s.titles[locale] = title
		for _, t := range splitList(topics) {
			if !containsString(s.topics, t) {
				s.topics = append(s.topics, t)
			}
		}
	}
	return out, rows.Err()
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// NormaliseQuery is how searches with no result are grouped: lower case,
// accents kept off, single spaces, no punctuation at either end.
func NormaliseQuery(q string) string {
	q = strings.ToLower(foldAccents(q))
	q = strings.Join(strings.Fields(q), " ")
	return strings.Trim(q, " ?!.,;:¿¡'\"")
}

func noResultSearches(ctx context.Context, db *store.DB, from, to int64, limit int) ([]NoResultSearch, error) {
	rows, err := db.Query(ctx, `SELECT k.query, k.locale FROM kb_searches k LEFT JOIN self_service_sessions s ON s.id = k.session_id
		WHERE k.results = 0 AND COALESCE(s.started_at, k.at) >= ? AND COALESCE(s.started_at, k.at) < ?`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type group struct {
		count            int
		spellings, langs map[string]int
	}
	groups := map[string]*group{}
	for rows.Next() {
		var q, locale string
		if err := rows.Scan(&q, &locale); err != nil {
			return nil, err
		}
		key := NormaliseQuery(q)
		if key == "" {
			continue
		}
		g := groups[key]
		if g == nil {
			g = &group{spellings: map[string]int{}, langs: map[string]int{}}
			groups[key] = g
		}
		g.count++
		g.spellings[strings.Join(strings.Fields(q), " ")]++
		if locale != "" {
			g.langs[locale]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]NoResultSearch, 0, len(groups))
	for key, g := range groups {
		out = append(out, NoResultSearch{Query: key, Example: mostUsed(g.spellings), Locale: mostUsed(g.langs), Count: g.count})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Query < out[j].Query
	})
	return out[:min(limit, len(out))], nil
}
