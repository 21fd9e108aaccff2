package kb

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
)

// Text analysis (docs/search.md#analysis): the same steps turn an article
// and a query into terms, chosen by the locale's language, so "Livrée" in a
// question finds "livraison" in an answer only where the language says so.

// stemmers are the Snowball stemmers by language code. A locale whose
// language has none is matched on whole words.
var stemmers = map[string]func(*snowball.Env) bool{
	"da": danish.Stem, "de": german.Stem, "en": english.Stem, "es": spanish.Stem, "fi": finnish.Stem,
	"fr": french.Stem, "it": italian.Stem, "nb": norwegian.Stem, "nl": dutch.Stem, "no": norwegian.Stem,
	"pt": portuguese.Stem, "ro": romanian.Stem, "sv": swedish.Stem,
}

// language is a locale's language part: "pt-BR" → "pt".
func language(locale string) string {
	l, _, _ := strings.Cut(strings.ToLower(locale), "-")
	return l
}

// analyzer turns text of one language into terms.
type analyzer struct {
	lang  string
	stem  func(*snowball.Env) bool // nil: no stemming
	stop  map[string]bool
	plain bool // whole words only (the baseline the relevance test compares with)

	mu    sync.Mutex
	stems map[string]analyzed // by the word as written
}

var analyzers sync.Map // "lang" or "lang/plain" → *analyzer

// analyzerFor returns the analyzer of a locale's language.
func analyzerFor(locale string, plain bool) *analyzer {
	lang := language(locale)
	key := lang
	if plain {
		key += "/plain"
	}
	if a, ok := analyzers.Load(key); ok {
		return a.(*analyzer)
	}
	a := &analyzer{lang: lang, stop: stopwords[lang], plain: plain, stems: map[string]analyzed{}}
	if !plain {
		a.stem = stemmers[lang]
	}
	got, _ := analyzers.LoadOrStore(key, a)
	return got.(*analyzer)
}

// token is one word of a text: its folded form, its term, and where it is
// in the text (bytes), for snippets.
type token struct {
	word, term string
	start, end int
}

// maxStemCache bounds an analyzer's memory of stems: past it, words are
// stemmed again rather than remembered.
const maxStemCache = 200_000

// tokens splits text into words, drops stopwords and one-letter words,
// and stems the rest.
func (a *analyzer) tokens(text string) []token {
	var out []token
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		s := start
		start = -1
		if w, term, ok := a.word(text[s:end]); ok {
			out = append(out, token{word: w, term: term, start: s, end: end})
		}
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return out
}

// analyzed is what the analyzer made of a word as written.
type analyzed struct {
	word, term string
	keep       bool
}

// word is a written word's folded form and term, and whether it is kept
// (not a stopword, not a single letter). Words repeat, so each is worked
// out once (up to maxStemCache of them).
func (a *analyzer) word(raw string) (string, string, bool) {
	a.mu.Lock()
	got, ok := a.stems[raw]
	a.mu.Unlock()
	if ok {
		return got.word, got.term, got.keep
	}
	lower := strings.ToLower(raw)
	w := normalizeWord(lower)
	got = analyzed{word: w, keep: !(utf8.RuneCountInString(w) < 2 && !isDigits(w) || a.stop[w])}
	if got.keep {
		got.term = a.stemWord(lower, w)
	}
	a.mu.Lock()
	if len(a.stems) < maxStemCache {
		a.stems[strings.Clone(raw)] = got
	}
	a.mu.Unlock()
	return got.word, got.term, got.keep
}

// terms is the terms of a text, in order.
func (a *analyzer) terms(text string) []string {
	toks := a.tokens(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.term
	}
	return out
}

// normalizeWord lower-cases and folds accents: customers often type
// without them, so "livre" and "livré" are the same word here.
func normalizeWord(w string) string {
	w = strings.ToLower(w)
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return ligatures.Replace(strings.ToLower(foldAccents(w)))
		}
	}
	return w
}

// ligatures are letters accent folding leaves alone.
var ligatures = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "ł", "l", "đ", "d")

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

// stemWord is a word's stem in the analyzer's language, folded (the
// folded word itself when the language has no stemmer). The stemmer reads
// the word with its accents, which its rules expect ("remboursée" →
// "rembours"); a query typed without them is matched to the articles'
// words by their folded form (localeIndex.parse).
func (a *analyzer) stemWord(lower, folded string) string {
	if a.stem == nil || isDigits(folded) {
		return folded
	}
	env := snowball.NewEnv(lower)
	a.stem(env)
	if s := normalizeWord(env.Current()); s != "" {
		return s
	}
	return folded
}
