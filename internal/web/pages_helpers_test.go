package web_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/web"
)

// now is the tests' "today": Wednesday 2026-03-25, so the last complete
// week is 2026-W12 (March 16 to 22).
var now = time.Date(2026, 3, 25, 10, 0, 0, 0, time.UTC)

// clock is an injectable clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeMetrics answers metric queries with made-up but steady figures: each
// group of each dimension has its own level, so cohorts differ, and every
// query is recorded.
type fakeMetrics struct {
	mu      sync.Mutex
	queries []metrics.Query
}

// fakeGroups are the groups of each dimension the fake knows; any other
// dimension has groups "a" and "b".
var fakeGroups = map[string][]string{
	"sales_channel": {"online", "retail", "wholesale"},
	"carrier":       {"DHL", "PostNL", "Royal Mail", "UPS"},
	"channel":       {"chat", "email", "voice"},
	"sku":           {"S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08", "S09", "S10", "S11", "S12"},
}

func (f *fakeMetrics) Run(ctx context.Context, q metrics.Query) (metrics.Result, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	var p domain.Problems
	if !slices.Contains(metrics.Names, q.Metric) {
		p.Add("metric", "%q is not a metric", q.Metric)
	}
	if q.By != "" && !slices.Contains(metrics.Dimensions, q.By) {
		p.Add("by", "%q is not a dimension", q.By)
	}
	// The rules are the engine's, read from the one definition table.
	if q.ReturnAdjusted && !metrics.ReturnAdjustable(q.Metric) {
		p.Add("return_adjusted", "applies to returns_cost and the other return-adjustable metrics, not %s", q.Metric)
	}
	if q.By != "" && !metrics.Applies(q.Metric, q.By) {
		p.Add("by", "%s cannot be cut by %s", q.Metric, q.By)
	}
	from, err1 := time.Parse("2006-01-02", q.From)
	to, err2 := time.Parse("2006-01-02", q.To)
	if err1 != nil || err2 != nil {
		p.Add("from", "not a date")
	}
	if q.Grain == "" {
		q.Grain = "week"
	}
	if len(p) > 0 {
		return metrics.Result{}, &domain.Error{Code: domain.EInvalid, Message: "bad metrics query", Fields: p}
	}
	groups := []*string{nil}
	if q.By != "" {
		groups = nil
		names, ok := fakeGroups[q.By]
		if !ok {
			names = []string{"a", "b"}
		}
		for _, g := range names {
			groups = append(groups, &g)
		}
	}
	res := metrics.Result{Metric: q.Metric, Grain: q.Grain, By: q.By, ReturnAdjusted: q.ReturnAdjusted, Rows: []metrics.Row{}}
	i := 0
	for start := periodStart(from, q.Grain); !start.After(to); start = nextPeriod(start, q.Grain) {
		for _, g := range groups {
			name := ""
			if g != nil {
				name = *g
			}
			h := fnv.New32a()
			io.WriteString(h, q.Metric+"/"+name)
			level := 1 + float64(h.Sum32()%100)/50                          // 1 to 3, by metric and group
			den := 200 + float64(i%7)*10                                    // orders
			num := math.Round(den * level * (1 + 0.1*math.Sin(float64(i)))) // varies week by week
			v := num / den
			row := metrics.Row{Period: periodLabel(start, q.Grain), Start: start.Format("2006-01-02"), Group: g, Value: &v, Numerator: num, Denominator: den}
			if q.ReturnAdjusted && !nextPeriod(start, q.Grain).Before(to.AddDate(0, 0, -21)) {
				est := 1.5 // the last weeks' returns are not all in
				row.EstimatedReturns = &est
			}
			res.Rows = append(res.Rows, row)
		}
		i++
	}
	return res, nil
}

func periodStart(d time.Time, grain string) time.Time {
	switch grain {
	case "day":
		return d
	case "month":
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

func nextPeriod(d time.Time, grain string) time.Time {
	switch grain {
	case "day":
		return d.AddDate(0, 0, 1)
	case "month":
		return d.AddDate(0, 1, 0)
	}
	return d.AddDate(0, 0, 7)
}

func periodLabel(d time.Time, grain string) string {
	switch grain {
	case "day":
		return d.Format("2006-01-02")
	case "month":
		return d.Format("2006-01")
	}
	y, w := d.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

func (f *fakeMetrics) last() metrics.Query {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[len(f.queries)-1]
}

// site is a server for the pages: the fake metrics, the test clock, and
// one user per role (their password is password).
type site struct {
	*app
	clock   *clock
	metrics *fakeMetrics
}

const password = "correct horse battery"

func startSite(t *testing.T, db *store.DB, configure ...func(*web.Server)) *site {
	t.Helper()
	s := &site{clock: &clock{t: now}, metrics: &fakeMetrics{}}
	s.app = start(t, db, append([]func(*web.Server){func(srv *web.Server) {
		srv.Now = s.clock.Now
		srv.Metrics = s.metrics
	}}, configure...)...)
	for _, u := range [][2]string{{"admin@example.com", "admin"}, {"analyst@example.com", "analyst"}, {"agent@example.com", "agent"}} {
		if _, err := auth.AddUser(context.Background(), db, u[0], u[1], password, now); err != nil {
			t.Fatal(err)
		}
	}
	// Figures from the fake stand for a store's data the database does not
	// hold: its Overview is the usual one, as an admin who dismissed the
	// first steps sees it.
	if s.srv.Metrics == web.MetricsSource(s.metrics) {
		if err := db.SetSetting(context.Background(), web.FirstRunSetting, "dismissed"); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// visitor is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so tests see each answer.
type visitor struct {
	t      *testing.T
	s      *site
	client *http.Client
	header http.Header // sent with every request
}

func (s *site) visitor() *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: s.t, s: s, header: http.Header{}, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (v *visitor) do(req *http.Request) reply {
	v.t.Helper()
	for k, vs := range v.header {
		req.Header[k] = vs
	}
	resp, err := v.client.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, data}
}

func (v *visitor) get(path string) reply {
	v.t.Helper()
	req, err := http.NewRequest("GET", v.s.url+path, nil)
	if err != nil {
		v.t.Fatal(err)
	}
	return v.do(req)
}

func (v *visitor) post(path string, form url.Values) reply {
	v.t.Helper()
	req, err := http.NewRequest("POST", v.s.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the form on a page.
func (v *visitor) csrf(page reply) string {
	v.t.Helper()
	m := csrfField.FindSubmatch(page.body)
	if m == nil {
		v.t.Fatalf("no CSRF field on the page (status %d):\n%s", page.status, page.body)
	}
	return string(m[1])
}

// tryLogin fills in and sends the login form.
func (v *visitor) tryLogin(email, pw string) reply {
	v.t.Helper()
	form := v.get("/login")
	return v.post("/login", url.Values{"csrf": {v.csrf(form)}, "email": {email}, "password": {pw}, "next": {"/"}})
}

// login logs in, failing the test if it does not work.
func (v *visitor) login(email string) *visitor {
	v.t.Helper()
	r := v.tryLogin(email, password)
	if r.status != http.StatusSeeOther {
		v.t.Fatalf("login as %s: status %d\n%s", email, r.status, r.body)
	}
	return v
}

// page fetches a page and fails the test unless it has the status.
func (v *visitor) page(path string, status int) string {
	v.t.Helper()
	r := v.get(path)
	if r.status != status {
		v.t.Fatalf("GET %s: status %d, want %d\n%s", path, r.status, status, r.body)
	}
	return string(r.body)
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("page:\n%s", body)
	}
}
