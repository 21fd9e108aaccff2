package kb

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"quietdesk/internal/domain"
)

// Measured relevance (docs/search.md#measured-relevance): customer
// questions, each with the articles that answer it, and the two figures a
// search is judged by over them.

//go:embed testdata/relevance.tsv
var relevanceTSV []byte

// RelevanceCase is one question and the slugs that answer it.
type RelevanceCase struct {
	Line     int      `json:"line"`
	Locale   string   `json:"locale"`
	Question string   `json:"question"`
	Slugs    []string `json:"slugs"`
}

// EvalReport is how well a search answered a set of questions.
type EvalReport struct {
	Cases int `json:"cases"`
	// RecallAt3 is the share of questions with an expected article among
	// the first three results.
	RecallAt3 float64 `json:"recall_at_3"`
	// MRR is the mean of 1/rank of the first expected article (0 when it
	// is not among the first ten).
	MRR    float64 `json:"mrr"`
	Misses []Miss  `json:"misses,omitempty"`
}

// Miss is a question whose answer was not among the first three.
type Miss struct {
	RelevanceCase
	Got []string `json:"got"`
}

// RelevanceSet is the starter knowledge base's questions.
func RelevanceSet() ([]RelevanceCase, error) {
	return ReadRelevance(bytes.NewReader(relevanceTSV))
}

// ReadRelevance reads questions as tab-separated lines: locale, question,
// expected slugs (comma-separated). Lines starting with # and the header
// line are skipped.
func ReadRelevance(r io.Reader) ([]RelevanceCase, error) {
	var out []RelevanceCase
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "locale\t") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 || strings.TrimSpace(f[1]) == "" || len(splitList(f[2])) == 0 {
			return nil, domain.Errorf(domain.EInvalid, "line %d: want three tab-separated columns: locale, question, slugs", n)
		}
		out = append(out, RelevanceCase{Line: n, Locale: strings.TrimSpace(f[0]), Question: strings.TrimSpace(f[1]), Slugs: splitList(f[2])})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "no questions: write lines of locale, question and slugs separated by tabs")
	}
	return out, nil
}

// Evaluate runs every question through search and measures recall@3 and
// MRR.
func Evaluate(cases []RelevanceCase, search func(Query) ([]Result, error)) (EvalReport, error) {
	rep := EvalReport{Cases: len(cases)}
	found, rr := 0, 0.0
	for _, c := range cases {
		res, err := search(Query{Text: c.Question, Locale: c.Locale, Limit: 10})
		if err != nil {
			return rep, fmt.Errorf("line %d: %w", c.Line, err)
		}
		rank := 0
		var got []string
		for i, r := range res {
			got = append(got, r.Slug)
			if rank == 0 && contains(c.Slugs, r.Slug) {
				rank = i + 1
			}
		}
		if rank > 0 {
			rr += 1 / float64(rank)
		}
		if rank > 0 && rank <= 3 {
			found++
		} else {
			rep.Misses = append(rep.Misses, Miss{c, got[:min(3, len(got))]})
		}
	}
	if len(cases) > 0 {
		rep.RecallAt3 = float64(found) / float64(len(cases))
		rep.MRR = rr / float64(len(cases))
	}
	return rep, nil
}

// EvaluateStore measures the search of a store's articles.
func EvaluateStore(ctx context.Context, q Querier, cases []RelevanceCase) (EvalReport, error) {
	return Evaluate(cases, func(query Query) ([]Result, error) { return Search(ctx, q, query) })
}

// EvaluateStarter measures the search of the starter knowledge base with
// its synonyms, without a database. baseline measures plain word matching
// instead: BM25 over titles and bodies, without stemming, synonyms or typo
// tolerance, the yardstick the analysis is compared with.
func EvaluateStarter(cases []RelevanceCase, baseline bool) (EvalReport, error) {
	arts, err := ReadDir(Starter, "starter")
	if err != nil {
		return EvalReport{}, err
	}
	idx := buildIndex(0, arts, StarterSynonyms(), baseline)
	return Evaluate(cases, func(q Query) ([]Result, error) { return idx.search(q, baseline), nil })
}
