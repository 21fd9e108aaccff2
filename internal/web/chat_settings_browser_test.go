package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The admin's chat page shows the tag to install and carries the widget
// itself, drawn as designed under the desk's own content security policy
// (no inline style), and a message sent from it reaches the inbox as a
// visitor's chat.
func TestBrowserChatSettingsPage(t *testing.T) {
	browser, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	d := startChat(t, db)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	if err := logIn(t, browser, d.url+"/settings/chat", "admin@example.com", `#chat-snippet`); err != nil {
		fail("log in and open the chat page", err)
	}
	snippet, err := chromedp.Run(step(t, browser), chromedp.Text(`#chat-snippet`))
	if err != nil {
		fail("read the snippet", err)
	}
	if want := `<script src="` + d.url + `/widget.js" data-quietdesk async></script>`; snippet != want {
		t.Errorf("snippet %q, want %q", snippet, want)
	}
	// Styled: fixed at the corner, the launcher round and blue. A style
	// the policy blocked would leave a plain inline button.
	if err := waitFor(t, browser, "the styled launcher", inWidget(`const b = w.querySelector('.launcher'); if (!b) return false;
		const s = getComputedStyle(b), h = getComputedStyle(w.host);
		return h.position === 'fixed' && s.backgroundColor === 'rgb(37, 99, 235)' && s.borderRadius === '50%';`)); err != nil {
		fail("see the widget drawn with its styles", err)
	}
	// Straight away, as a quick visitor would: the message waits for the
	// session the click opens rather than being refused.
	if _, err := chromedp.Run(step(t, browser), chromedp.Evaluate[bool](inWidget(`w.querySelector('.launcher').click();
		const p = w.querySelector('.person'); if (!p.hidden) { p.click(); }
		const t = w.querySelector('textarea'); t.value = 'Trying the widget <b>now</b>'; t.dispatchEvent(new Event('input'));
		w.querySelector('.compose').requestSubmit(); return true;`))); err != nil {
		fail("send a message from the widget", err)
	}
	var channel string
	for i := 0; i < 100 && channel == ""; i++ {
		db.QueryRow(context.Background(), `SELECT channel FROM messages WHERE body = 'Trying the widget <b>now</b>'`).Scan(&channel)
		time.Sleep(50 * time.Millisecond)
	}
	if channel != "chat" {
		fail("store the message as a chat", fmt.Errorf("channel %q", channel))
	}
	if err := waitFor(t, browser, "the message in the widget as text", inWidget(`return [...w.querySelectorAll('.log *')].some((e) => e.textContent === 'Trying the widget <b>now</b>') && !w.querySelector('.log b');`)); err != nil {
		fail("see the message drawn as text", err)
	}
}
