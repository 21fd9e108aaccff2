package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/notify"
	"quietdesk/internal/notify/notifytest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func relay(s *notifytest.Server) notify.SMTPConfig {
	return notify.SMTPConfig{Host: s.Host, Port: s.Port, Username: "relay-user", Password: "s3cret",
		From: "Quietdesk <reviews@brand.example>", TLS: notify.TLSNone}
}

func emailSenders(cfg notify.SMTPConfig, c *clock) map[string]notify.Sender {
	return map[string]notify.Sender{notify.ChannelEmail: &notify.SMTPSender{Config: cfg, Now: c.Now}}
}

var review = notify.Delivery{
	Key: "review:2026-W47:email:dana@brand.example", Channel: notify.ChannelEmail, Target: "Dana Owner <dana@brand.example>",
	Subject: "Revue hebdomadaire — 2026-W47",
	Text:    "Contacts per order fell to 0.21.\nKeep the carrier fix.\n",
	HTML:    "<h1>Weekly review</h1><p>Contacts per order fell to <b>0.21</b>.</p>",
}

func TestEmailThroughRelay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: map[string]string{"relay-user": "s3cret"}})
		c := newClock()
		w, _ := worker(db, c, emailSenders(relay(srv), c))
		d := enqueue(t, db, review)

		if res := runOnce(t, w); res.Sent != 1 {
			t.Fatalf("RunOnce = %+v, want one sent", res)
		}
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server received %d messages, want 1", len(msgs))
		}
		m := msgs[0]
		if m.From != "reviews@brand.example" || !slices.Equal(m.To, []string{"dana@brand.example"}) || m.User != "relay-user" {
			t.Errorf("envelope from %q to %v, user %q", m.From, m.To, m.User)
		}

		r, err := gomail.CreateReader(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		if date, err := r.Header.Date(); err != nil || !date.Equal(t0) {
			t.Errorf("Date %v (%v), want %v", date, err, t0)
		}
		if subj, _ := r.Header.Subject(); subj != review.Subject {
			t.Errorf("Subject %q", subj)
		}
		from, _ := r.Header.AddressList("From")
		to, _ := r.Header.AddressList("To")
		if len(from) != 1 || from[0].Address != "reviews@brand.example" || from[0].Name != "Quietdesk" ||
			len(to) != 1 || to[0].Address != "dana@brand.example" || to[0].Name != "Dana Owner" {
			t.Errorf("From %v To %v", from, to)
		}
		id, err := r.Header.MessageID()
		if err != nil || !strings.HasSuffix(id, "@brand.example") || len(id) < 30 {
			t.Errorf("Message-ID %q (%v)", id, err)
		}
		if mt, _, _ := r.Header.ContentType(); mt != "multipart/alternative" {
			t.Errorf("Content-Type %q", mt)
		}
		if got := r.Header.Get("Auto-Submitted"); got != "auto-generated" {
			t.Errorf("Auto-Submitted %q", got)
		}
		var parts []string
		for {
			p, err := r.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			mt, params, _ := p.Header.(*gomail.InlineHeader).ContentType()
			body, _ := io.ReadAll(p.Body)
			parts = append(parts, mt+";"+params["charset"]+"\n"+strings.ReplaceAll(string(body), "\r\n", "\n"))
		}
		want := []string{"text/plain;utf-8\n" + review.Text, "text/html;utf-8\n" + review.HTML}
		if !slices.Equal(parts, want) {
			t.Errorf("parts:\n%q\nwant:\n%q", parts, want)
		}

		got := get(t, db, d.ID)
		if got.Status != notify.StatusSent || got.Attempts != 1 || got.SentAt == nil || !got.SentAt.Equal(t0) || got.ClaimedUntil != nil {
			t.Errorf("after sending: %+v", got)
		}
		if res := runOnce(t, w); res != (notify.Result{}) || len(srv.Messages()) != 1 {
			t.Errorf("a second run did %+v; server has %d messages", res, len(srv.Messages()))
		}
	})
}

// A message without HTML is plain text alone, and its Message-ID is the
// same on every attempt.
func TestEmailPlainTextAndStableMessageID(t *testing.T) {
	srv := notifytest.StartSMTP(t, notifytest.Options{})
	cfg := relay(srv)
	cfg.Username = ""
	s := &notify.SMTPSender{Config: cfg, Now: clocktest.Clock()}
	d := notify.Delivery{Key: "k1", Channel: notify.ChannelEmail, Target: "sam@brand.example", Subject: "Hi", Text: "plain only"}
	for range 2 {
		if err := s.Send(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, m := range srv.Messages() {
		r, err := gomail.CreateReader(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		if mt, _, _ := r.Header.ContentType(); mt != "text/plain" {
			t.Errorf("Content-Type %q, want text/plain", mt)
		}
		id, _ := r.Header.MessageID()
		ids = append(ids, id)
	}
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] == "" {
		t.Errorf("Message-IDs %q: want one id for the same key", ids)
	}
}

// A 5xx refusal of the recipient fails the delivery at once; a 4xx one is
// retried after the backoff.
func TestEmailRecipientRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var busy atomic.Int32
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: map[string]string{"relay-user": "s3cret"}, Rcpt: func(to string) error {
			switch {
			case to == "nobody@brand.example":
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
			case to == "busy@brand.example" && busy.Add(1) == 1:
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
			}
			return nil
		}})
		c := newClock()
		w, log := worker(db, c, emailSenders(relay(srv), c))
		gone := enqueue(t, db, notify.Delivery{Key: "a", Channel: notify.ChannelEmail, Target: "nobody@brand.example", Subject: "S", Text: "T"})
		later := enqueue(t, db, notify.Delivery{Key: "b", Channel: notify.ChannelEmail, Target: "busy@brand.example", Subject: "S", Text: "T"})

		if res := runOnce(t, w); res.Failed != 1 || res.Retrying != 1 {
			t.Fatalf("RunOnce = %+v, want one failed and one retrying", res)
		}
		g := get(t, db, gone.ID)
		if g.Status != notify.StatusFailed || g.Attempts != 1 {
			t.Errorf("refused recipient: %+v", g)
		}
		mustContain(t, "last error", g.LastError, "550", "No such user here", "nobody@brand.example")
		l := get(t, db, later.ID)
		if l.Status != notify.StatusPending || l.Attempts != 1 || !l.NextAttemptAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("deferred recipient: %+v", l)
		}
		mustContain(t, "last error", l.LastError, "451", "Try again later")
		mustContain(t, "log", log.String(), "giving up", "No such user here", "will retry", "Try again later")

		c.Advance(time.Minute)
		if res := runOnce(t, w); res.Sent != 1 || res.Failed != 0 {
			t.Fatalf("second run = %+v, want only the deferred one sent", res)
		}
		if len(srv.Messages()) != 1 || get(t, db, gone.ID).Attempts != 1 {
			t.Errorf("server has %d messages; the refused delivery was tried again", len(srv.Messages()))
		}
	})
}

// A refused login is about our settings, not the message: it is retried,
// so fixing the password lets the message through.
func TestEmailWrongPasswordIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: map[string]string{"relay-user": "s3cret"}})
		c := newClock()
		cfg := relay(srv)
		cfg.Password = "wrong"
		w, _ := worker(db, c, emailSenders(cfg, c))
		d := enqueue(t, db, review)
		if res := runOnce(t, w); res.Retrying != 1 {
			t.Fatalf("RunOnce = %+v", res)
		}
		mustContain(t, "last error", get(t, db, d.ID).LastError, "log in as relay-user", "535")

		w.Senders = emailSenders(relay(srv), c)
		c.Advance(time.Minute)
		if res := runOnce(t, w); res.Sent != 1 || len(srv.Messages()) != 1 {
			t.Fatalf("after fixing the password: %+v, %d messages", res, len(srv.Messages()))
		}
	})
}

func TestEmailTLSModes(t *testing.T) {
	serverTLS, roots := notifytest.Certificate(t)
	users := map[string]string{"relay-user": "s3cret"}
	send := func(srv *notifytest.Server, mode string) error {
		cfg := relay(srv)
		cfg.TLS = mode
		cfg.TLSConfig = &tls.Config{RootCAs: roots}
		return (&notify.SMTPSender{Config: cfg, Now: clocktest.Clock()}).Send(context.Background(), review)
	}
	t.Run("starttls", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: users, TLS: serverTLS})
		if err := send(srv, notify.TLSStartTLS); err != nil {
			t.Fatal(err)
		}
		if m := srv.Messages(); len(m) != 1 || !m[0].TLS {
			t.Fatalf("messages %+v: want one, over TLS", m)
		}
	})
	t.Run("implicit", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: users, TLS: serverTLS, ImplicitTLS: true})
		if err := send(srv, notify.TLSImplicit); err != nil {
			t.Fatal(err)
		}
		if m := srv.Messages(); len(m) != 1 || !m[0].TLS {
			t.Fatalf("messages %+v: want one, over TLS", m)
		}
	})
	t.Run("starttls required but not offered", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: users})
		err := send(srv, notify.TLSStartTLS)
		if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v, want a retried STARTTLS error", err)
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("sent in the clear")
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := notifytest.StartSMTP(t, notifytest.Options{Users: users, TLS: serverTLS})
		cfg := relay(srv)
		cfg.TLS = notify.TLSStartTLS
		err := (&notify.SMTPSender{Config: cfg, Now: clocktest.Clock()}).Send(context.Background(), review)
		if err == nil || !strings.Contains(err.Error(), "certificate") || len(srv.Messages()) != 0 {
			t.Fatalf("err = %v with %d messages, want a certificate error", err, len(srv.Messages()))
		}
	})
}

func TestEmailNotConfigured(t *testing.T) {
	err := (&notify.SMTPSender{Now: clocktest.Clock()}).Send(context.Background(), review)
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want a retried error", err)
	}
	mustContain(t, "error", err.Error(), "quietdesk settings set smtp.host")
}
