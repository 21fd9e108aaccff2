package kb

import (
	"math"
	"sort"
	"strings"
)

// The in-memory index (docs/search.md#ranking): BM25F over three fields of
// each article, computed here rather than by the database, so SQLite and
// PostgreSQL rank the same articles the same way.

// Fields of an article and their weights: a word of the title says more
// about what the article answers than a word of its body.
const (
	fieldTitle = iota
	fieldSynonyms
	fieldBody
	nFields
)

var fieldWeights = [nFields]float64{fieldTitle: 3, fieldSynonyms: 2, fieldBody: 1}

// BM25 parameters: k1 saturates repeated words, b normalises by length.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// Weights of the words a query did not literally hold.
const (
	synonymWeight = 0.6 // another term of a brand's synonym group
	typo1Weight   = 0.6 // a word one edit away
	typo2Weight   = 0.4 // a long word two edits away
)

// posting is one article's counts of one term.
type posting struct {
	doc int32
	tf  [nFields]uint16
}

// indexDoc is one article as the index keeps it.
type indexDoc struct {
	art   *Article
	plain string // the body as plain text, for snippets
	lens  [nFields]int
	norm  [nFields]float64 // BM25's length normalisation of each field
}

// vocabWord is a word the articles use, spelt out for edit distances.
type vocabWord struct {
	word  string
	runes []rune
}

// localeIndex holds the articles of one locale.
type localeIndex struct {
	locale   string
	an       *analyzer
	docs     []indexDoc
	avgLen   [nFields]float64
	postings map[string][]posting
	// words are the folded words the articles use, by length, each with its
	// term: a misspelt query word is compared with these.
	words  map[string]string
	byLen  map[int][]vocabWord
	groups [][][]string // synonym groups: each member's terms
	member map[string][]int
}

// index is every locale's index, built at one revision.
type index struct {
	revision int64
	locales  map[string]*localeIndex
	order    []string // locales, sorted
}

// SynonymGroup is a set of words a brand says mean the same in searches.
type SynonymGroup struct {
	ID     int64    `json:"id"`
	Locale string   `json:"locale"`
	Terms  []string `json:"terms"`
}

// buildIndex indexes articles (drafts included: a search filters them) and
// synonym groups. plain builds the baseline: whole words, title and body
// only, no synonyms.
func buildIndex(revision int64, articles []*Article, groups []SynonymGroup, plain bool) *index {
	idx := &index{revision: revision, locales: map[string]*localeIndex{}}
	sorted := append([]*Article(nil), articles...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Slug != sorted[j].Slug {
			return sorted[i].Slug < sorted[j].Slug
		}
		return sorted[i].Locale < sorted[j].Locale
	})
	for _, a := range sorted {
		li := idx.locales[a.Locale]
		if li == nil {
			li = &localeIndex{locale: a.Locale, an: analyzerFor(a.Locale, plain), postings: map[string][]posting{},
				words: map[string]string{}, byLen: map[int][]vocabWord{}, member: map[string][]int{}}
			idx.locales[a.Locale] = li
			idx.order = append(idx.order, a.Locale)
		}
		li.add(a, plain)
	}
	sort.Strings(idx.order)
	for _, li := range idx.locales {
		for f := range nFields {
			total := 0
			for _, d := range li.docs {
				total += d.lens[f]
			}
			if len(li.docs) > 0 {
				li.avgLen[f] = float64(total) / float64(len(li.docs))
			}
			for i := range li.docs {
				d := &li.docs[i]
				d.norm[f] = 1
				if li.avgLen[f] > 0 {
					d.norm[f] = 1 - bm25B + bm25B*float64(d.lens[f])/li.avgLen[f]
				}
			}
		}
		for w := range li.words {
			r := []rune(w)
			li.byLen[len(r)] = append(li.byLen[len(r)], vocabWord{w, r})
		}
		for _, ws := range li.byLen {
			sort.Slice(ws, func(i, j int) bool { return ws[i].word < ws[j].word })
		}
	}
	if !plain {
		for _, g := range groups {
			li := idx.locales[g.Locale]
			if li == nil {
				continue
			}
			li.addGroup(g.Terms)
		}
	}
	return idx
}

func (li *localeIndex) add(a *Article, plain bool) {
	id := int32(len(li.docs))
	doc := indexDoc{art: a}
	counts := map[string]*posting{}
	var order []string
	count := func(f int, text string) {
		for _, t := range li.an.tokens(text) {
			p := counts[t.term]
			if p == nil {
				p = &posting{doc: id}
				counts[t.term] = p
				order = append(order, t.term)
			}
			if p.tf[f] < math.MaxUint16 {
				p.tf[f]++
			}
			doc.lens[f]++
			if _, ok := li.words[t.word]; !ok {
				li.words[t.word] = t.term
			}
		}
	}
	count(fieldTitle, a.Title)
	if !plain {
		count(fieldSynonyms, strings.Join(a.Synonyms, " . ")+" . "+a.Category)
	}
	doc.plain = PlainText(a.Body)
	count(fieldBody, doc.plain)
	for _, t := range order {
		li.postings[t] = append(li.postings[t], *counts[t])
	}
	li.docs = append(li.docs, doc)
}

// addGroup keeps a synonym group as the terms of each of its members (a
// member may be a phrase: "gift card").
func (li *localeIndex) addGroup(members []string) {
	var g [][]string
	for _, m := range members {
		if ts := li.an.terms(m); len(ts) > 0 {
			g = append(g, ts)
		}
	}
	if len(g) < 2 {
		return
	}
	n := len(li.groups)
	li.groups = append(li.groups, g)
	seen := map[string]bool{}
	for _, ts := range g {
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				li.member[t] = append(li.member[t], n)
			}
		}
	}
}

// alternative is one term a query word may match, and how much it counts.
type alternative struct {
	term   string
	weight float64
}

// clause is one word of a query: the best of its alternatives counts.
type clause struct {
	word string
	alts []alternative
}

// parse turns a query into clauses for this locale: each word's own term,
// its synonyms, and, for a word the articles never use, the words one or
// two edits away.
func (li *localeIndex) parse(text string, plain bool) []clause {
	toks := li.an.tokens(text)
	for i, t := range toks {
		// A word the articles use, typed without its accents, means what
		// it means there.
		if term, ok := li.words[t.word]; ok {
			toks[i].term = term
		}
	}
	present := map[string]bool{}
	for _, t := range toks {
		present[t.term] = true
	}
	var out []clause
	seen := map[string]bool{}
	for _, t := range toks {
		if seen[t.term] {
			continue
		}
		seen[t.term] = true
		c := clause{word: t.word}
		add := func(term string, w float64) {
			for i, a := range c.alts {
				if a.term == term {
					c.alts[i].weight = max(a.weight, w)
					return
				}
			}
			c.alts = append(c.alts, alternative{term, w})
		}
		known := len(li.postings[t.term]) > 0
		add(t.term, 1)
		if !plain && !known {
			for _, fix := range li.corrections(t.word) {
				add(fix.term, fix.weight)
			}
		}
		if !plain {
			for _, a := range append([]alternative(nil), c.alts...) {
				for _, s := range li.synonyms(a.term, present) {
					add(s, a.weight*synonymWeight)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// synonyms is the single-word terms of the groups a term belongs to. A
// phrase member counts only when the query holds all its words.
func (li *localeIndex) synonyms(term string, present map[string]bool) []string {
	var out []string
	for _, gi := range li.member[term] {
		g := li.groups[gi]
		matched := false
		for _, ts := range g {
			if len(ts) == 1 && ts[0] == term || len(ts) > 1 && containsAll(present, ts) && contains(ts, term) {
				matched = true
				break
			}
		}
		if !matched {
			continue
		}
		for _, ts := range g {
			for _, t := range ts {
				if t != term && !contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsAll(set map[string]bool, list []string) bool {
	for _, x := range list {
		if !set[x] {
			return false
		}
	}
	return true
}

// corrections is the terms of the articles' words within one edit of a
// misspelt word of 4+ letters, or two of one of 8+, nearest first.
func (li *localeIndex) corrections(word string) []alternative {
	r := []rune(word)
	n := len(r)
	if n < 4 || isDigits(word) {
		return nil
	}
	maxD := 1
	if n >= 8 {
		maxD = 2
	}
	best := maxD + 1
	var found []alternative
	for l := n - maxD; l <= n+maxD; l++ {
		for _, v := range li.byLen[l] {
			wr := v.runes
			// Misspellings seldom touch both of the first two letters;
			// skipping those words keeps the scan cheap.
			if wr[0] != r[0] && (len(wr) < 2 || wr[1] != r[1] && wr[0] != r[1]) {
				continue
			}
			d := damerauLevenshtein(r, wr, best)
			if d > maxD || d > best {
				continue
			}
			if d < best {
				best, found = d, found[:0]
			}
			wt := typo1Weight
			if d == 2 {
				wt = typo2Weight
			}
			found = append(found, alternative{li.words[v.word], wt})
		}
	}
	return found
}

// damerauLevenshtein is the optimal-string-alignment distance of a and b,
// or a number above limit once it must exceed it.
func damerauLevenshtein(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// idf is BM25's inverse document frequency of a term.
func (li *localeIndex) idf(term string) float64 {
	df := float64(len(li.postings[term]))
	n := float64(len(li.docs))
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// scored is an article's score for a query.
type scored struct {
	doc   int32
	score float64
}

// score ranks the locale's articles for a parsed query: per clause the
// best alternative's BM25F score times its weight, summed over clauses in
// the query's order (so the same query always adds the same floats).
func (li *localeIndex) score(clauses []clause, drafts bool) []scored {
	total := make([]float64, len(li.docs))
	best := make([]float64, len(li.docs))
	var touched, hit []int32
	for _, c := range clauses {
		for _, a := range c.alts {
			idf := li.idf(a.term)
			for _, p := range li.postings[a.term] {
				d := &li.docs[p.doc]
				if !drafts && d.art.Status != Published {
					continue
				}
				tf := 0.0
				for f := range nFields {
					if p.tf[f] != 0 {
						tf += fieldWeights[f] * float64(p.tf[f]) / d.norm[f]
					}
				}
				s := a.weight * idf * tf / (bm25K1 + tf)
				if s > best[p.doc] {
					if best[p.doc] == 0 {
						touched = append(touched, p.doc)
					}
					best[p.doc] = s
				}
			}
		}
		for _, doc := range touched {
			if total[doc] == 0 {
				hit = append(hit, doc)
			}
			total[doc] += best[doc]
			best[doc] = 0
		}
		touched = touched[:0]
	}
	out := make([]scored, len(hit))
	for i, doc := range hit {
		out[i] = scored{doc, total[doc]}
	}
	return out
}
