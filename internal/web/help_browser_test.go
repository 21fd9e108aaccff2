package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/chat"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// hostileArticle is Markdown written to run code in readers' browsers:
// every payload sets window.__pwned if it runs.
var hostileArticle = kb.Article{Slug: "hostile", Locale: "en", Title: "Care instructions", Category: "Care", Status: kb.Published, Body: `Wash cold.

<script>window.__pwned = 'script';</script>

<img src="/static/help.css" onerror="window.__pwned = 'onerror'" alt="care label">

<img src="x" onerror="window.__pwned = 'img'">

[Read more](javascript:window.__pwned='link')

<a href="javascript:window.__pwned='raw'" onclick="window.__pwned='onclick'">raw link</a>

<iframe src="javascript:window.__pwned='iframe'"></iframe>

<svg onload="window.__pwned='svg'"><circle r="4"></circle></svg>

<form action="https://evil.example/"><input name="card" onfocus="window.__pwned='focus'" autofocus></form>

<div style="background:url(javascript:alert(1))" onmouseover="window.__pwned='hover'">Dry flat.</div>
`}

// domAudit reads what of the payloads reached the page.
const domAudit = `(() => ({
  pwned: String(window.__pwned || ''),
  scripts: Array.from(document.scripts).map((s) => s.src ? new URL(s.src).pathname : 'inline'),
  iframes: document.querySelectorAll('iframe, object, embed, svg, form[action^="https://evil"]').length,
  handlers: Array.from(document.querySelectorAll('*')).flatMap((e) => Array.from(e.attributes).filter((a) => a.name.startsWith('on') || a.name === 'style').map((a) => e.tagName + ' ' + a.name)),
  jsLinks: Array.from(document.querySelectorAll('[href], [src]')).filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || '')).length,
}))()`

type audit struct {
	Pwned    string
	Scripts  []string
	Iframes  int
	Handlers []string
	JSLinks  int
}

func (a audit) clean() bool {
	return a.Pwned == "" && len(a.Scripts) == 1 && strings.HasPrefix(a.Scripts[0], "/static/help.js") && a.Iframes == 0 && len(a.Handlers) == 0 && a.JSLinks == 0
}

// TestBrowserHelpSanitiser opens, in Chromium, an article whose Markdown
// holds script, event handlers, javascript: links and raw frames: nothing
// runs and none of it is in the page. What customers type (a search, the
// contact form) comes back as text.
func TestBrowserHelpSanitiser(t *testing.T) {
	ctx, _ := chromium(t)
	db := storetest.Open(t, store.SQLite)
	seedHelp(t, db, []kb.Article{hostileArticle}, nil)
	a := start(t, db)
	look := func(what string) audit {
		t.Helper()
		if err := waitFor(t, ctx, what+" loaded", `document.readyState === 'complete'`); err != nil {
			t.Fatal(err)
		}
		// Give an image's error event, a focus or a load time to fire.
		time.Sleep(300 * time.Millisecond)
		got, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[audit](domAudit))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !got.clean() {
			t.Errorf("%s: payloads reached the page: %+v", what, got)
		}
		return got
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(a.url+"/help/en/articles/hostile"), chromedp.WaitVisible(`.help-body`)); err != nil {
		t.Fatal(err)
	}
	look("the article")
	text, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('.help-body').textContent`))
	if err != nil || !strings.Contains(text, "Wash cold.") || !strings.Contains(text, "Read more") {
		t.Errorf("the article's own words are gone: %q (%v)", text, err)
	}
	// Hovering and clicking what is left runs nothing either.
	if _, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`Array.from(document.querySelectorAll('.help-body a, .help-body div')).forEach((e) => {
		e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
		if (e.tagName === 'A') { e.addEventListener('click', (ev) => ev.preventDefault()); e.click(); }
	}); true`)); err != nil {
		t.Fatal(err)
	}
	look("the article after clicks")

	hostile := `<img src=x onerror="window.__pwned='search'"><script>window.__pwned='q'</script>`
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(a.url+"/help/search?locale=en&q="+url.QueryEscape(hostile)), chromedp.WaitVisible(`main h2`)); err != nil {
		t.Fatal(err)
	}
	look("the search")
	if v, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.getElementById('help-q').value`)); err != nil || v != hostile {
		t.Errorf("the search box holds %q (%v), want the query as typed", v, err)
	}

	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(a.url+"/help/contact"), chromedp.WaitVisible(`#contact-message`),
		chromedp.SendKeys(`#contact-name`, hostile), chromedp.SendKeys(`#contact-email`, `"><script>window.__pwned='email'</script>`),
		chromedp.Click(`.help-contact button[name=send]`), chromedp.WaitVisible(`#contact-email-error`)); err != nil {
		t.Fatal(err)
	}
	look("the contact form sent back")
	if v, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.getElementById('contact-name').value`)); err != nil || v != hostile {
		t.Errorf("the name field holds %q (%v), want the name as typed", v, err)
	}
}

// axeViolations runs axe-core's WCAG 2 A and AA rules on the page.
const axeViolations = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}, resultTypes: ['violations']})
  .then((r) => ({rules: r.passes.length + r.violations.length + r.incomplete.length, contrast: r.passes.some((p) => p.id === 'color-contrast'), violations: r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.map((n) => n.target.join(' ') + ' ' + n.failureSummary).join(' | '))}))`

type axeResult struct {
	Rules      int
	Contrast   bool // colour contrast was checked and passed
	Violations []string
}

// axeScript is axe-core, installed from npm by make assets.
func axeScript(t *testing.T) string {
	t.Helper()
	path := filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("QUIETDESK_REQUIRE_BROWSER") != "" {
			t.Fatalf("QUIETDESK_REQUIRE_BROWSER is set but axe-core is not installed (run make assets): %v", err)
		}
		t.Skipf("accessibility check skipped: axe-core is not installed at %s (run make assets)", path)
	}
	return string(b)
}

// TestBrowserHelpAccessibility checks the help centre's home, an article,
// search results and the contact form (as sent back with errors and as it
// shows suggestions) against WCAG 2 A and AA with axe-core in Chromium,
// colour contrast included, in the default colours and a brand's light
// yellow.
func TestBrowserHelpAccessibility(t *testing.T) {
	axe := axeScript(t)
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	settings := map[string]string{kb.SettingHelpName: "Raincoat & Co", kb.SettingHelpLocales: "en,fr"}
	seedHelp(t, db, helpArticles, settings)
	a := start(t, db)
	check := func(what string) {
		t.Helper()
		got, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[axeResult](axe+";\n"+axeViolations, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: run axe: %v", what, err)
		}
		if got.Rules < 20 || !got.Contrast {
			t.Errorf("%s: axe ran only %d rules, colour contrast passed: %v", what, got.Rules, got.Contrast)
		}
		for _, v := range got.Violations {
			t.Errorf("%s: %s", what, v)
		}
		t.Logf("axe on %s: %d WCAG 2 A/AA rules applied, %d violations", what, got.Rules, len(got.Violations))
	}
	for _, color := range []string{"", "#ffdd00"} {
		if err := db.SetSetting(context.Background(), kb.SettingHelpColor, color); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ what, path, ready string }{
			{"the home", "/help/en", ".help-categories"},
			{"an article", "/help/en/articles/where-is-my-order", ".help-feedback"},
			{"search results", "/help/search?locale=en&q=order", ".help-results"},
			{"no search result", "/help/search?locale=en&q=umbrella", ".help-noresult"},
			{"the contact form", "/help/contact", "#contact-message"},
		} {
			if err := chromedp.Do(step(t, ctx), chromedp.Navigate(a.url+p.path), chromedp.WaitVisible(p.ready)); err != nil {
				t.Fatalf("%s: %v", p.what, err)
			}
			check(p.what + " " + color)
		}
		if err := chromedp.Do(step(t, ctx), chromedp.Click(`.help-contact button[name=send]`), chromedp.WaitVisible(`#contact-email-error`)); err != nil {
			t.Fatal(err)
		}
		check("the contact form with errors " + color)
		if err := chromedp.Do(step(t, ctx), chromedp.SendKeys(`#contact-message`, "where is my order"), chromedp.WaitVisible(`[data-suggestions] li`)); err != nil {
			t.Fatal(err)
		}
		check("the contact form with suggestions " + color)
	}
	// The form sent back with its errors is a 400, on purpose.
	if p := slices.DeleteFunc(problems(), func(p string) bool {
		return strings.Contains(p, "status of 400") && strings.HasSuffix(p, "/help/contact")
	}); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}

// TestBrowserHelpCustomerPath follows a customer: they search the help
// centre, read an article, say it did not answer (a kb_feedback row),
// then on the shop's page ask in the chat widget, see the help centre's
// answers suggested, and send to a person anyway: their chat session ends
// escalated with the conversation their message made.
func TestBrowserHelpCustomerPath(t *testing.T) {
	browser, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	seedHelp(t, db, helpArticles, map[string]string{kb.SettingHelpName: "Raincoat & Co", kb.SettingHelpLocales: "en,fr"})
	a := start(t, db)
	bg := context.Background()
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en-GB"><head><title>Shop</title></head><body><h1>Blue raincoat</h1>
<script src="%s/widget.js" data-quietdesk async></script></body></html>`, a.url)
	}))
	t.Cleanup(shop.Close)
	if err := db.SetSetting(bg, chat.SettingOrigins, shop.URL); err != nil {
		t.Fatal(err)
	}
	fail := func(what string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", what, err, problems())
	}
	ctx := browser

	// The help centre: search, read, answer "No".
	err := chromedp.Do(step(t, ctx), chromedp.Navigate(a.url+"/help"), chromedp.WaitVisible(`#help-q`),
		chromedp.SendKeys(`#help-q`, "where is my order"), chromedp.Submit(`#help-q`), chromedp.WaitVisible(`.help-results`))
	if err != nil {
		fail("search", err)
	}
	session, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`sessionStorage.getItem('quietdesk.help.session')`))
	if err != nil || len(session) != 32 {
		fail("keep a session id", fmt.Errorf("%q %v", session, err))
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Click(`.help-results a[href="/help/en/articles/where-is-my-order"]`), chromedp.WaitVisible(`.help-feedback`),
		chromedp.Click(`button[name=helpful][value=no]`), chromedp.WaitVisible(`#feedback-comment`)); err != nil {
		fail("read the article and answer No", err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.SendKeys(`#feedback-comment`, "It does not say when it arrives"), chromedp.Click(`.help-feedback-form button[type=submit]`),
		chromedp.WaitVisible(`.help-feedback[data-state="thanks"]`)); err != nil {
		fail("say what was missing", err)
	}
	var helpful bool
	var comment, channel, query, article string
	err = db.QueryRow(bg, `SELECT f.helpful, f.comment, s.channel, s.query, s.article FROM kb_feedback f JOIN self_service_sessions s ON s.id = f.session_id
		WHERE s.external_id = ? AND f.slug = ?`, "web:"+session, "where-is-my-order").Scan(&helpful, &comment, &channel, &query, &article)
	if err != nil || helpful || comment != "It does not say when it arrives" || channel != "help_centre" || query != "where is my order" || article != "where-is-my-order" {
		t.Errorf("the help-centre session: helpful %v, comment %q, %s %q %s (%v)", helpful, comment, channel, query, article, err)
	}

	// The shop's page: the widget suggests answers; the customer asks a
	// person anyway.
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(shop.URL)); err != nil {
		fail("open the shop", err)
	}
	if err := waitFor(t, ctx, "the launcher", inWidget(`return !!w.querySelector('.launcher');`)); err != nil {
		fail("see the widget", err)
	}
	question := "Where is my order? It is late"
	if _, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](inWidget(`w.querySelector('.launcher').click(); w.querySelector('.person').click();
		const t = w.querySelector('textarea'); t.value = `+strconv.Quote(question)+`; t.dispatchEvent(new Event('input')); return true;`))); err != nil {
		fail("type a question", err)
	}
	if err := waitFor(t, ctx, "the suggestions", inWidget(`const a = w.querySelector('[data-slot="suggestions"] a.tip'); return a && a.href.endsWith('/help/en/articles/where-is-my-order') && a.target === '_blank' && a.textContent.startsWith('Where is my order?');`)); err != nil {
		fail("see the help centre's answer", err)
	}
	if _, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](inWidget(`w.querySelector('.compose').requestSubmit(); return true;`))); err != nil {
		fail("send to a person", err)
	}
	var conv, escalatedWith int64
	var outcome string
	for i := 0; i < 100 && escalatedWith == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		db.QueryRow(bg, `SELECT conversation_id FROM messages WHERE body = ?`, question).Scan(&conv)
		db.QueryRow(bg, `SELECT outcome, COALESCE(conversation_id, 0), query FROM self_service_sessions WHERE channel = 'chat'`).Scan(&outcome, &escalatedWith, &query)
	}
	if conv == 0 || outcome != "escalated" || escalatedWith != conv || query != question {
		t.Errorf("the chat session is %q with conversation %d after %q, want escalated with %d", outcome, escalatedWith, query, conv)
	}
	var shownSlugs int
	db.QueryRow(bg, `SELECT COUNT(*) FROM self_service_shown sh JOIN self_service_sessions s ON s.id = sh.session_id WHERE s.channel = 'chat'`).Scan(&shownSlugs)
	if shownSlugs == 0 {
		t.Errorf("the chat session records no article shown")
	}
	if err := waitFor(t, ctx, "the suggestions cleared", inWidget(`return w.querySelector('[data-slot="suggestions"]').children.length === 0;`)); err != nil {
		t.Error(err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
