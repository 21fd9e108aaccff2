package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	qdclock "quietdesk/internal/clock"
	"quietdesk/internal/desk"
	"quietdesk/internal/mail"
	"quietdesk/internal/mail/mailtest"
	"quietdesk/internal/notify"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestBrowserEmailRoundTrip works an email conversation end to end: a
// customer's mail arrives over SMTP, the agent answers it in Chromium, the
// answer leaves through the relay with the threading headers, and the
// customer's reply by mail lands in the same conversation on the open page
// without a reload, its quoted history stripped.
func TestBrowserEmailRoundTrip(t *testing.T) {
	ctx, problems := chromium(t)
	db := storetest.Open(t, store.SQLite)
	d := startDesk(t, db)
	bg := context.Background()
	relay := notifytest.StartSMTP(t, notifytest.Options{})
	for k, v := range map[string]string{"smtp.host": relay.Host, "smtp.port": strconv.Itoa(relay.Port), "smtp.from": "noreply@brand.example", "smtp.tls": "none"} {
		if err := db.SetSetting(bg, k, v); err != nil {
			t.Fatal(err)
		}
	}
	inbound := &mail.Server{Addr: "127.0.0.1:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Accept: func(rcpt string) bool {
			addrs, _ := desk.LoadSupportAddresses(bg, db)
			ok, _ := addrs.Accepts(rcpt)
			return ok
		},
		Deliver: func(ctx context.Context, env mail.Envelope, raw []byte) error {
			_, err := desk.ReceiveMail(ctx, db, now, raw, env.Rcpts)
			return err
		}}
	smtpAddr, err := inbound.Start(bg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inbound.Shutdown(bg) })
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("%s: %v\nthe browser reported: %q", step, err, problems())
	}

	first := "From: Ann Lee <ann@example.com>\r\nTo: support@brand.example\r\nSubject: My parcel\r\nDate: Wed, 25 Mar 2026 08:00:00 +0000\r\n" +
		"Message-ID: <ann-first@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, my parcel has not arrived.\r\n"
	if err := mailtest.Send(smtpAddr, "ann@example.com", "support@brand.example", []byte(first)); err != nil {
		t.Fatal(err)
	}
	var conv int64
	if err := db.QueryRow(bg, `SELECT id FROM conversations`).Scan(&conv); err != nil {
		t.Fatal(err)
	}

	if err := logIn(t, ctx, fmt.Sprintf("%s/conversations/%d", d.url, conv), "agent@example.com", `#thread`); err != nil {
		fail("log in", err)
	}
	if err := waitFor(t, ctx, "the live stream", `document.getElementById('desk').dataset.live === 'open'`); err != nil {
		fail("connect the live stream", err)
	}
	if _, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[bool](`window.__marker = 'still here'; true`)); err != nil {
		fail("mark the page", err)
	}
	if err := chromedp.Do(step(t, ctx), chromedp.SetValue(`#composer`, "It left our warehouse today."), chromedp.Click(`#send-wait`)); err != nil {
		fail("send and wait", err)
	}
	if err := waitFor(t, ctx, "the reply on the thread", `[...document.querySelectorAll('#thread .msg-out .body')].some((b) => b.textContent.includes('It left our warehouse today.'))`); err != nil {
		fail("see the reply", err)
	}

	// The outbox sends it through the relay, threaded under Ann's mail.
	if _, err := notify.NewWorker(db, slog.New(slog.NewTextHandler(io.Discard, nil)), qdclock.Fixed(now)).RunOnce(bg); err != nil {
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
	h := out.Header
	if h.Get("In-Reply-To") != "<ann-first@mail.example.com>" || h.Get("References") != "<ann-first@mail.example.com>" ||
		!strings.Contains(h.Get("From"), "support@brand.example") || h.Get("Auto-Submitted") != "" || h.Get("Message-Id") == "" {
		t.Fatalf("the reply's headers: %v", h)
	}
	ours, replyTo := h.Get("Message-Id"), strings.Trim(h.Get("Reply-To"), "<>")

	// Ann answers from her mail client, quoting the reply.
	answer := "From: ann@example.com\r\nTo: " + replyTo + "\r\nSubject: Re: My parcel\r\nDate: Wed, 25 Mar 2026 09:30:00 +0000\r\n" +
		"Message-ID: <ann-second@mail.example.com>\r\nIn-Reply-To: " + ours + "\r\nReferences: <ann-first@mail.example.com> " + ours + "\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nWonderful, thanks!\r\n\r\nOn Wed, 25 Mar 2026 at 09:00, Support <support@brand.example> wrote:\r\n> It left our warehouse today.\r\n"
	if err := mailtest.Send(smtpAddr, "ann@example.com", replyTo, []byte(answer)); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(t, ctx, "Ann's answer", `[...document.querySelectorAll('#thread .msg-in .body')].some((b) => b.textContent.trim() === 'Wonderful, thanks!')`); err != nil {
		fail("see Ann's answer arrive", err)
	}
	if still, err := chromedp.Run(step(t, ctx), chromedp.Evaluate[string](`window.__marker || ''`)); err != nil || still != "still here" {
		t.Errorf("the page was reloaded: the marker is %q (%v)", still, err)
	}
	var convs, contacts int
	db.QueryRow(bg, `SELECT COUNT(DISTINCT conversation_id) FROM messages`).Scan(&convs)
	db.QueryRow(bg, `SELECT COUNT(*) FROM contacts`).Scan(&contacts)
	if convs != 1 || contacts != 1 {
		t.Errorf("after the round trip: %d conversations, %d contacts; want 1 and 1", convs, contacts)
	}
}
