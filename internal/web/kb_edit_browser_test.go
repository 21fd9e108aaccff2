package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// An editor writes an article whose Markdown carries a script, an event
// handler and a javascript: link, previews and publishes it: nothing runs
// in the preview or on the history page. An agent then inserts it into a
// reply from the composer, with the customer's first name filled in.
func TestBrowserKBEditor(t *testing.T) {
	ctx, problems := chromium(t)
	d := startDesk(t, storetest.Open(t, store.SQLite))
	kbEditor(t, d.site, "writer@example.com")
	conv := d.message(obj{"customer_email": "ann@example.com", "customer_name": "Ann Lee", "subject": "Late", "body": "Where is my parcel?"})
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	const hostile = "Hi {{first_name}}, your parcel is on its way.\n\n<script>window.__x=1</script>\n\n<img src=x onerror=\"window.__x=1\">\n\n[click me](javascript:window.__x=1)"
	// nothingRan checks a page: no script ran, and none of the hostile
	// elements or attributes reached the document.
	const nothingRan = `window.__x === undefined && !document.querySelector('main script, main img[onerror], main [onerror], main a[href^="javascript"]')`
	check := func(what string) {
		t.Helper()
		safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](nothingRan))
		if err != nil {
			fail("inspect "+what, err)
		}
		if !safe {
			html, _ := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('main').innerHTML`))
			t.Fatalf("%s ran or kept hostile markup:\n%s", what, html)
		}
	}

	if err := logIn(t, ctx, d.url+"/kb/new", "writer@example.com", `#kb-form`); err != nil {
		fail("log in to the editor", err)
	}
	err := chromedp.Do(step(t, ctx),
		chromedp.SetValue(`#kb-title`, "Your parcel is late"),
		chromedp.SetValue(`#kb-body`, hostile),
		chromedp.Click(`#kb-preview-button`),
		chromedp.WaitVisible(`#kb-preview`),
	)
	if err != nil {
		fail("preview", err)
	}
	preview, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('#kb-preview article').innerText`))
	if err != nil || !strings.Contains(preview, "your parcel is on its way") || !strings.Contains(preview, "click me") {
		t.Errorf("the preview reads %q (%v)", preview, err)
	}
	check("the preview")

	err = chromedp.Do(step(t, ctx),
		chromedp.SetValue(`#kb-status`, "published"),
		chromedp.SetValue(`#kb-note`, "first answer"),
		chromedp.Click(`#kb-save`),
		chromedp.WaitVisible(`#kb-history-link`),
	)
	if err != nil {
		fail("publish", err)
	}
	if loc, err := chromedp.Run(step(t, ctx), chromedp.Location()); err != nil || loc != d.url+"/kb/en/your-parcel-is-late" {
		t.Errorf("after saving the browser is at %s (%v)", loc, err)
	}
	check("the saved article's page")
	err = chromedp.Do(step(t, ctx), chromedp.Click(`#kb-history-link`), chromedp.WaitVisible(`#version-1`))
	if err != nil {
		fail("open the history", err)
	}
	history, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('#version-1').innerText`))
	if err != nil || !strings.Contains(history, "writer@example.com") || !strings.Contains(history, "first answer") || !strings.Contains(history, "<script>window.__x=1</script>") {
		t.Errorf("the history shows %q (%v): the markup as text", history, err)
	}
	check("the history")

	// An agent answers Ann with the article.
	err = chromedp.Do(step(t, ctx), chromedp.Click(`form.logout button`), chromedp.WaitVisible(`input[name="email"]`))
	if err != nil {
		fail("log out", err)
	}
	if err := logIn(t, ctx, fmt.Sprintf("%s/conversations/%d", d.url, conv), "agent@example.com", `#kb-article`); err != nil {
		fail("open the conversation with the article offered", err)
	}
	err = chromedp.Do(step(t, ctx),
		// Options have no box to be visible: wait for one to be there.
		chromedp.WaitReady(`#kb-article option[value="your-parcel-is-late"]`),
		chromedp.SendKeys(`#kb-search`, "parcel"),
		chromedp.WaitVisible(`#kb-replies[data-loaded="parcel"]`),
		chromedp.SetValue(`#kb-article`, "your-parcel-is-late"),
	)
	if err == nil {
		_, err = chromedp.Run(step(t, ctx), chromedp.Poll[bool](`document.getElementById('composer').value.includes('Hi Ann')`))
	}
	if err != nil {
		fail("insert the article", err)
	}
	text, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.getElementById('composer').value`))
	if err != nil || text != "Hi Ann, your parcel is on its way.\n\nclick me" {
		t.Errorf("the composer holds %q (%v)", text, err)
	}
	if ran, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`window.__x === undefined`)); err != nil || !ran {
		t.Errorf("a script ran on the conversation page (%v)", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
