package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/kb"
)

// The self-service measures (docs/self-service.md): the page for those who
// read dashboards and GET /api/v1/self-service, both from kb.BuildReport,
// the figures `quietdesk kb report` prints.

// selfServiceReport reads the report of the request's from and to.
func (s *Server) selfServiceReport(r *http.Request) (*kb.Report, error) {
	q := r.URL.Query()
	var p domain.Problems
	for k := range q {
		if k != "from" && k != "to" {
			p.Add(k, "is not a parameter: use from and to (YYYY-MM-DD)")
		}
	}
	if len(p) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "bad self-service query", Fields: p}
	}
	if s.Metrics == nil {
		return nil, domain.Errorf(eUnavailable, "this server has no metrics engine")
	}
	return kb.BuildReport(r.Context(), s.db, s.Metrics, q.Get("from"), q.Get("to"), s.Now())
}

// getSelfService answers GET /api/v1/self-service?from=&to=.
func (s *Server) getSelfService(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.selfServiceReport(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(rep)
}

type selfServiceData struct {
	From, To string
	Report   *kb.Report
	Rate     string
	Chart    *chartData
	Articles []articleLine
	Failing  []failingLine
	NoResult []noResultLine
	API      string
}

type articleLine struct {
	kb.ArticleDeflection
	Name, Edit                           string
	ShownPct, OthersPct, Deflect, Bounds string
}

type failingLine struct {
	kb.FailingArticle
	Name, Edit, Followed string
}

type noResultLine struct {
	kb.NoResultSearch
	Write string
}

// selfServicePage answers GET /self-service?from=&to=.
func (s *Server) selfServicePage(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	d := &selfServiceData{From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to")}
	v := &view{Title: "Self-service", Session: sess, Nav: "self-service", Data: d}
	rep, err := s.selfServiceReport(r)
	if invalid(err) {
		v.Notice = err.Error()
		return s.render(w, statusOf(domain.EInvalid), "self_service", v)
	}
	if err != nil {
		return err
	}
	d.Report, d.From, d.To = rep, rep.From, rep.To
	d.API = "/api/v1/self-service?" + url.Values{"from": {rep.From}, "to": {rep.To}}.Encode()
	d.Rate = percent(rep.SelfServiceRate)
	if len(rep.Weekly) > 1 {
		d.Chart = &chartData{Format: "percent", Series: []chartSeries{{Label: "Self-service rate"}}}
		for _, wk := range rep.Weekly {
			d.Chart.Labels = append(d.Chart.Labels, wk.Week)
			d.Chart.Series[0].Values = append(d.Chart.Series[0].Values, wk.Rate)
		}
	}
	for _, a := range rep.Articles {
		line := articleLine{ArticleDeflection: a, Name: orDefault(a.Title, a.Slug), Edit: articleEditURL(a.Locale, a.Slug),
			ShownPct: percent(a.ShownRate), OthersPct: percent(a.OthersRate), Deflect: points(a.Deflection)}
		if a.Low != nil {
			line.Bounds = points(a.Low) + " to " + points(a.High)
		}
		d.Articles = append(d.Articles, line)
	}
	for _, f := range rep.Failing {
		d.Failing = append(d.Failing, failingLine{FailingArticle: f, Name: orDefault(f.Title, f.Slug), Edit: articleEditURL(f.Locale, f.Slug), Followed: percent(f.FollowedRate)})
	}
	for _, n := range rep.NoResult {
		d.NoResult = append(d.NoResult, noResultLine{NoResultSearch: n, Write: "/kb/new?" + url.Values{"title": {n.Example}}.Encode()})
	}
	return s.render(w, http.StatusOK, "self_service", v)
}

// articleEditURL is the article's page in the knowledge-base editor.
func articleEditURL(locale, slug string) string {
	return "/kb/" + url.PathEscape(orDefault(locale, "en")) + "/" + url.PathEscape(slug)
}

// percent writes a share as a percentage; "–" when there is none.
func percent(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
}

// points writes a difference of shares in percentage points, signed.
func points(v *float64) string {
	if v == nil {
		return "–"
	}
	s := strconv.FormatFloat(100**v, 'f', 1, 64)
	if *v >= 0 {
		s = "+" + s
	}
	return s + " pts"
}
