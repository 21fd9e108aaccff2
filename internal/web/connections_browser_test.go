package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/connect"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestBrowserConnections adds a connection through the page's form in
// Chromium, on a store with a key, then syncs it as the scheduler would:
// the page's script moves its state and progress bar without a reload,
// and draws the page again when the backfill is done.
func TestBrowserConnections(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	sealer := newSealer(t)
	s := connectionsSite(t, db, sealer)
	shop := newPageShop(t)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	if err := logIn(t, ctx, s.url+"/settings/connections", "admin@example.com", `#add-pagetest`); err != nil {
		fail("log in and open the connections", err)
	}
	for len(connect.Woken()) > 0 {
		<-connect.Woken()
	}
	err := chromedp.Do(step(t, ctx),
		chromedp.SetValue(chromedp.CSS(`#add-pagetest input[name="name"]`), "shop"),
		chromedp.SendKeys(chromedp.CSS(`#add-pagetest input[name="endpoint"]`), shop.URL+"/ok"),
		chromedp.SendKeys(chromedp.CSS(`#add-pagetest input[name="shop"]`), "brand.myshopify.com"),
		chromedp.SendKeys(chromedp.CSS(`#add-pagetest input[name="token"]`), pageSecret),
		chromedp.Click(chromedp.CSS(`#add-pagetest button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#connection-shop[data-state="backfilling"] progress.bar`)),
	)
	if err != nil {
		fail("add a connection", err)
	}
	// Not read yet: the bar is indeterminate. Mark the page, to tell a
	// reload from the script's own updates.
	indeterminate, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`(() => { window.notReloaded = true; return !document.querySelector('#connection-shop progress.bar').hasAttribute('value'); })()`))
	if err != nil || !indeterminate {
		t.Errorf("a connection with no total yet has a determinate bar (%v)", err)
	}
	html, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil || strings.Contains(html, pageSecret) {
		t.Errorf("the page shows the token (%v)", err)
	}
	select {
	case <-connect.Woken():
	case <-time.After(5 * time.Second):
		t.Fatal("adding the connection did not wake the connections task")
	}

	// The scheduler's first step: a page of two of six records.
	bg := context.Background()
	if _, err := connect.Sync(bg, db, sealer, "shop", s.clock.Now, shop.Client(), connect.SyncOptions{MaxSteps: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = chromedp.Run(step(t, ctx), chromedp.Poll[bool](`window.notReloaded === true &&
		document.querySelector('#connection-shop .records').textContent === '2 of 6 records (33%)' &&
		document.querySelector('#connection-shop progress.bar').value === 33 &&
		document.querySelector('#connection-shop .phase').textContent === ' · orders'`))
	if err != nil {
		fail("see the progress bar move", err)
	}

	// The rest of the backfill: current, drawn again with its times.
	if c, err := connect.Sync(bg, db, sealer, "shop", s.clock.Now, shop.Client(), connect.SyncOptions{}); err != nil || c.State != connect.StateCurrent {
		t.Fatalf("sync: %+v %v", c, err)
	}
	// A new state brings other advice and buttons: the script reloads.
	err = chromedp.Do(step(t, ctx), chromedp.WaitVisible(chromedp.CSS(`#connection-shop[data-state="current"] progress.bar[value="100"]`)))
	if err != nil {
		fail("see the connection current", err)
	}
	text, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('#connection-shop').innerText`))
	if err != nil {
		fail("read the connection", err)
	}
	for _, want := range []string{"State: current · orders", "6 of 6 records (100%)", "Last sync: 2026-03-25 10:00", "next sync: 2026-03-25 10:10", "Sync now", "Pause"} {
		if !strings.Contains(text, want) {
			t.Errorf("the connection lacks %q:\n%s", want, text)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
