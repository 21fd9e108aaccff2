package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestBrowserSatisfactionSurvey opens a survey link in Chromium as the
// customer would, with no login: the hostile subject reads as text and
// runs nothing, a click on a score records it and thanks the customer, and
// the browser reports no error on the way.
func TestBrowserSatisfactionSurvey(t *testing.T) {
	ctx, problems := chromium(t)
	s := startSite(t, storetest.Open(t, store.SQLite))
	path := askSurvey(t, s)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(s.url+path), chromedp.WaitVisible(`#csat button[value="5"]`)); err != nil {
		fail("open the survey", err)
	}
	about, err := chromedp.Run(step(t, ctx), chromedp.Text(`#csat .hint`))
	if err != nil {
		fail("read the subject", err)
	}
	safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`document.querySelectorAll('script:not([src]), #csat script').length === 0`))
	if err != nil || !safe || !strings.Contains(about, `<script>alert("x")</script> where is my order?`) {
		t.Errorf("the subject reads %q; no markup of it on the page: %v (%v)", about, safe, err)
	}
	if err := chromedp.Do(step(t, ctx),
		chromedp.SendKeys(`#csat textarea[name="comment"]`, "Fast & friendly <3"),
		chromedp.Click(`#csat button[value="5"]`),
		chromedp.WaitVisible(`#csat-thanks`),
	); err != nil {
		fail("answer the survey", err)
	}
	thanks, err := chromedp.Run(step(t, ctx), chromedp.Text(`#csat-thanks`))
	if err != nil || !strings.Contains(thanks, "you rated our help 5 out of 5") {
		t.Errorf("after answering: %q (%v)", thanks, err)
	}
	var score int
	var comment string
	if err := s.db.QueryRow(context.Background(), `SELECT score, comment FROM csat`).Scan(&score, &comment); err != nil || score != 5 || comment != "Fast & friendly <3" {
		t.Errorf("stored %d %q (%v)", score, comment, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported: %q", p)
	}
}
