package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestBrowserOrderHelp is a customer in Chromium: they look an order up
// with its number and email, ask to return an item inside the window
// (recorded and shown, their hostile reason as text), then look up an
// older order, are refused with the reason, and ask a person: a
// conversation exists. No console error on the way.
func TestBrowserOrderHelp(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	s := startSite(t, db)
	orderShop(t, db)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	lookUp := func(order string) {
		t.Helper()
		if err := chromedp.Do(step(t, ctx),
			chromedp.Navigate(s.url+"/help/orders"),
			chromedp.WaitVisible(`#lookup-order`),
			chromedp.SendKeys(`#lookup-order`, order),
			chromedp.SendKeys(`#lookup-contact`, "Ana@Example.com"),
			chromedp.Click(`#order-lookup button[type="submit"]`),
			chromedp.WaitVisible(`#order-status`),
		); err != nil {
			fail("look up "+order, err)
		}
	}

	lookUp("#1001")
	status, err := chromedp.Run(step(t, ctx), chromedp.Text(`#order-status`))
	if err != nil || !strings.Contains(status, "Delivered") {
		t.Errorf("status %q (%v)", status, err)
	}
	track, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`document.querySelector('a.tracking').href`))
	if err != nil || track != "https://ups.example/track/1Z999AA1" {
		t.Errorf("tracking link %q (%v)", track, err)
	}
	hostile := `<script>alert("x")</script> too small`
	if err := chromedp.Do(step(t, ctx),
		chromedp.SetValue(`#qty-TEE-M`, "1"),
		chromedp.SendKeys(`#return-reason`, hostile),
		chromedp.Click(`#return-form button[type="submit"]`),
		chromedp.WaitVisible(`#outcome[data-status="requested"]`),
	); err != nil {
		fail("ask for a return inside the window", err)
	}
	listed, err := chromedp.Run(step(t, ctx), chromedp.Text(`#order-requests`))
	if err != nil || !strings.Contains(listed, hostile) || !strings.Contains(listed, "1 × Blue tee") {
		t.Errorf("the request reads %q (%v)", listed, err)
	}
	safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`document.querySelectorAll('main script').length === 0`))
	if err != nil || !safe {
		t.Errorf("markup of the reason on the page: %v (%v)", safe, err)
	}

	lookUp("1002")
	if err := chromedp.Do(step(t, ctx),
		chromedp.SetValue(`#qty-MUG`, "1"),
		chromedp.Click(`#return-form button[type="submit"]`),
		chromedp.WaitVisible(`#outcome[data-status="refused"]`),
	); err != nil {
		fail("ask for a return outside the window", err)
	}
	refusal, err := chromedp.Run(step(t, ctx), chromedp.Text(`#refusal`))
	if err != nil || !strings.Contains(refusal, "Returns are accepted within 30 days of delivery") {
		t.Errorf("refusal %q (%v)", refusal, err)
	}
	if err := chromedp.Do(step(t, ctx),
		chromedp.Click(`#escalate-form button`),
		chromedp.WaitVisible(`#outcome[data-status="escalated"]`),
	); err != nil {
		fail("ask a person", err)
	}
	var n int
	var subject string
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*), MIN(subject) FROM conversations`).Scan(&n, &subject); err != nil || n != 1 || subject != "Return request for order #1002" {
		t.Errorf("%d conversations %q (%v)", n, subject, err)
	}
	var statuses string
	if err := db.QueryRow(context.Background(), `SELECT MIN(status) || ',' || MAX(status) FROM selfserve_requests`).Scan(&statuses); err != nil || statuses != "escalated,requested" {
		t.Errorf("requests %q (%v)", statuses, err)
	}
	// The help centre's frame names no icon; the browser's own request
	// for one is not this page's doing.
	for _, p := range problems() {
		if !strings.Contains(p, "/favicon.ico") {
			t.Errorf("the browser reported: %q", p)
		}
	}
}
