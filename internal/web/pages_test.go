package web_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

func TestLoginSessionLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		v := s.visitor()

		// Logged out, a page sends the browser to log in, and back after.
		r := v.get("/cohorts?by=carrier")
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next="+url.QueryEscape("/cohorts?by=carrier") {
			t.Fatalf("logged-out page: %d to %q", r.status, r.header.Get("Location"))
		}
		form := v.get("/login?next=" + url.QueryEscape("/cohorts?by=carrier"))
		mustContain(t, string(form.body), `name="next" value="/cohorts?by=carrier"`)
		r = v.post("/login", url.Values{"csrf": {v.csrf(form)}, "email": {"Analyst@Example.com"}, "password": {password}, "next": {"/cohorts?by=carrier"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/cohorts?by=carrier" {
			t.Fatalf("login: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
		}
		var session *http.Cookie
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == "qd_session" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" || session.MaxAge <= 0 {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", session)
		}
		body := v.page("/", http.StatusOK)
		mustContain(t, body, "analyst@example.com", `href="/cohorts"`, `href="/explore"`, `action="/logout"`)

		// A logged-in browser skips the login form.
		if r := v.get("/login"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Errorf("login form while logged in: %d to %q", r.status, r.header.Get("Location"))
		}

		// Logging out needs the session's CSRF token.
		if r := v.post("/logout", url.Values{"csrf": {"forged"}}); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "the form had expired") {
			t.Fatalf("logout with a forged token: %d\n%s", r.status, r.body)
		}
		v.page("/", http.StatusOK)
		if r := v.post("/logout", url.Values{"csrf": {v.csrf(v.get("/"))}}); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Fatalf("logout: %d to %q", r.status, r.header.Get("Location"))
		}
		if r := v.get("/"); r.status != http.StatusSeeOther {
			t.Errorf("after logout: %d, want a redirect to the login", r.status)
		}
		// The old session id no longer works, even if a browser kept it.
		stale := s.visitor()
		stale.header.Set("Cookie", "qd_session="+session.Value)
		if r := stale.get("/"); r.status != http.StatusSeeOther {
			t.Errorf("the logged-out session id still opens pages: %d", r.status)
		}
	})
}

func TestSessionsEndWhenIdle(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("admin@example.com")
	s.clock.Add(auth.SessionIdle - time.Minute)
	v.page("/", http.StatusOK) // used: pushed forward
	s.clock.Add(auth.SessionIdle - time.Minute)
	v.page("/", http.StatusOK)
	s.clock.Add(auth.SessionIdle + time.Minute)
	if r := v.get("/"); r.status != http.StatusSeeOther {
		t.Fatalf("after a week unused: %d, want the login", r.status)
	}
}

func TestWrongPasswordsAndTheLoginLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db, func(srv *web.Server) { srv.BehindProxy = true })
		from := func(ip string) *visitor {
			v := s.visitor()
			v.header.Set("X-Forwarded-For", "198.51.100.7, "+ip)
			return v
		}
		mallory := from("203.0.113.1")
		r := mallory.tryLogin("admin@example.com", "guess 1")
		if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "Wrong email or password.") {
			t.Fatalf("wrong password: %d\n%s", r.status, r.body)
		}
		if r := mallory.tryLogin("nobody@example.com", "guess"); !strings.Contains(string(r.body), "Wrong email or password.") {
			t.Errorf("an unknown email must get the same answer as a wrong password:\n%s", r.body)
		}
		for i := 2; i <= 5; i++ {
			mallory.tryLogin("admin@example.com", "guess "+strconv.Itoa(i))
		}
		// Five failures for the account from this address: the next attempt
		// from it is refused unchecked, even with the right password.
		r = mallory.tryLogin("admin@example.com", password)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "900" || !strings.Contains(string(r.body), "Try again in 15 minutes") {
			t.Fatalf("login after 5 failures: %d, Retry-After %q\n%s", r.status, r.header.Get("Retry-After"), r.body)
		}
		// The attacker cannot lock the admin out: from anywhere else the
		// admin logs in as usual, and other accounts still can from there.
		from("203.0.113.2").login("admin@example.com")
		from("203.0.113.1").login("analyst@example.com")
		// An address that tries many accounts is refused for all of them.
		s.clock.Add(5 * time.Minute)
		for i := range web.AddressFailures - 6 {
			from("203.0.113.1").tryLogin(fmt.Sprintf("user%d@example.com", i), "guess")
		}
		r = from("203.0.113.1").tryLogin("agent@example.com", password)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "600" {
			t.Fatalf("an address past %d failures: %d, Retry-After %q", web.AddressFailures, r.status, r.header.Get("Retry-After"))
		}
		from("203.0.113.3").login("agent@example.com")

		s.clock.Add(10 * time.Minute)
		from("203.0.113.1").login("admin@example.com")
	})
}

func TestLoginFormsAreProtectedFromOtherSites(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor()
	form := v.get("/login")
	token := v.csrf(form)
	good := url.Values{"csrf": {token}, "email": {"admin@example.com"}, "password": {password}}

	// No CSRF cookie (a forged form on another site cannot set it).
	bare := s.visitor()
	if r := bare.post("/login", good); r.status != http.StatusForbidden || !strings.Contains(string(r.body), "login form had expired") {
		t.Errorf("login without the form's cookie: %d", r.status)
	}
	// The wrong token.
	if r := v.post("/login", url.Values{"csrf": {"x" + token}, "email": {"admin@example.com"}, "password": {password}}); r.status != http.StatusForbidden {
		t.Errorf("login with another token: %d", r.status)
	}
	// A browser says the form came from another site.
	for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		w := s.visitor()
		tok := w.csrf(w.get("/login"))
		w.header.Set(h[0], h[1])
		r := w.post("/login", url.Values{"csrf": {tok}, "email": {"admin@example.com"}, "password": {password}})
		if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "sent from another site") {
			t.Errorf("login with %s: %s: %d\n%s", h[0], h[1], r.status, r.body)
		}
	}
	// The same, logged in: logging out from another site is refused.
	v.login("admin@example.com")
	tok := v.csrf(v.get("/"))
	v.header.Set("Sec-Fetch-Site", "cross-site")
	if r := v.post("/logout", url.Values{"csrf": {tok}}); r.status != http.StatusForbidden {
		t.Errorf("cross-site logout: %d", r.status)
	}
	v.header.Set("Sec-Fetch-Site", "same-origin")
	if r := v.post("/logout", url.Values{"csrf": {tok}}); r.status != http.StatusSeeOther {
		t.Errorf("same-origin logout: %d", r.status)
	}
	// An open redirect through next is not possible.
	w := s.visitor()
	r := w.post("/login", url.Values{"csrf": {w.csrf(w.get("/login"))}, "email": {"admin@example.com"}, "password": {password}, "next": {"//evil.example/"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Errorf("login with next=//evil.example/: to %q", r.header.Get("Location"))
	}
}

func TestSessionCookieIsSecureOverHTTPS(t *testing.T) {
	for _, c := range []struct {
		name        string
		behindProxy bool
		prepare     func(*http.Request)
		secure      bool
	}{
		{"TLS", false, func(r *http.Request) { r.TLS = &tls.ConnectionState{} }, true},
		{"proxy said https", true, func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "https") }, true},
		{"untrusted X-Forwarded-Proto", false, func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "https") }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := startSite(t, storetest.Open(t, store.SQLite), func(srv *web.Server) { srv.BehindProxy = c.behindProxy })
			h := s.srv.Handler()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/login", nil)
			c.prepare(req)
			h.ServeHTTP(rec, req)
			loginCookie := rec.Result().Cookies()[0]
			token := s.visitor().csrf(reply{body: rec.Body.Bytes()})

			rec = httptest.NewRecorder()
			req = httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"csrf": {token}, "email": {"admin@example.com"}, "password": {password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(loginCookie)
			c.prepare(req)
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("login: %d\n%s", rec.Code, rec.Body)
			}
			for _, ck := range rec.Result().Cookies() {
				if ck.Name == "qd_session" && ck.Secure != c.secure {
					t.Errorf("session cookie Secure=%v, want %v", ck.Secure, c.secure)
				}
			}
		})
	}
}

func TestRolesSeeTheirPages(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	agent := s.visitor().login("agent@example.com")
	if r := agent.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/inbox" {
		t.Errorf("an agent's home: %d to %q, want the inbox", r.status, r.header.Get("Location"))
	}
	body := agent.page("/inbox", http.StatusOK)
	mustContain(t, body, `>Inbox</a>`)
	if strings.Contains(body, `href="/cohorts"`) {
		t.Error("an agent's navigation links to the dashboards")
	}
	for _, path := range []string{"/cohorts", "/explore"} {
		body := agent.page(path, http.StatusForbidden)
		mustContain(t, body, "this page is for the admin and analyst roles", "agent@example.com is logged in as agent")
	}
	if r := agent.get("/api/v1/metrics?metric=cpo&from=2026-03-16&to=2026-03-22"); r.status != http.StatusForbidden || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("metrics API for an agent's session: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, email := range []string{"admin@example.com", "analyst@example.com"} {
		v := s.visitor().login(email)
		for _, path := range []string{"/", "/cohorts", "/explore"} {
			v.page(path, http.StatusOK)
		}
	}
}

func TestOverview(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("analyst@example.com")
	body := v.page("/", http.StatusOK)
	mustContain(t, body, "week 2026-W12, 2026-03-16 to 2026-03-22", "Contacts per order", "Support cost per order",
		"Contribution per order", "Contact rate", "Self-service rate", "vs week before", `data-chart="`,
		`href="/api/v1/metrics?format=csv&amp;from=2025-09-22&amp;grain=week&amp;metric=cpo_lag_adjusted&amp;to=2026-03-22"`, `href="/?week=2026-W11"`,
		// The headline CPO is lag-adjusted, with its orders and the period CPO beside it.
		"Contacts per order (lag-adjusted)", `<p class="orders">`, "period CPO ",
		// Service beside it: the medians say what they are of, in hours or minutes.
		"First response time", "Resolution time", "Customer satisfaction (CSAT)", "median of 240 contacts answered", " h</p>")
	if n := strings.Count(body, `class="chart"`); n != 8 {
		t.Errorf("%d charts, want 8", n)
	}
	mustContain(t, body, "return-adjusted: 1.50 of returns estimated", "metric=contribution_per_order&amp;return_adjusted=true")
	if strings.Contains(body, "Week after") {
		t.Error("the last complete week links to a week after it")
	}
	q := s.metrics.last()
	if q.Metric != "csat" || q.From != "2025-09-22" || q.To != "2026-03-22" || q.Grain != "week" || q.By != "" {
		t.Errorf("last query %+v: want 26 weeks to 2026-03-22", q)
	}

	body = v.page("/?week=2026-W02", http.StatusOK)
	mustContain(t, body, "2026-01-05 to 2026-01-11", `href="/?week=2026-W03"`)
	body = v.page("/?week=soon", http.StatusBadRequest)
	mustContain(t, body, "is not a week", "week 2026-W12")
}

func TestCohorts(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("analyst@example.com")
	body := v.page("/cohorts", http.StatusOK)
	mustContain(t, body, `id="heatmap" data-metric="cpo" data-by="sales_channel"`, "Contacts per order by Sales channel",
		"<th scope=\"row\">online</th>", "<th scope=\"row\">wholesale</th>", "2026-W01", "2026-W12", `class="heat-`)
	if q := s.metrics.last(); q.From != "2025-12-29" || q.To != "2026-03-22" || q.By != "sales_channel" {
		t.Errorf("query %+v: want 12 weeks to 2026-03-22 by sales_channel", q)
	}
	// The table is worst first: for CPO, the highest first.
	table := body[strings.Index(body, `id="cohort-table"`):]
	var values []float64
	for _, part := range strings.Split(table, `<th scope="row">`)[1:] {
		sortKey := part[strings.Index(part, `data-sort="`)+len(`data-sort="`):]
		f, err := strconv.ParseFloat(sortKey[:strings.Index(sortKey, `"`)], 64)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, f)
	}
	if len(values) != 3 || values[0] < values[1] || values[1] < values[2] {
		t.Errorf("cohort values in table order %v: want 3, highest CPO first", values)
	}

	body = v.page("/cohorts?metric=contribution_per_order&by=carrier&weeks=26&week=2026-W10", http.StatusOK)
	mustContain(t, body, `data-by="carrier"`, "Royal Mail", "2025-W37", "2026-W10", "Over 26 weeks")
	if strings.Contains(body, "2026-W11") {
		t.Error("weeks after the chosen one are shown")
	}

	// Cohorts download as CSV, worst first.
	r := v.get("/cohorts?by=carrier&format=csv")
	if r.status != 200 || r.header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(r.header.Get("Content-Disposition"), `filename="cohorts-cpo-by-carrier-2026-W12.csv"`) {
		t.Fatalf("cohorts CSV: %d %v", r.status, r.header)
	}
	lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
	if len(lines) != 5 || lines[0] != "carrier,cpo,numerator,denominator,last_week,change_vs_week_before" {
		t.Errorf("cohorts CSV:\n%s", r.body)
	}

	// Bad choices are explained beside the form.
	body = v.page("/cohorts?metric=happiness&by=mood&weeks=7", http.StatusBadRequest)
	mustContain(t, body, `metric: &#34;happiness&#34; is not a metric`, `by: &#34;mood&#34; is not a dimension`, "weeks: choose [8 12 26 52] weeks", `<form class="controls"`)
	body = v.page("/cohorts?metric=return_cost_ratio&by=discount_code&return_adjusted=1", http.StatusOK)
	mustContain(t, body, `name="return_adjusted" value="1" checked`, "return_adjusted=true")
	if q := s.metrics.last(); !q.ReturnAdjusted {
		t.Errorf("the return-adjusted box was not passed on: %+v", q)
	}
	body = v.page("/cohorts?metric=cpo&return_adjusted=1", http.StatusBadRequest)
	mustContain(t, body, "return_adjusted: applies to returns_cost")
	body = v.page("/cohorts?metric=first_contact_resolution&by=carrier", http.StatusBadRequest)
	mustContain(t, body, "first_contact_resolution cannot be cut by carrier")
}

func TestExplore(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("admin@example.com")
	body := v.page("/explore", http.StatusOK)
	mustContain(t, body, `id="explore-chart"`, `id="explore-table"`, "2026-W12", "Contacts per order, 2025-12-29 to 2026-03-22")
	body = v.page("/explore?metric=contacts&by=channel&grain=day&from=2026-03-01&to=2026-03-07", http.StatusOK)
	mustContain(t, body, "Contacts by Contact channel", `<td class="text">voice</td>`, "2026-03-07", "format=csv")
	if q := s.metrics.last(); q != (metrics.Query{Metric: "contacts", From: "2026-03-01", To: "2026-03-07", Grain: "day", By: "channel"}) {
		t.Errorf("query %+v", q)
	}
	v.page("/explore?metric=variable_cost_ratio&return_adjusted=on", http.StatusOK)
	if q := s.metrics.last(); !q.ReturnAdjusted || q.Metric != "variable_cost_ratio" {
		t.Errorf("query %+v: want return-adjusted", q)
	}
	// Many groups: the chart draws the largest, the table has all.
	body = v.page("/explore?grain=month&by=sku", http.StatusOK)
	mustContain(t, body, "2025-03", "2026-02", "The chart shows the 8 largest of 12 groups", "<td class=\"text\">S12</td>")
	body = v.page("/explore?from=2026-03-10&to=2026-03-01&grain=year", http.StatusBadRequest)
	mustContain(t, body, "grain: &#34;year&#34; is not day, week or month")
	body = v.page("/explore?from=yesterday", http.StatusBadRequest)
	mustContain(t, body, "from: &#34;yesterday&#34; is not a date")
}

func TestErrorsAndNotFoundArePagesForBrowsers(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor()
	r := v.get("/no-such-page")
	if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "there is no page /no-such-page") {
		t.Errorf("unknown page: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if r := v.get("/api/v1/nothing"); r.status != 404 || strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("unknown API path: %d %s, want the API's plain 404", r.status, r.header.Get("Content-Type"))
	}
	if r := v.get("/api/v1/orders"); r.status != 405 {
		t.Errorf("GET of a POST-only API route: %d, want 405", r.status)
	}
	v.login("admin@example.com")
	body := v.page("/still-nothing", http.StatusNotFound)
	mustContain(t, body, "admin@example.com", `href="/cohorts"`) // the navigation, for a way back
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if r := v.get("/"); r.header.Get(h) == "" {
			t.Errorf("pages lack %s", h)
		}
	}
	if r := v.get("/"); r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("a page with figures may be cached: Cache-Control %q", r.header.Get("Cache-Control"))
	}
}

func TestStaticFiles(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("admin@example.com")
	body := v.page("/", http.StatusOK)
	i := strings.Index(body, `/static/app.js?v=`)
	if i < 0 {
		t.Fatalf("the page does not load app.js with a version")
	}
	url := body[i : i+strings.Index(body[i:], `"`)]
	r := v.get(url)
	if r.status != 200 || r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Errorf("versioned app.js: %d %v", r.status, r.header)
	}
	if r := v.get("/static/app.js"); r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unversioned app.js: Cache-Control %q", r.header.Get("Cache-Control"))
	}
	for _, path := range []string{"/static/nope.js", "/static/", "/static/vendor", "/static/../server.go"} {
		if r := v.get(path); r.status != 404 {
			t.Errorf("%s: %d, want 404", path, r.status)
		}
	}
}

// TestChartLibraryIsEmbedded fails when the binary was built without
// `make assets`: the pages would have no charts.
func TestChartLibraryIsEmbedded(t *testing.T) {
	s := startSite(t, storetest.Open(t, store.SQLite))
	v := s.visitor().login("admin@example.com")
	body := v.page("/", http.StatusOK)
	if strings.Contains(body, "lacks its chart library") {
		t.Fatal("this build lacks the chart library: run make assets (npm ci, then a copy into internal/web/static/vendor)")
	}
	for _, f := range []string{"vendor/uPlot.iife.min.js", "vendor/uPlot.min.css"} {
		i := strings.Index(body, "/static/"+f+"?v=")
		if i < 0 {
			t.Fatalf("the layout does not load %s", f)
		}
		r := v.get(body[i : i+strings.Index(body[i:], `"`)])
		if r.status != 200 || len(r.body) < 1000 {
			t.Errorf("%s: %d, %d bytes", f, r.status, len(r.body))
		}
	}
	if r := v.get("/static/vendor/uPlot.iife.min.js"); !strings.Contains(string(r.body), "uPlot") {
		t.Error("the embedded script is not uPlot")
	}
}
