package kb

import (
	"context"
	"math"
	"sort"
	"strings"
)

// Query is one search of the knowledge base.
type Query struct {
	Text   string
	Locale string // "" = every locale
	Limit  int    // 0 = 5
	// Drafts includes unpublished articles (editors' search); customers
	// only ever find published ones.
	Drafts bool
}

// Result is one article a search found, best first.
type Result struct {
	Slug    string  `json:"slug"`
	Title   string  `json:"title"`
	Locale  string  `json:"-"`
	Score   float64 `json:"score"`
	Snippet string  `json:"snippet"`
}

// MaxLimit is the most results a search returns (a query's length is
// bounded by MaxQueryChars, as for recorded searches).
const MaxLimit = 20

// Search finds the articles that answer a query, best first
// (docs/search.md): BM25F over titles, synonyms and bodies, with the
// brand's synonym groups and tolerance for typos, from an index this
// process keeps until the knowledge base's revision moves. It only reads.
func Search(ctx context.Context, q Querier, query Query) ([]Result, error) {
	// Callers check what people type (the API refuses it with a 400); here
	// an over-long query or limit is only cut to size.
	if r := []rune(query.Text); len(r) > MaxQueryChars {
		query.Text = string(r[:MaxQueryChars])
	}
	query.Limit = min(query.Limit, MaxLimit)
	idx, err := indexOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return idx.search(query, false), nil
}

// search runs a query on the index.
func (idx *index) search(query Query, plain bool) []Result {
	limit := query.Limit
	if limit <= 0 {
		limit = 5
	}
	type hit struct {
		li    *localeIndex
		doc   int32
		score float64
		cl    []clause
	}
	// better orders results: best score first, then by slug and locale, so
	// ties come out the same on every run and every database.
	better := func(a, b *hit) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		sa, sb := a.li.docs[a.doc].art, b.li.docs[b.doc].art
		if sa.Slug != sb.Slug {
			return sa.Slug < sb.Slug
		}
		return sa.Locale < sb.Locale
	}
	// Only the first limit results are kept, in order, as they come: most
	// articles that match a word are not among them.
	hits := make([]hit, 0, limit+1)
	for _, loc := range idx.order {
		if query.Locale != "" && loc != query.Locale {
			continue
		}
		li := idx.locales[loc]
		cl := li.parse(query.Text, plain)
		for _, sc := range li.score(cl, query.Drafts) {
			h := hit{li, sc.doc, math.Round(sc.score*1e4) / 1e4, cl}
			if h.score <= 0 || len(hits) == limit && !better(&h, &hits[limit-1]) {
				continue
			}
			i := sort.Search(len(hits), func(i int) bool { return better(&h, &hits[i]) })
			hits = append(hits, hit{})
			copy(hits[i+1:], hits[i:])
			hits[i] = h
			if len(hits) > limit {
				hits = hits[:limit]
			}
		}
	}
	out := make([]Result, 0, len(hits))
	for _, h := range hits {
		a := h.li.docs[h.doc].art
		out = append(out, Result{Slug: a.Slug, Title: a.Title, Locale: a.Locale, Score: h.score, Snippet: h.li.snippet(h.li.docs[h.doc].plain, h.cl)})
	}
	return out
}

// snippetChars is about how long a snippet is.
const snippetChars = 160

// snippet is the plain-text passage of about snippetChars of the article's
// body that holds the most of the query's words.
func (li *localeIndex) snippet(text string, clauses []clause) string {
	if len([]rune(text)) <= snippetChars {
		return text
	}
	want := map[string]int{} // term → clause
	for i, c := range clauses {
		for _, alt := range c.alts {
			if _, ok := want[alt.term]; !ok {
				want[alt.term] = i
			}
		}
	}
	toks := li.an.tokens(text)
	// Slide a window over the matching words: the best holds the most
	// distinct clauses, then the most matches, then comes first.
	var match []token
	var which []int
	for _, t := range toks {
		if c, ok := want[t.term]; ok {
			match = append(match, t)
			which = append(which, c)
		}
	}
	bestStart, bestDistinct, bestCount := 0, 0, 0
	for i := range match {
		seen := map[int]bool{}
		n := 0
		for j := i; j < len(match) && match[j].end-match[i].start <= snippetChars; j++ {
			seen[which[j]] = true
			n++
		}
		if len(seen) > bestDistinct || len(seen) == bestDistinct && n > bestCount {
			bestStart, bestDistinct, bestCount = match[i].start, len(seen), n
		}
	}
	// Start a little before the first match, at a word's start.
	start := 0
	if bestDistinct > 0 {
		start = max(0, bestStart-40)
		if start > 0 {
			if sp := strings.LastIndexAny(text[:bestStart], ".!?"); sp >= start && sp+1 < bestStart {
				start = sp + 1
			} else if sp := strings.IndexByte(text[start:bestStart], ' '); sp >= 0 {
				start += sp + 1
			} else {
				start = bestStart
			}
		}
	}
	return cut(text, start, snippetChars)
}

// cut takes about n characters of text from byte start, ending at a word's
// end, with an ellipsis where the text goes on.
func cut(text string, start, n int) string {
	rest := strings.TrimLeft(text[start:], " :;,.!?)")
	r := []rune(rest)
	out := rest
	more := false
	if len(r) > n {
		out = string(r[:n])
		if sp := strings.LastIndexByte(out, ' '); sp > n/2 {
			out = out[:sp]
		}
		out = strings.TrimRight(out, " ,;:")
		more = true
	}
	if start > 0 {
		out = "…" + out
	}
	if more {
		out += "…"
	}
	return out
}
