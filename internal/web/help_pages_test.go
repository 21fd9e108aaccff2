package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// helpNow is when the help-centre tests' articles were written.
var helpNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// helpArticles are a small help centre: two published answers in
// English, one translated into French, and a draft.
var helpArticles = []kb.Article{
	{Slug: "where-is-my-order", Locale: "en", Title: "Where is my order?", Category: "Shipping", Status: kb.Published,
		Body: "Every order ships with a **tracking link**, sent by mail the day it leaves our workshop.", Chat: "Your shipping mail has a tracking link."},
	{Slug: "delivery-times", Locale: "en", Title: "How long does delivery take?", Category: "Shipping", Status: kb.Published,
		Body: "Orders arrive in 2 to 4 working days in Europe."},
	{Slug: "where-is-my-order", Locale: "fr", Title: "Où est ma commande ?", Category: "Livraison", Status: kb.Published,
		Body: "Chaque commande part avec un lien de suivi."},
	{Slug: "return-an-item", Locale: "en", Title: "How do I return an item?", Category: "Returns", Status: kb.Published,
		Body: "You have 30 days to return an item in its original condition."},
	{Slug: "secret-sale", Locale: "en", Title: "Secret sale next week", Category: "Shipping", Status: kb.Draft,
		Body: "Not yet."},
}

// seedHelp stores articles and the help centre's settings.
func seedHelp(t *testing.T, db *store.DB, arts []kb.Article, settings map[string]string) {
	t.Helper()
	ctx := context.Background()
	err := db.WriteTx(ctx, func(tx *store.Tx) error {
		for _, a := range arts {
			if _, err := kb.Save(ctx, tx, &a, "test", "", helpNow); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range settings {
		if err := db.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
}

var helpSettings = map[string]string{
	kb.SettingHelpName: "Raincoat & Co", kb.SettingHelpLogoURL: "https://cdn.raincoat.example/logo.png",
	kb.SettingHelpLocales: "en,fr", store.SiteURLSetting: "https://help.raincoat.example/",
}

// get sends a GET with headers.
func (a *app) get(path string, header map[string]string) reply {
	a.t.Helper()
	req, err := http.NewRequest("GET", a.url+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return reply{resp.StatusCode, resp.Header, []byte(b.String())}
}

func wantStatus(t *testing.T, r reply, status int, what string) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, r.body)
	}
	return string(r.body)
}

func mustNotContain(t *testing.T, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("the page holds %q", b)
		}
	}
}

// TestHelpCentrePages reads every page of the help centre as a search
// engine and a visitor without script would: published articles only, in
// the locale asked, with canonical links from site.url, the brand's CSP,
// and no row written by any GET.
func TestHelpCentrePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedHelp(t, db, helpArticles, helpSettings)
		a := start(t, db)

		home := a.get("/help", map[string]string{"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
		body := wantStatus(t, home, 200, "GET /help in French")
		mustContain(t, body, `<html lang="fr">`, "Où est ma commande ?", `href="/help/fr/categories/livraison"`, `<link rel="canonical" href="https://help.raincoat.example/help/fr">`)
		if v := home.header.Get("Vary"); !strings.Contains(v, "Accept-Language") {
			t.Errorf("GET /help varies by %q, want Accept-Language", v)
		}
		body = wantStatus(t, a.get("/help/en", nil), 200, "GET /help/en")
		mustContain(t, body, "Raincoat &amp; Co", "Where is my order?", "How do I return an item?", `href="/help/orders"`, "Track an order",
			`<h2><a href="/help/en/categories/shipping">Shipping</a></h2>`, `src="https://cdn.raincoat.example/logo.png"`)
		mustNotContain(t, body, "Secret sale")

		art := a.get("/help/en/articles/where-is-my-order", nil)
		body = wantStatus(t, art, 200, "the article")
		mustContain(t, body, "<h1>Where is my order?</h1>", "<strong>tracking link</strong>",
			`<link rel="canonical" href="https://help.raincoat.example/help/en/articles/where-is-my-order">`,
			`<meta name="description" content="Your shipping mail has a tracking link.">`,
			`href="/help/fr/articles/where-is-my-order"`, `href="/help/en/articles/delivery-times"`, "Did this answer your question?",
			`action="/help/en/articles/where-is-my-order/feedback"`, `name="helpful" value="no"`)
		mustNotContain(t, body, "secret-sale")
		if csp := art.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://cdn.raincoat.example;") || !strings.Contains(csp, "script-src 'self';") {
			t.Errorf("the article's CSP is %q", csp)
		}
		if cc := art.header.Get("Cache-Control"); cc != "public, max-age=300" {
			t.Errorf("the article's Cache-Control is %q", cc)
		}
		if again := a.get("/help/en/articles/where-is-my-order", map[string]string{"If-None-Match": art.header.Get("ETag")}); again.status != 304 {
			t.Errorf("the article again with its ETag: status %d, want 304", again.status)
		}

		for _, path := range []string{"/help/en/articles/secret-sale", "/help/en/articles/no-such-thing", "/help/fr/articles/delivery-times",
			"/help/de/articles/where-is-my-order", "/help/de", "/help/en/categories/nothing", "/help/en/what/ever"} {
			body := wantStatus(t, a.get(path, nil), 404, path)
			mustContain(t, body, "This page is not here", "Raincoat &amp; Co", `action="/help/search"`)
			mustNotContain(t, body, "Not yet.")
		}

		body = wantStatus(t, a.get("/help/en/categories/shipping", nil), 200, "the Shipping category")
		mustContain(t, body, "<h1>Shipping</h1>", "Where is my order?", "How long does delivery take?")
		mustNotContain(t, body, "Secret sale", "How do I return")

		body = wantStatus(t, a.get("/help/search?q=order&locale=en", nil), 200, "a search")
		mustContain(t, body, `href="/help/en/articles/where-is-my-order"`, `data-shown="where-is-my-order delivery-times"`)
		hostile := `<img src=x onerror=alert(1)>"umbrella`
		body = wantStatus(t, a.get("/help/search?locale=en&q="+url.QueryEscape(hostile), nil), 200, "a hostile search")
		mustContain(t, body, "No answer found for “&lt;img src=x onerror=alert(1)&gt;&#34;umbrella”", `href="/help/contact?locale=en&amp;q=%3cimg`)
		mustNotContain(t, body, "<img src=x")

		sitemap := wantStatus(t, a.get("/help/sitemap.xml", nil), 200, "the sitemap")
		mustContain(t, sitemap, "<loc>https://help.raincoat.example/help/en/articles/where-is-my-order</loc>", "<loc>https://help.raincoat.example/help/fr/articles/where-is-my-order</loc>",
			"<lastmod>2026-11-23</lastmod>", "<loc>https://help.raincoat.example/help/fr</loc>")
		mustNotContain(t, sitemap, "secret-sale")
		robots := wantStatus(t, a.get("/robots.txt", nil), 200, "robots.txt")
		mustContain(t, robots, "Allow: /help\n", "Sitemap: https://help.raincoat.example/help/sitemap.xml")

		for _, table := range []string{"self_service_sessions", "kb_searches", "self_service_shown", "kb_feedback"} {
			if n := a.count(table); n != 0 {
				t.Errorf("reading pages wrote %d rows to %s", n, table)
			}
		}

		// A new version shows at once: the page cache follows the revision.
		edited := helpArticles[0]
		edited.Title = "Where is my parcel?"
		seedHelp(t, db, []kb.Article{edited}, nil)
		mustContain(t, wantStatus(t, a.get("/help/en/articles/where-is-my-order", nil), 200, "the edited article"), "<h1>Where is my parcel?</h1>")
	})
}

// TestHelpTheme: the brand's colour reaches the pages as a stylesheet; a
// light colour gets dark header text and darker links, so text stays
// readable (4.5:1).
func TestHelpTheme(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	seedHelp(t, db, nil, map[string]string{kb.SettingHelpColor: "#FFDD00"})
	a := start(t, db)
	body := wantStatus(t, a.get("/help", nil), 200, "home")
	i := strings.Index(body, `href="/help/theme.css?v=`)
	if i < 0 {
		t.Fatalf("no theme stylesheet on the page:\n%s", body)
	}
	href := body[i+6 : i+6+strings.Index(body[i+6:], `"`)]
	css := a.get(href, nil)
	got := wantStatus(t, css, 200, "theme.css")
	if want := ":root { --brand: #ffdd00; --brand-ink: #111111; --brand-link: #887500; }\n"; got != want {
		t.Errorf("theme.css is %q, want %q", got, want)
	}
	if cc := css.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("the versioned theme's Cache-Control is %q", cc)
	}
	if cc := a.get("/help/theme.css", nil).header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("the unversioned theme's Cache-Control is %q", cc)
	}
	// A value stored before its check existed is not drawn.
	if err := db.SetSetting(context.Background(), kb.SettingHelpColor, "red;}body{display:none"); err != nil {
		t.Fatal(err)
	}
	if got := string(a.get("/help/theme.css", nil).body); !strings.Contains(got, "--brand: #2f5d8a;") {
		t.Errorf("a bad colour setting gave %q", got)
	}
}
