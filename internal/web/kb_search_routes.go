package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
)

// kbSearchRoutes lists the public knowledge-base search API
// (docs/search.md#api). It is public: the help centre's pages and the chat
// widget on the brand's own site call it, the widget cross-origin, so it
// answers the origins of chat.origins as the widget's routes do. It only
// reads: the help centre and the widget record searches themselves.
func (s *Server) kbSearchRoutes() []route {
	return []route{
		{"GET /api/v1/kb/search", s.chatCORS(s.limitSource("kb-search", 10, 30, s.handle(s.kbSearch))), false},
		// The browser's CORS preflight for the widget's calls.
		{"OPTIONS /api/v1/kb/search", s.chatCORS(s.limitSource("kb-search preflight", 10, 60, s.handle(s.chatPreflight))), false},
	}
}

var kbLocalePattern = regexp.MustCompile(`^[a-z]{2}(?:-[A-Z]{2})?$`)

// kbSearchAnswer is the API's answer.
type kbSearchAnswer struct {
	Results []kb.Result `json:"results"`
}

func (s *Server) kbSearch(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	var p domain.Problems
	q := strings.TrimSpace(v.Get("q"))
	switch n := utf8.RuneCountInString(q); {
	case n == 0:
		p.Add("q", "is required: the words to search for (e.g. ?q=where+is+my+order)")
	case n > kb.MaxQueryChars:
		p.Add("q", "is %d characters; at most %d", n, kb.MaxQueryChars)
	}
	locale := v.Get("locale")
	if locale != "" && !kbLocalePattern.MatchString(locale) {
		p.Add("locale", "%q is not a locale: use a language code such as en, fr or pt-BR, or leave it out to search every locale", locale)
	}
	limit := 5
	if raw := v.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > kb.MaxLimit {
			p.Add("limit", "%q is not a number from 1 to %d", raw, kb.MaxLimit)
		}
		limit = n
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "the search cannot run: " + p[0].Error(), Fields: p}
	}
	res, err := kb.Search(r.Context(), s.db, kb.Query{Text: q, Locale: locale, Limit: limit})
	if err != nil {
		return err
	}
	if res == nil {
		res = []kb.Result{}
	}
	return writeJSON(w, http.StatusOK, kbSearchAnswer{Results: res})
}
