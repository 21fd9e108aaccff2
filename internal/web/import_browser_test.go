package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// watchProgress records every value the import's progress bar takes, in
// the tab's session storage, so the record outlives the navigation to the
// summary.
const watchProgress = `(() => {
  const bar = document.getElementById('import-progress');
  sessionStorage.setItem('qd-progress', '[]');
  new MutationObserver((records) => {
    // Changes that come in one task are reported together: each record
    // keeps the value it replaced.
    const seen = JSON.parse(sessionStorage.getItem('qd-progress'));
    records.forEach((r) => seen.push(Number(r.oldValue || 0)));
    seen.push(bar.value);
    sessionStorage.setItem('qd-progress', JSON.stringify(seen));
  }).observe(bar, { attributes: true, attributeFilter: ['value'], attributeOldValue: true });
  return true;
})()`

// TestBrowserImport brings a brand's data in through the page, on an
// empty store, as a person would, counting the clicks: log in, open
// Import, upload a Shopify export as orders and a Zendesk export (with
// bad rows) as contacts, watch each import's bar fill, find the rejected
// rows' download, and read the CPO on the Overview. A hostile cell of a
// file stays text.
func TestBrowserImport(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	s := startSite(t, db, func(srv *web.Server) { srv.Metrics = metrics.NewEngine(db, srv.Now) })
	// The week after the export's last orders: the Overview's week holds
	// two of them.
	s.clock.t = time.Date(2025, 6, 4, 9, 0, 0, 0, time.UTC)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	abs := func(name string) string {
		p, err := filepath.Abs(importExports + name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	clicks := 0
	click := func(sel string) chromedp.Action[chromedp.Void] { clicks++; return chromedp.Click(chromedp.CSS(sel)) }
	choose := func(sel, value string) chromedp.Action[chromedp.Void] {
		clicks++
		return chromedp.SetValue(chromedp.CSS(sel), value)
	}
	pick := func(path string) chromedp.Action[chromedp.Void] {
		clicks++ // choosing the file; the page uploads it at once
		return chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{path})
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(step(t, ctx), chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail("read "+sel, err)
		}
		return v
	}
	clicks++ // the login form's button
	if err := logIn(t, ctx, s.url+"/", "analyst@example.com", `nav.main a[href="/import"]`); err != nil {
		fail("log in", err)
	}

	// imports one file through the page and returns its summary's text.
	importFile := func(kind, path, wantFormat, wantCell string) string {
		t.Helper()
		err := chromedp.Do(step(t, ctx),
			choose(`#import-kind`, kind),
			pick(path),
			chromedp.WaitVisible(chromedp.CSS(`#import-preview`)),
		)
		if err != nil {
			fail("upload "+path, err)
		}
		format := text(`#import-format`)
		preview := text(`#import-preview`)
		if format != wantFormat || !strings.Contains(preview, wantCell) {
			t.Errorf("%s: format %q, preview lacks %q:\n%s", path, format, wantCell, preview)
		}
		if ok, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](watchProgress)); err != nil || !ok {
			fail("watch the bar", err)
		}
		err = chromedp.Do(step(t, ctx),
			click(`#import-start`),
			chromedp.WaitVisible(chromedp.CSS(`#import-summary`)),
		)
		if err != nil {
			fail("import "+path, err)
		}
		summary := text(`#import-summary`)
		seen, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]int](`JSON.parse(sessionStorage.getItem('qd-progress'))`))
		if err != nil {
			fail("read the bar's values", err)
		}
		if len(seen) < 3 || seen[len(seen)-1] != 100 {
			t.Errorf("%s: the bar took %v, want it to move and end at 100", path, seen)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] < seen[i-1] {
				t.Errorf("%s: the bar went back: %v", path, seen)
			}
		}
		return strings.Join(strings.Fields(summary), " ")
	}

	if err := chromedp.Do(step(t, ctx), click(`nav.main a[href="/import"]`), chromedp.WaitVisible(chromedp.CSS(`#import-upload`))); err != nil {
		fail("open Import", err)
	}
	if got := importFile("orders", abs("shopify_orders_resaved.csv"), "Shopify orders export", "anna.keller@example.com"); got != "Read Created Updated Unchanged Rejected 5 6 0 0 0" {
		t.Errorf("Shopify summary %q", got)
	}
	if got := importFile("contacts", abs("zendesk_tickets_bad.csv"), "Zendesk tickets export", "zendesk-48201"); got != "Read Created Updated Unchanged Rejected 29 26 0 0 3" {
		t.Errorf("Zendesk summary %q", got)
	}
	rejects, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`fetch(document.getElementById('import-rejects').href).then((r) => r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		fail("download the rejected rows", err)
	}
	if lines := strings.Split(strings.TrimSpace(rejects), "\n"); len(lines) != 4 || !strings.HasSuffix(strings.TrimSpace(lines[0]), "reject_reason") {
		t.Errorf("rejected rows:\n%s", rejects)
	}

	// A new store's "/" is its first steps with the first figures, or
	// the Overview once they are dismissed: either shows the CPO.
	const cpoCard = `#card-cpo_lag_adjusted, #first-cpo`
	err = chromedp.Do(step(t, ctx),
		click(`#import-overview`),
		chromedp.WaitVisible(chromedp.CSS(`#card-cpo_lag_adjusted .value, #first-cpo .value`)),
	)
	if err != nil {
		where, _ := chromedp.Run(step(t, ctx), chromedp.Location())
		body, _ := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.body.innerText`))
		fail("open the Overview at "+where+": "+body, err)
	}
	cpo, card := text(`#card-cpo_lag_adjusted .value, #first-cpo .value`), text(cpoCard)
	if !regexp.MustCompile(`^\d+\.\d+$`).MatchString(strings.TrimSpace(cpo)) || !strings.Contains(card, "2 orders") {
		t.Errorf("the CPO reads %q in %q, want a figure over 2 orders", cpo, card)
	}
	orders := "2 orders"
	t.Logf("from login to the Overview's CPO: %d clicks (CPO %s, %s)", clicks, cpo, orders)
	if clicks >= 10 {
		t.Errorf("%d clicks from login to the CPO, want fewer than ten", clicks)
	}

	// A file's cell that is markup is shown as text: no element, no script.
	hostile := filepath.Join(t.TempDir(), "hostile.csv")
	if err := os.WriteFile(hostile, []byte("contact_id,started_at,channel,subject\nh-1,2025-06-02 10:00:00,email,<img src=x onerror=alert(1)>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(step(t, ctx),
		chromedp.Navigate(s.url+"/import"),
		chromedp.SetValue(chromedp.CSS(`#import-kind`), "contacts"),
		chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{hostile}),
		chromedp.WaitVisible(chromedp.CSS(`#import-preview`)),
	)
	if err != nil {
		fail("preview the hostile file", err)
	}
	preview := text(`#import-preview`)
	images, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[int](`document.querySelectorAll('#import-preview img').length`))
	if err != nil || images != 0 || !strings.Contains(preview, "<img src=x onerror=alert(1)>") {
		t.Errorf("the hostile cell: %d images (%v), preview %q", images, err, preview)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported: %q", p)
	}
}
