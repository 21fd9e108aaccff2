package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quietdesk/internal/chat"
	qdclock "quietdesk/internal/clock"
	"quietdesk/internal/desk"
	"quietdesk/internal/notify"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// widgetPage is a brand's page with the widget's one script tag, and styles
// that would wreck the widget if they reached it.
const widgetPage = `<!doctype html><html><head><title>Shop</title>
<style>button { display: none !important; } div, p { color: red !important; font-size: 40px !important; }</style></head>
<body><h1>Blue raincoat</h1><p>In stock.</p>
<script src="%s/widget.js" data-quietdesk%s async></script></body></html>`

// inWidget evaluates JavaScript with w bound to the widget's shadow root.
func inWidget(js string) string {
	return `(() => { const w = document.querySelector('[data-quietdesk-widget]').shadowRoot; ` + js + ` })()`
}

// TestBrowserChat works a chat end to end, in two Chromium contexts: a
// visitor on a shop's page (another origin) chats through the widget while
// an agent answers on the conversation page; each sees the other's
// messages live and the other typing. The visitor leaves their address and
// the page; the agent's next reply, unseen, goes by mail through the
// relay three minutes later, and the visitor's answer by mail continues
// the same conversation.
func TestBrowserChat(t *testing.T) {
	browser, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	d := startChat(t, db)
	d.setUserName("agent@example.com", "Sam Ortiz")
	bg := context.Background()
	relay := notifytest.StartSMTP(t, notifytest.Options{})
	for k, v := range map[string]string{"smtp.host": relay.Host, "smtp.port": strconv.Itoa(relay.Port), "smtp.from": "noreply@brand.example", "smtp.tls": "none"} {
		if err := db.SetSetting(bg, k, v); err != nil {
			t.Fatal(err)
		}
	}
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		token := ""
		if tok := r.URL.Query().Get("token"); tok != "" {
			token = ` data-token="` + html.EscapeString(tok) + `"`
		}
		fmt.Fprintf(w, widgetPage, d.url, token)
	}))
	t.Cleanup(shop.Close)
	if err := db.SetSetting(bg, chat.SettingOrigins, shop.URL); err != nil {
		t.Fatal(err)
	}
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}
	// The visitor's own browser context: their storage is not the agent's.
	visitor, cancelVisitor := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancelVisitor()
	agent := browser

	// The visitor opens the chat and asks.
	if err := chromedp.Do(step(t, visitor), chromedp.Navigate(shop.URL)); err != nil {
		fail("open the shop", err)
	}
	if err := waitFor(t, visitor, "the launcher", inWidget(`const b = w.querySelector('.launcher'); return b && b.getBoundingClientRect().width > 40;`)); err != nil {
		fail("see the launcher despite the page's styles", err)
	}
	if _, err := chromedp.Run(step(t, visitor), chromedp.Evaluate[bool](inWidget(`w.querySelector('.launcher').click(); return true;`))); err != nil {
		fail("open the panel", err)
	}
	if err := waitFor(t, visitor, "the greeting and the slot", inWidget(`return w.querySelector('.greeting').textContent === 'Hi! How can we help?' && !!w.querySelector('[data-slot="suggestions"] + .person');`)); err != nil {
		fail("see the greeting, the suggestions slot and 'Talk to a person'", err)
	}
	say := func(text string) {
		t.Helper()
		if _, err := chromedp.Run(step(t, visitor), chromedp.Evaluate[bool](inWidget(`
			const p = w.querySelector('.person'); if (!p.hidden) { p.click(); }
			const t = w.querySelector('textarea'); t.value = `+strconv.Quote(text)+`; t.dispatchEvent(new Event('input'));
			w.querySelector('.compose').requestSubmit(); return true;`))); err != nil {
			fail("send "+text, err)
		}
	}
	say("Do you have it in blue?")
	var conv int64
	for i := 0; i < 100 && conv == 0; i++ {
		db.QueryRow(bg, `SELECT conversation_id FROM messages WHERE body = 'Do you have it in blue?'`).Scan(&conv)
		time.Sleep(50 * time.Millisecond)
	}
	if conv == 0 {
		fail("store the visitor's message", fmt.Errorf("not stored"))
	}

	// The agent opens the conversation.
	if err := logIn(t, agent, fmt.Sprintf("%s/conversations/%d", d.url, conv), "agent@example.com", `#thread`); err != nil {
		fail("log in", err)
	}
	if err := waitFor(t, agent, "the live stream", `document.getElementById('desk').dataset.live === 'open'`); err != nil {
		fail("connect the live stream", err)
	}
	if err := waitFor(t, agent, "the visitor's question", `[...document.querySelectorAll('#thread .msg-in .body')].some((b) => b.textContent.includes('Do you have it in blue?'))`); err != nil {
		fail("see the question", err)
	}

	// Typing, both ways.
	if _, err := chromedp.Run(step(t, visitor), chromedp.Evaluate[bool](inWidget(`const t = w.querySelector('textarea'); t.value = 'And'; t.dispatchEvent(new Event('input')); return true;`))); err != nil {
		fail("type as the visitor", err)
	}
	if err := waitFor(t, agent, "visitor is typing", `(document.getElementById('chat-visitor') || {}).textContent?.includes('visitor is typing')`); err != nil {
		fail("see the visitor typing", err)
	}
	// The agent types as people do, a little at a time, until the
	// visitor's widget says so (the page tells the desk every few seconds).
	agentTyping := false
	for _, part := range strings.SplitAfter("Yes, in navy blue.", "") {
		if err := chromedp.Do(step(t, agent), chromedp.SendKeys(`#composer`, part)); err != nil {
			fail("type the reply", err)
		}
		var err error
		if agentTyping, err = chromedp.Run(step(t, visitor), chromedp.Evaluate[bool](inWidget(`return w.querySelector('.typing').textContent === 'Sam is typing…';`))); err != nil {
			fail("read the widget", err)
		}
		if agentTyping {
			break
		}
		time.Sleep(400 * time.Millisecond)
	}
	if err := waitFor(t, visitor, "Sam is typing", inWidget(`return w.querySelector('.typing').textContent === 'Sam is typing…';`)); err != nil {
		fail("see the agent typing", err)
	}
	if err := chromedp.Do(step(t, agent), chromedp.SetValue(`#composer`, "Yes, in navy blue.")); err != nil {
		fail("finish the reply", err)
	}

	// The agent's reply reaches the visitor live.
	if err := chromedp.Do(step(t, agent), chromedp.Click(`#send`)); err != nil {
		fail("send the reply", err)
	}
	if err := waitFor(t, visitor, "the reply", inWidget(`return [...w.querySelectorAll('.msg:not(.mine)')].some((m) => m.textContent === 'SamYes, in navy blue.');`)); err != nil {
		fail("see the reply in the widget", err)
	}
	// And the visitor's next message reaches the agent live.
	if _, err := chromedp.Run(step(t, visitor), chromedp.Evaluate[bool](`window.__marker = 1; true`)); err != nil {
		fail("mark the page", err)
	}
	say("Great, can you hold one?")
	if err := waitFor(t, agent, "the visitor's second message", `[...document.querySelectorAll('#thread .msg-in .body')].some((b) => b.textContent.includes('Great, can you hold one?'))`); err != nil {
		fail("see the visitor's second message", err)
	}
	// The visitor leaves an address for replies they might miss.
	if _, err := chromedp.Run(step(t, visitor), chromedp.Evaluate[bool](inWidget(`
		const f = w.querySelector('form.email'); if (f.hidden) { return false; }
		f.elements.email.value = 'ann@example.com'; f.requestSubmit(); return true;`))); err != nil {
		fail("leave an address", err)
	}
	if err := waitFor(t, visitor, "the address saved", inWidget(`return w.querySelector('form.email').hidden;`)); err != nil {
		fail("save the address", err)
	}
	seen := false
	for i := 0; i < 100 && !seen; i++ {
		var through int64
		db.QueryRow(bg, `SELECT seen_through FROM chat_conversations WHERE conversation_id = ?`, conv).Scan(&through)
		seen = through > 0
		time.Sleep(50 * time.Millisecond)
	}
	if !seen {
		t.Error("the open widget never acknowledged the reply it showed")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the browser reported problems:\n  %s", strings.Join(p, "\n  "))
	}

	// The visitor closes the page; the agent answers again.
	cancelVisitor()
	if err := chromedp.Do(step(t, agent), chromedp.SetValue(`#composer`, "Held until Friday under your name."), chromedp.Click(`#send`)); err != nil {
		fail("send the second reply", err)
	}
	if err := waitFor(t, agent, "the second reply", `[...document.querySelectorAll('#thread .msg-out .body')].some((b) => b.textContent.includes('Held until Friday'))`); err != nil {
		fail("see the second reply", err)
	}
	// The scheduler's task, as of two and then four minutes later, and the outbox.
	if n, err := chat.MailUnseen(bg, db, now.Add(2*time.Minute)); err != nil || n != 0 {
		t.Fatalf("two minutes later: %d mails, %v", n, err)
	}
	if n, err := chat.MailUnseen(bg, db, now.Add(4*time.Minute)); err != nil || n != 1 {
		t.Fatalf("four minutes later: %d mails, %v", n, err)
	}
	if _, err := notify.NewWorker(db, slog.New(slog.NewTextHandler(io.Discard, nil)), qdclock.Fixed(now.Add(4*time.Minute))).RunOnce(bg); err != nil {
		t.Fatal(err)
	}
	sent := relay.Messages()
	if len(sent) != 1 {
		t.Fatalf("the relay got %d mails", len(sent))
	}
	out, err := netmail.ReadMessage(bytes.NewReader(sent[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(out.Body)
	replyTo := strings.Trim(out.Header.Get("Reply-To"), "<>")
	if !strings.Contains(out.Header.Get("To"), "ann@example.com") || !strings.HasPrefix(replyTo, "support+") || !strings.Contains(string(body), "Held until Friday") ||
		strings.Contains(string(body), "navy blue") || sent[0].To[0] != "ann@example.com" {
		t.Fatalf("the mail: %v\n%s", out.Header, body)
	}
	// Nothing more on the next run.
	if n, _ := chat.MailUnseen(bg, db, now.Add(5*time.Minute)); n != 0 {
		t.Errorf("the next run queued %d more", n)
	}

	// The visitor answers by mail: the same conversation, live on the agent's page.
	answer := "From: ann@example.com\r\nTo: " + replyTo + "\r\nSubject: Re: our chat\r\nDate: Wed, 25 Mar 2026 10:09:00 +0000\r\n" +
		"Message-ID: <ann-chat-answer@mail.example.com>\r\nIn-Reply-To: " + out.Header.Get("Message-Id") + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nPerfect, I'll pick it up Friday.\r\n"
	in, err := desk.ReceiveMail(bg, db, now.Add(10*time.Minute), []byte(answer), []string{replyTo})
	if err != nil {
		t.Fatal(err)
	}
	if in.ConversationID != conv {
		t.Fatalf("the answer by mail went to conversation %d, not %d", in.ConversationID, conv)
	}
	var channel string
	db.QueryRow(bg, `SELECT channel FROM messages WHERE id = ?`, in.MessageID).Scan(&channel)
	if channel != "email" {
		t.Errorf("the answer was stored on channel %q", channel)
	}
	if err := waitFor(t, agent, "the answer by mail", `[...document.querySelectorAll('#thread .msg-in .body')].some((b) => b.textContent.includes("Perfect, I'll pick it up Friday."))`); err != nil {
		fail("see the answer by mail", err)
	}

	// Later, logged in on the shop, Ann's page carries an identity token:
	// in a fresh browser she sees the whole conversation, her mail too.
	ann, err := chat.Sign(widgetSecret, chat.Identity{Email: "ann@example.com", Name: "Ann Lee", Exp: now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	again, cancelAgain := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancelAgain()
	if err := chromedp.Do(step(t, again), chromedp.Navigate(shop.URL+"/?token="+ann)); err != nil {
		fail("open the shop as Ann", err)
	}
	if _, err := chromedp.Run(step(t, again), chromedp.Evaluate[bool](`new Promise((r) => { const go = () => { const h = document.querySelector('[data-quietdesk-widget]'); if (h) { h.shadowRoot.querySelector('.launcher').click(); r(true); } else { setTimeout(go, 50); } }; go(); })`, chromedp.EvalAwaitPromise)); err != nil {
		fail("open Ann's panel", err)
	}
	if err := waitFor(t, again, "Ann's history", inWidget(`const all = [...w.querySelectorAll('.msg')].map((m) => m.textContent).join('|');
		return all.includes('Do you have it in blue?') && all.includes('Held until Friday') && all.includes("Perfect, I'll pick it up Friday.");`)); err != nil {
		fail("see Ann's earlier conversation", err)
	}
	// A forged token is refused: the widget carries on anonymously and
	// shows nothing of Ann's.
	forged := ann[:len(ann)-2] + "xx"
	other, cancelOther := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancelOther()
	if err := chromedp.Do(step(t, other), chromedp.Navigate(shop.URL+"/?token="+forged)); err != nil {
		fail("open the shop with a forged token", err)
	}
	if _, err := chromedp.Run(step(t, other), chromedp.Evaluate[bool](`new Promise((r) => { const go = () => { const h = document.querySelector('[data-quietdesk-widget]'); if (h) { h.shadowRoot.querySelector('.launcher').click(); r(true); } else { setTimeout(go, 50); } }; go(); })`, chromedp.EvalAwaitPromise)); err != nil {
		fail("open the panel with a forged token", err)
	}
	if err := waitFor(t, other, "an anonymous session", inWidget(`return !w.querySelector('.person').hidden && w.querySelector('.greeting').textContent !== '';`)); err != nil {
		fail("start anonymously", err)
	}
	if n, err := chromedp.Run(step(t, other), chromedp.Evaluate[int](inWidget(`return w.querySelectorAll('.msg').length;`))); err != nil || n != 0 {
		t.Errorf("with a forged token the widget shows %d messages (%v)", n, err)
	}
}
