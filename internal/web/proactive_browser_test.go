package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// An admin adds the default rules, opens the late-shipment rule, scopes it
// to a carrier named with markup, writes an SMS text carrying a script,
// switches it on and saves: the preview, the rule page and the list show
// the markup as text, nothing runs, and the list says the rule is on.
func TestBrowserProactiveRule(t *testing.T) {
	ctx, problems := chromium(t)
	s := startSite(t, storetest.Open(t, store.SQLite))
	fail := func(what string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", what, err, problems())
	}
	const carrier = `<img src=x onerror="window.__x=1">`
	const text = `{{.Brand}}: order {{.OrderName}} is late <script>window.__x=1</script>`
	const nothingRan = `window.__x === undefined && !document.querySelector('main script, main img, main [onerror]')`

	if err := logIn(t, ctx, s.url+"/proactive", "admin@example.com", `#no-rules`); err != nil {
		fail("log in to the rules", err)
	}
	err := chromedp.Do(step(t, ctx),
		chromedp.Click(`form[action="/proactive/defaults"] button`),
		chromedp.WaitVisible(`tr[data-rule="late_shipment"]`),
		chromedp.Click(`tr[data-rule="late_shipment"] a[href="/proactive/rules/late_shipment"]`),
		chromedp.WaitVisible(`#rule-form`),
		chromedp.SetValue(`#carrier`, carrier),
		chromedp.SetValue(`textarea[name="body.sms.en"]`, text),
		chromedp.Click(`#enabled`),
		chromedp.Click(`#rule-form button`),
		chromedp.WaitVisible(`#rule-saved`),
	)
	if err != nil {
		fail("edit and save the rule", err)
	}
	safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](nothingRan))
	if err != nil || !safe {
		t.Fatalf("the saved rule's page ran or kept markup (%v)", err)
	}
	preview, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('#text-sms-en .preview pre').innerText`))
	if err != nil || !strings.Contains(preview, "is late <script>window.__x=1</script>") {
		t.Errorf("the SMS preview reads %q (%v): the script as text", preview, err)
	}
	field, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('#carrier').value`))
	if err != nil || field != carrier {
		t.Errorf("the carrier field holds %q (%v)", field, err)
	}

	err = chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+"/proactive"), chromedp.WaitVisible(`tr[data-rule="late_shipment"]`))
	if err != nil {
		fail("back to the list", err)
	}
	row, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('tr[data-rule="late_shipment"]').innerText`))
	if err != nil || !strings.Contains(row, carrier) {
		t.Errorf("the list's row reads %q (%v): the carrier's markup as text", row, err)
	}
	on, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('tr[data-rule="late_shipment"] .rule-on').innerText`))
	if err != nil || on != "on" {
		t.Errorf("the rule is %q (%v) after switching it on", on, err)
	}
	if safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](nothingRan)); err != nil || !safe {
		t.Errorf("the list ran or kept markup (%v)", err)
	}
}
