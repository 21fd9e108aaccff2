package web_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// hostileShown is what the customer page shows of the hostile texts, read
// in the browser.
type hostileShown struct {
	Pwned    bool   `json:"pwned"`
	Injected int    `json:"injected"`
	Name     string `json:"name"`
	Subject  string `json:"subject"`
	Body     string `json:"body"`
	Product  string `json:"product"`
}

const readHostile = `({
  pwned: window.__pwned !== undefined,
  injected: document.querySelectorAll('main img, main script, main svg, main iframe').length,
  name: document.querySelector('#customer-name').firstChild.textContent.trim(),
  subject: document.querySelector('.item-message .subject').textContent,
  body: document.querySelector('.item-message .body').textContent,
  product: document.querySelector('.lines .product').textContent,
})`

// TestBrowserCustomerPageShowsHostileTextLiterally opens, in Chromium, the
// page of a customer whose name, email subject and body, and ordered
// product are markup meant to run script: on the agent's page and on the
// share link's, no script runs, no dialog opens, no element is injected,
// and each text reads exactly as it was sent.
func TestBrowserCustomerPageShowsHostileTextLiterally(t *testing.T) {
	ctx, problems := chromium(t)
	s := startSite(t, storetest.Open(t, store.SQLite))
	const (
		name    = `<img src=x onerror=alert(1)>`
		subject = `"><script>window.__pwned=1</script>`
		body    = `<img src=x onerror="window.__pwned=1;alert(2)"></div><script>alert(3)</script>`
		product = `"><svg onload=alert(4)><script>window.__pwned=1</script>`
	)
	for _, r := range []reply{
		s.post("/api/v1/orders", obj{"order_id": "H-1", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 10, "customer_email": "mallory@example.com",
			"customer_name": name, "lines": []obj{{"sku": "X", "product": product, "quantity": 1, "unit_price": 10}}}),
		s.post("/api/v1/messages", obj{"message_id": "h-1", "channel": "email", "sent_at": "2026-03-03T10:00:00Z", "customer_email": "mallory@example.com",
			"subject": subject, "body": body}),
	} {
		if r.status != 200 {
			t.Fatalf("seed: %d %s", r.status, r.body)
		}
	}
	desk := "Bearer " + s.token("desk")
	id := customerID(t, s.app, desk, "mallory@example.com")
	link := s.do("POST", fmt.Sprintf("/api/v1/customers/%d/share_links", id), desk, nil).json(t)["url"].(string)

	var dialogs atomic.Int32
	err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string) {
		t.Helper()
		got, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[hostileShown](readHostile))
		if err != nil {
			t.Fatalf("%s: read the page: %v\nthe browser reported: %q", where, err, problems())
		}
		if got.Pwned || got.Injected != 0 || dialogs.Load() != 0 {
			t.Errorf("%s: script ran or markup was injected: %+v, %d dialogs", where, got, dialogs.Load())
		}
		want := hostileShown{Name: name, Subject: subject, Body: body, Product: product}
		if got != want {
			t.Errorf("%s shows\n  %+v\nwant\n  %+v", where, got, want)
		}
	}

	if err := logIn(t, ctx, fmt.Sprintf("%s/customers/%d", s.url, id), "agent@example.com", "#timeline .item-message"); err != nil {
		t.Fatalf("log in and open the customer: %v\nthe browser reported: %q", err, problems())
	}
	check("the agent's page")
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`#timeline .item-message`))); err != nil {
		t.Fatalf("open the share link: %v", err)
	}
	check("the shared page")
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
