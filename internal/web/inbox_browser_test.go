package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// waitFor waits, in the page, until the JavaScript condition holds.
func waitFor(t *testing.T, ctx context.Context, what, cond string) error {
	t.Helper()
	_, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`new Promise((resolve) => {
  const check = () => { let ok = false; try { ok = !!(`+cond+`); } catch (e) {} if (ok) { resolve(true); } else { setTimeout(check, 50); } };
  check();
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// TestBrowserDesk works the desk in Chromium as an agent does: log in and
// land on the inbox, open a conversation with the keyboard, see the order
// panel, correct the topic, answer with a saved reply, and see the
// customer's answer arrive on the open page without a reload. Customers'
// hostile names, subjects and texts are shown as text and run nothing.
func TestBrowserDesk(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	d := startDesk(t, db)
	d.withOrder("ann@example.com")
	d.setUserName("agent@example.com", "Dana Reyes")
	if r := d.do("POST", "/api/v1/saved_replies", "Bearer "+d.adminToken,
		obj{"name": "Where it is", "body": "Hi {{first_name}}, your order {{order_number}} is {{order_status}}: {{tracking_link}}"}); r.status != http.StatusCreated {
		t.Fatalf("save a reply: %d %s", r.status, r.body)
	}
	hostile := `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`
	eve := d.message(obj{"customer_email": "eve@example.com", "customer_name": "Eve " + hostile, "subject": "Re: " + hostile,
		"body": "Look " + hostile, "sent_at": now.Add(-2 * time.Hour).Format(time.RFC3339)})
	ann := d.message(obj{"customer_email": "ann@example.com", "customer_name": "Ann Lee", "subject": "Order #7001", "body": "Where is my tee?",
		"sent_at": now.Add(-time.Hour).Format(time.RFC3339)})
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}

	// Log in from the home page: an agent lands on the inbox.
	if err := logIn(t, ctx, d.url+"/", "agent@example.com", `#inbox-table`); err != nil {
		fail("log in", err)
	}
	if loc, err := chromedp.Run(step(t, ctx), chromedp.Location()); err != nil || loc != d.url+"/inbox" {
		t.Errorf("after login the browser is at %s (%v), want the inbox", loc, err)
	}
	table, err := chromedp.Run(step(t, ctx), chromedp.Text(`#inbox-table`))
	if err != nil {
		fail("read the inbox", err)
	}
	for _, want := range []string{"Ann Lee", "Order #7001", "Where is my tee?", "Eve " + hostile, "Look " + hostile} {
		if !strings.Contains(table, want) {
			t.Errorf("the inbox does not show %q:\n%s", want, table)
		}
	}
	safe, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`window.__pwned === undefined && !document.querySelector('#inbox-table img, #inbox-table script')`))
	if err != nil || !safe {
		t.Errorf("the customer's markup ran or was drawn in the inbox (%v)", err)
	}

	// The help overlay, then the keyboard: j to the first row, o to open.
	if err := chromedp.Do(step(t, ctx), chromedp.KeyEvent("?"), chromedp.WaitVisible(`#shortcut-help`), chromedp.KeyEvent("\x1b"), chromedp.WaitNotPresent(`#shortcut-help`)); err != nil {
		fail("the shortcuts' help", err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.KeyEvent("j"), chromedp.WaitVisible(fmt.Sprintf(`#conv-%d.current`, ann)), chromedp.KeyEvent("o"),
		chromedp.WaitVisible(`#thread`), chromedp.WaitVisible(`#order-panel`)); err != nil {
		fail("open Ann's conversation with the keyboard", err)
	}
	panel, err := chromedp.Run(step(t, ctx), chromedp.Text(`#order-panel`))
	if err != nil {
		fail("read the order panel", err)
	}
	for _, want := range []string{"#7001", "2 × Tee <b>M</b>", "DH7001", "late", "promised 14 Mar 2026", "delivered 16 Mar 2026", "too small"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the order panel lacks %q:\n%s", want, panel)
		}
	}
	if err := waitFor(t, ctx, "the live stream", `document.getElementById('desk').dataset.live === 'open'`); err != nil {
		fail("connect the live stream", err)
	}

	// Correct the topic: choosing it sends it.
	if err := chromedp.Do(step(t, ctx), chromedp.SetValue(`#topic-select`, "damaged_or_defective")); err != nil {
		fail("choose a topic", err)
	}
	if err := waitFor(t, ctx, "the corrected topic", `document.getElementById('conv-topic').textContent.includes('Damaged or defective')`); err != nil {
		fail("correct the topic", err)
	}
	var source string
	if err := db.QueryRow(context.Background(), `SELECT topic_source FROM contacts WHERE conversation_id = ?`, ann).Scan(&source); err != nil || source != "agent" {
		t.Errorf("the correction is stored as the agent's label: %q %v", source, err)
	}

	// Answer with the saved reply, filled from Ann's order, and wait for her.
	if err := chromedp.Do(step(t, ctx), chromedp.SetValue(`#saved-reply`, "1")); err != nil {
		fail("choose the saved reply", err)
	}
	const filled = "Hi Ann, your order #7001 is returned: https://dhl.example/DH7001"
	if err := waitFor(t, ctx, "the filled reply", `document.getElementById('composer').value === `+fmt.Sprintf("%q", filled)); err != nil {
		fail("fill the saved reply", err)
	}
	if _, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`window.__marker = 'still here'; true`)); err != nil {
		fail("mark the page", err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.Click(`#send-wait`)); err != nil {
		fail("send and wait", err)
	}
	if err := waitFor(t, ctx, "the reply on the thread", `[...document.querySelectorAll('#thread .msg-out .body')].some((b) => b.textContent === `+fmt.Sprintf("%q", filled)+`)`); err != nil {
		fail("see the reply", err)
	}
	if err := waitFor(t, ctx, "the state", `document.getElementById('conv-state').textContent === 'waiting' && document.getElementById('composer').value === ''`); err != nil {
		fail("see the conversation wait", err)
	}

	// Ann answers: the message lands on the open page, without a reload.
	r := d.post("/api/v1/messages", obj{"message_id": "ann-answer", "channel": "email", "sent_at": now.Add(-time.Minute).Format(time.RFC3339),
		"customer_email": "ann@example.com", "conversation_id": ann, "body": "Thanks, a refund would be great."})
	if r.status != http.StatusOK {
		t.Fatalf("Ann's answer: %d %s", r.status, r.body)
	}
	if err := waitFor(t, ctx, "Ann's answer", `[...document.querySelectorAll('#thread .msg-in .body')].some((b) => b.textContent === 'Thanks, a refund would be great.')`); err != nil {
		fail("see Ann's answer arrive", err)
	}
	if still, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`window.__marker || ''`)); err != nil || still != "still here" {
		t.Errorf("the page was reloaded: the marker is %q (%v)", still, err)
	}
	if state, err := chromedp.Run(step(t, ctx), chromedp.Text(`#conv-state`)); err != nil || state != "open" {
		t.Errorf("after Ann's answer the conversation is %q (%v), want open", state, err)
	}

	// Eve's conversation: her markup is text here too.
	if err := chromedp.Do(step(t, ctx), chromedp.Navigate(fmt.Sprintf("%s/conversations/%d", d.url, eve)), chromedp.WaitVisible(`#thread`)); err != nil {
		fail("open Eve's conversation", err)
	}
	thread, err := chromedp.Run(step(t, ctx), chromedp.Text(`#desk`))
	if err != nil {
		fail("read Eve's conversation", err)
	}
	if !strings.Contains(thread, "Look "+hostile) || !strings.Contains(thread, "Eve "+hostile) {
		t.Errorf("Eve's conversation does not show her text as written:\n%s", thread)
	}
	safe, err = chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`window.__pwned === undefined && !document.querySelector('#desk img, #desk script:not([src])')`))
	if err != nil || !safe {
		t.Errorf("the customer's markup ran or was drawn on the conversation page (%v)", err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}
}
