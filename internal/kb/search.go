package kb

import (
	"context"
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

// Search finds the articles that answer q, best first.
//
// This first version matches titles only; the ranked search replaces it.
func Search(ctx context.Context, q Querier, query Query) ([]Result, error) {
	all, err := List(ctx, q, Filter{Locale: query.Locale, Published: !query.Drafts})
	if err != nil {
		return nil, err
	}
	limit := query.Limit
	if limit <= 0 {
		limit = 5
	}
	var out []Result
	for _, a := range all {
		if strings.Contains(strings.ToLower(a.Title), strings.ToLower(strings.TrimSpace(query.Text))) {
			out = append(out, Result{Slug: a.Slug, Title: a.Title, Locale: a.Locale, Score: 1, Snippet: a.Body})
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}
