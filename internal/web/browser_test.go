package web_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// chromium starts Debian's Chromium, headless, for one test. Without it
// the test is skipped, unless QUIETDESK_REQUIRE_BROWSER is set (CI sets
// it), when it fails. It returns the page's context and a func that lists
// the console errors, uncaught exceptions and failed loads (missing files,
// content the security policy refused) seen so far.
// stepTimeout bounds one step of a browser test: a navigation and what
// it waits for, or one script.
const stepTimeout = 45 * time.Second

// step is ctx with a deadline for one step; the deadline ends with the
// test.
func step(t *testing.T, ctx context.Context) context.Context {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	t.Cleanup(cancel)
	return ctx
}

func chromium(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	path := os.Getenv("QUIETDESK_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("QUIETDESK_REQUIRE_BROWSER") != "" {
			t.Fatalf("QUIETDESK_REQUIRE_BROWSER is set but there is no browser at %s (apt-get install chromium): %v", path, err)
		}
		t.Skipf("browser tests skipped: no Chromium at %s (set QUIETDESK_CHROMIUM, or apt-get install chromium)", path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, where the sandbox cannot start
		chromedp.DisableGPU,
		// The machine has no network but loopback: no calls home.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// The browser lives as long as the test; each step has a deadline of
	// its own (step), so a slow machine running every package at once
	// fails a step that hangs, not a long test that was progressing.
	ctx, cancelCtx := chromedp.NewContext(alloc)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			cancelCtx()
			cancelAlloc()
			t.Fatalf("start Chromium at %s: %v", path, err)
		}
	case <-time.After(stepTimeout):
		cancelCtx()
		cancelAlloc()
		t.Fatalf("Chromium at %s did not start within %s", path, stepTimeout)
	}

	var mu sync.Mutex
	var problems []string
	var reading sync.WaitGroup
	messages := chromedp.Console(ctx)
	reading.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleError, chromedp.ConsoleException, "assert":
				mu.Lock()
				problems = append(problems, m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	})
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		reading.Wait()
	})
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(problems)
	}
}

// paintedPixels counts, for each chart on the page, the canvas pixels in
// its first line's colour: a chart that drew its line has many.
const paintedPixels = `Array.from(document.querySelectorAll('.chart')).map((el) => {
  const c = el.querySelector('canvas');
  if (!c || !c.width || !c.height) { return 0; }
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 200 && Math.abs(d[i] - 37) < 24 && Math.abs(d[i + 1] - 99) < 24 && Math.abs(d[i + 2] - 235) < 24) { n++; }
  }
  return n;
})`

const rowHeads = `Array.from(document.querySelectorAll('#heatmap tbody th')).map((th) => th.textContent)`

// TestBrowser drives the real server in Chromium as a person would: log
// in, see the Overview's charts drawn, switch the cohorts' dimension, sort
// and download a table, explore a metric; no console error on the way.
func TestBrowser(t *testing.T) {
	ctx, problems := chromium(t)
	s := startSite(t, storetest.Open(t, store.SQLite))
	downloads := t.TempDir()
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}

	// Log in: the Overview asks for it, and comes back after.
	// Drawn, or marked broken by app.js when the library is missing.
	err := logIn(t, ctx, s.url+"/", "analyst@example.com", `#card-self_service_rate .chart:is([data-drawn="true"], .broken)`)
	if err != nil {
		fail("log in and open the Overview", err)
	}
	if location, err := chromedp.Run(step(t, ctx), chromedp.Location()); err != nil || location != s.url+"/" {
		t.Errorf("after login the browser is at %s (%v), want the Overview", location, err)
	}
	painted, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]int](paintedPixels))
	if err != nil {
		fail("read the charts' pixels", err)
	}
	if len(painted) != 8 {
		t.Errorf("%d charts on the Overview, want 8", len(painted))
	}
	for i, n := range painted {
		if n < 50 {
			t.Errorf("chart %d has %d pixels of its line: not drawn", i+1, n)
		}
	}
	if t.Failed() {
		t.Fatalf("the browser reported: %q", problems())
	}

	// Cohorts: switching the dimension redraws the heatmap.
	err = chromedp.Do(step(t, ctx),
		chromedp.Navigate(s.url+"/cohorts"),
		chromedp.WaitVisible(chromedp.CSS(`#heatmap[data-by="sales_channel"]`)),
	)
	if err != nil {
		fail("open Cohorts", err)
	}
	before, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]string](rowHeads))
	if err != nil {
		fail("read the heatmap", err)
	}
	err = chromedp.Do(step(t, ctx),
		// SetValue fires change, as a person's choice does, and app.js
		// submits the form on change: no button is pressed.
		chromedp.SetValue(chromedp.CSS(`select[name="by"]`), "carrier"),
		chromedp.WaitVisible(chromedp.CSS(`#heatmap[data-by="carrier"]`)),
	)
	if err != nil {
		fail("switch the cohort dimension", err)
	}
	after, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]string](rowHeads))
	if err != nil {
		fail("read the heatmap again", err)
	}
	slices.Sort(before)
	slices.Sort(after)
	if !slices.Equal(before, []string{"online", "retail", "wholesale"}) || !slices.Equal(after, []string{"DHL", "PostNL", "Royal Mail", "UPS"}) {
		t.Errorf("heatmap rows by sales channel %q, then by carrier %q", before, after)
	}

	// The table sorts by a click on a heading, and the next click reverses.
	const tableHeads = `Array.from(document.querySelectorAll('#cohort-table tbody th')).map((th) => th.textContent)`
	var sorted [2][]string
	for i := range sorted {
		if err := chromedp.Do(step(t, ctx), chromedp.Click(chromedp.CSS(`#cohort-table thead th:first-child`))); err != nil {
			fail("sort the cohorts", err)
		}
		if sorted[i], err = chromedp.Run(step(t, ctx), chromedp.Evaluate[[]string](tableHeads)); err != nil {
			fail("read the cohorts", err)
		}
	}
	if !slices.Equal(sorted[0], []string{"UPS", "Royal Mail", "PostNL", "DHL"}) || !slices.Equal(sorted[1], []string{"DHL", "PostNL", "Royal Mail", "UPS"}) {
		t.Errorf("sorted by name: %q, then %q", sorted[0], sorted[1])
	}

	// Download the cohorts table as CSV.
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: new(true)})
	if err != nil {
		fail("allow downloads", err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Click(chromedp.CSS(`a[download][href^="/cohorts?"]`))); err != nil {
		fail("click the CSV link", err)
	}
	var guid string
	for ev, err := range progress {
		if err != nil {
			fail("wait for the download", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(downloads, guid))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 5 || lines[0] != "carrier,cpo,numerator,denominator,last_week,change_vs_week_before" {
		t.Errorf("downloaded CSV:\n%s", data)
	}
	var groups []string
	for _, l := range lines[1:] {
		groups = append(groups, strings.Split(l, ",")[0])
	}
	if slices.Sort(groups); !slices.Equal(groups, []string{"DHL", "PostNL", "Royal Mail", "UPS"}) {
		t.Errorf("downloaded cohorts %q", groups)
	}

	// Explore: one line per group.
	err = chromedp.Do(step(t, ctx),
		chromedp.Navigate(s.url+"/explore?metric=contacts&by=channel"),
		chromedp.WaitVisible(chromedp.CSS(`#explore-chart[data-drawn="true"] canvas`)),
	)
	if err != nil {
		fail("explore", err)
	}
	legend, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[int](`document.querySelectorAll('#explore-chart .u-legend .u-series').length`))
	if err != nil || legend != 4 { // the x axis and three channels
		t.Errorf("the explorer's legend has %d entries (%v), want 4", legend, err)
	}

	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}

// TestBrowserDecisions opens the decision pages of a demo store: the
// alerts' evidence charts are drawn, the corrections' bars are placed, the
// review's charts are there; no console error on the way.
func TestBrowserDecisions(t *testing.T) {
	ctx, problems := chromium(t)
	s := demoSite(t)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	err := chromedp.Do(step(t, ctx),
		chromedp.Navigate(s.url+"/alerts"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert .chart:is([data-drawn="true"], .broken)`)),
	)
	if err != nil {
		fail("log in and open the alerts", err)
	}
	painted, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[[]int](paintedPixels))
	if err != nil {
		fail("read the charts' pixels", err)
	}
	if len(painted) < 2 {
		t.Errorf("%d evidence charts, want one per alert (at least 2)", len(painted))
	}
	for i, n := range painted {
		if n < 50 {
			t.Errorf("evidence chart %d has %d pixels of its line: not drawn", i+1, n)
		}
	}
	err = chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+"/corrections"), chromedp.WaitVisible(chromedp.CSS(`#corrections-table`)))
	if err != nil {
		fail("open the corrections", err)
	}
	placed, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[int](`Array.from(document.querySelectorAll('.range .expected')).filter((el) => el.style.width !== '').length`))
	if err != nil || placed != 3 {
		t.Errorf("%d of the 3 corrections' expected ranges placed (%v)", placed, err)
	}
	err = chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+"/review"), chromedp.WaitVisible(chromedp.CSS(`#review svg path`)))
	if err != nil {
		fail("open the review", err)
	}
	err = chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+"/topics"), chromedp.WaitVisible(chromedp.CSS(`#topics-chart[data-drawn="true"] canvas`)))
	if err != nil {
		fail("open the topics", err)
	}
	lines, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[int](`document.querySelectorAll('#topics-chart .u-legend .u-series').length`))
	if err != nil || lines != 7 { // the x axis and six topics
		t.Errorf("the topics chart's legend has %d entries (%v), want 7", lines, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}

// logIn opens url, logs in as email on the login form it leads to, and
// waits for the element that says the page is there.
func logIn(t *testing.T, ctx context.Context, url, email, ready string) error {
	return chromedp.Do(step(t, ctx),
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`input[name="email"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(ready)),
	)
}

// blackFridayNow is the Monday after Black Friday 2026: the demo store's
// last complete week, 2026-W48, holds nearly twice the usual orders.
var blackFridayNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// TestBrowserBlackFridayWeek opens the Overview of the demo's Black Friday
// week in Chromium: the headline CPO is lag-adjusted, shows its orders
// beside it and carries the volume-surge flag, and the period CPO is
// beside it, so the surge does not read as a win.
func TestBrowserBlackFridayWeek(t *testing.T) {
	ctx, problems := chromium(t)
	s := demoSiteAt(t, blackFridayNow)
	err := logIn(t, ctx, s.url+"/", "analyst@example.com", `#card-cpo_lag_adjusted .chart:is([data-drawn="true"], .broken)`)
	if err != nil {
		t.Fatalf("log in and open the Overview: %v\nthe browser reported: %q", err, problems())
	}
	card, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('#card-cpo_lag_adjusted').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-W48", "lag-adjusted", "volume surge", "orders", "still to come", "period CPO"} {
		if want == "2026-W48" {
			if head, _ := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('h1').innerText`)); !strings.Contains(head, want) {
				t.Errorf("the Overview is not of %s: %q", want, head)
			}
			continue
		}
		if !strings.Contains(card, want) {
			t.Errorf("the headline CPO card lacks %q:\n%s", want, card)
		}
	}
	visible, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`(() => { const b = document.querySelector('#card-cpo_lag_adjusted .badge.surge'); if (!b) return false; const r = b.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(b).visibility !== 'hidden'; })()`))
	if err != nil || !visible {
		t.Errorf("the volume-surge badge is not visible (%v)", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
