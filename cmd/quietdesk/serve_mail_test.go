package main

import (
	"bytes"
	"context"
	"errors"
	"net/mail"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/desk"
	"quietdesk/internal/mail/mailtest"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
)

// TestServeReceivesMailAndRepliesInThread runs serve --smtp and talks to it
// as a customer's mail server does: a mail lands in a conversation, the
// agent's reply leaves through the relay with threading headers, and the
// customer's answer to it joins the same conversation without a new
// contact.
func TestServeReceivesMailAndRepliesInThread(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		relay := notifytest.StartSMTP(t, notifytest.Options{})
		mustRun(t, "settings", "set", desk.SettingSupportAddresses, "help@brand.example", "--db", dsn)
		mustRun(t, "settings", "set", "smtp.host", relay.Host, "--db", dsn)
		mustRun(t, "settings", "set", "smtp.port", strconv.Itoa(relay.Port), "--db", dsn)
		mustRun(t, "settings", "set", "smtp.from", "Brand <noreply@brand.example>", "--db", dsn)
		mustRun(t, "settings", "set", "smtp.tls", "none", "--db", dsn)

		_, logs := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--smtp", "127.0.0.1:0", "--db", dsn)
		smtpAddr := waitLog(t, logs, regexp.MustCompile(`receiving mail.* smtp=(\S+)`))

		// A recipient that is not ours is refused.
		if err := mailtest.Send(smtpAddr, "ann@example.com", "someone@else.example", nil); !isCode(err, 550) {
			t.Fatalf("mail for another domain: %v, want 550", err)
		}
		first := "From: Ann <ann@example.com>\r\nTo: help@brand.example\r\nSubject: Where is my parcel?\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n" +
			"Message-ID: <ann-1@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi, my parcel #1042 has not arrived.\r\n"
		if err := mailtest.Send(smtpAddr, "ann@example.com", "help@brand.example", []byte(first)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM contacts`); n != 1 {
			t.Fatalf("contacts after the first mail = %d", n)
		}
		conv := count(t, dsn, `SELECT id FROM conversations`)

		// The agent answers; the outbox sends through the relay.
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		err = db.WriteTx(context.Background(), func(tx *store.Tx) error {
			_, err := desk.SendReply(context.Background(), tx, desk.Reply{ConversationID: int64(conv), Agent: "Sam", Text: "It ships today.", Then: "waiting", At: clocktest.Default})
			return err
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		mustRun(t, "tasks", "run", "outbox", "--db", dsn)
		sent := relay.Messages()
		if len(sent) != 1 || sent[0].To[0] != "ann@example.com" {
			t.Fatalf("relay got %+v", sent)
		}
		out, err := mail.ReadMessage(bytes.NewReader(sent[0].Data))
		if err != nil {
			t.Fatal(err)
		}
		h := out.Header
		if h.Get("In-Reply-To") != "<ann-1@example.com>" || h.Get("References") != "<ann-1@example.com>" || h.Get("Auto-Submitted") != "" ||
			!strings.Contains(h.Get("From"), "help@brand.example") || !strings.HasPrefix(h.Get("Reply-To"), "<help+") || h.Get("Subject") != "Re: Where is my parcel?" {
			t.Fatalf("reply headers: %v", h)
		}
		replyTo := strings.Trim(h.Get("Reply-To"), "<>")

		// Ann answers from a client that drops In-Reply-To but keeps the
		// reply address.
		answer := "From: ann@example.com\r\nTo: " + replyTo + "\r\nSubject: thanks\r\nDate: Wed, 02 Dec 2026 10:30:00 +0000\r\nMessage-ID: <ann-2@example.com>\r\n\r\n" +
			"Great, thank you!\r\n\r\nLe mer. 2 déc. 2026 à 10:00, Sam <help@brand.example> a écrit :\r\n> It ships today.\r\n"
		if err := mailtest.Send(smtpAddr, "ann@example.com", replyTo, []byte(answer)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, dsn, `SELECT COUNT(DISTINCT conversation_id) FROM messages`); n != 1 {
			t.Fatalf("the answer started another conversation (%d)", n)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM contacts`); n != 1 {
			t.Fatalf("the answer inside the contact made contacts = %d", n)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM messages WHERE body LIKE '%It ships today%' AND direction = 'in'`); n != 0 {
			t.Fatalf("the quoted history stayed in the answer's text")
		}
	})
}

func isCode(err error, code int) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == code
}
