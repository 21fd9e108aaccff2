package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type received struct {
	env Envelope
	raw []byte
}

// inbox collects what Deliver was given.
type inbox struct {
	mu   sync.Mutex
	msgs []received
}

func (b *inbox) deliver(_ context.Context, env Envelope, raw []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, received{env, append([]byte(nil), raw...)})
	return nil
}

func (b *inbox) all() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.msgs...)
}

func ourAddress(rcpt string) bool {
	return rcpt == "support@shop.example" || strings.HasPrefix(rcpt, "reply+") && strings.HasSuffix(rcpt, "@shop.example")
}

func startServer(t *testing.T, s *Server) string {
	t.Helper()
	if s.Addr == "" {
		s.Addr = "127.0.0.1:0"
	}
	if s.Accept == nil {
		s.Accept = ourAddress
	}
	addr, err := s.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return addr
}

// dial opens a real SMTP client conversation (net/smtp) with a deadline so
// a stuck server fails the test instead of hanging it.
func dial(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := smtp.NewClient(conn, "shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("mx.sender.example"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// send runs MAIL, RCPT and DATA and returns the first error.
func send(c *smtp.Client, from string, rcpts []string, raw []byte) error {
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestSMTPDeliversExactBytes(t *testing.T) {
	var box inbox
	addr := startServer(t, &Server{Domain: "mx.shop.example", Deliver: box.deliver})
	raw := []byte("From: Anna <anna@example.org>\r\nTo: support@shop.example\r\nSubject: =?UTF-8?Q?H=C3=B8r_her?=\r\nMessage-ID: <a1@example.org>\r\n\r\n" +
		".a line that starts with a dot\r\n..two dots\r\nÆØÅ in 8 bits\r\n.\r\nlast line\r\n")
	c := dial(t, addr)
	if err := send(c, "Anna@Example.org", []string{"Support@Shop.Example", "reply+t0k3n@shop.example"}, raw); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	got := box.all()
	if len(got) != 1 {
		t.Fatalf("delivered %d messages", len(got))
	}
	if !bytes.Equal(got[0].raw, raw) {
		t.Errorf("raw differs:\n got %q\nwant %q", got[0].raw, raw)
	}
	env := got[0].env
	if env.MailFrom != "anna@example.org" || strings.Join(env.Rcpts, ",") != "support@shop.example,reply+t0k3n@shop.example" || env.Helo != "mx.sender.example" {
		t.Errorf("envelope = %+v", env)
	}
	if m := Parse(got[0].raw, Options{}); m.Subject != "Hør her" || m.MessageID != "a1@example.org" {
		t.Errorf("parsed %q %q", m.Subject, m.MessageID)
	}
}

func TestSMTPRefusesUnknownRecipient(t *testing.T) {
	var box inbox
	addr := startServer(t, &Server{Deliver: box.deliver})
	c := dial(t, addr)
	if err := c.Mail("anna@example.org"); err != nil {
		t.Fatal(err)
	}
	err := c.Rcpt("someone-else@shop.example")
	if smtpCode(err) != 550 || !strings.Contains(err.Error(), "5.1.1") {
		t.Fatalf("RCPT to a stranger: %v, want 550 5.1.1", err)
	}
	// The conversation goes on: a known recipient is still accepted.
	if err := c.Rcpt("support@shop.example"); err != nil {
		t.Fatal(err)
	}
	w, _ := c.Data()
	fmt.Fprint(w, "Subject: hi\r\n\r\nhello\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := box.all(); len(got) != 1 || strings.Join(got[0].env.Rcpts, ",") != "support@shop.example" {
		t.Errorf("delivered %+v", got)
	}
}

func TestSMTPRefusesOversizeMessage(t *testing.T) {
	var box inbox
	addr := startServer(t, &Server{Deliver: box.deliver, MaxMessageBytes: 4096})
	c := dial(t, addr)
	raw := []byte("Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", 1000))
	err := send(c, "anna@example.org", []string{"support@shop.example"}, raw)
	if smtpCode(err) != 552 {
		t.Fatalf("oversize DATA: %v, want 552", err)
	}
	if len(box.all()) != 0 {
		t.Error("an oversize message was delivered")
	}
	// The connection is still usable for a message of the right size.
	if err := send(c, "anna@example.org", []string{"support@shop.example"}, []byte("Subject: small\r\n\r\nok\r\n")); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
	if len(box.all()) != 1 {
		t.Error("the small message was not delivered")
	}
}

func TestSMTPDeliverErrorIsTemporary(t *testing.T) {
	addr := startServer(t, &Server{Deliver: func(context.Context, Envelope, []byte) error {
		return errors.New("database is locked")
	}})
	c := dial(t, addr)
	err := send(c, "anna@example.org", []string{"support@shop.example"}, []byte("Subject: x\r\n\r\ny\r\n"))
	if code := smtpCode(err); code < 400 || code > 499 {
		t.Fatalf("Deliver error gave %v, want 4xx", err)
	}
}

func TestSMTPDeliverPanicIsTemporaryAndServerLives(t *testing.T) {
	var box inbox
	calls := 0
	var mu sync.Mutex
	addr := startServer(t, &Server{Deliver: func(ctx context.Context, env Envelope, raw []byte) error {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			panic("nil map in the desk")
		}
		return box.deliver(ctx, env, raw)
	}})
	c := dial(t, addr)
	err := send(c, "anna@example.org", []string{"support@shop.example"}, []byte("Subject: first\r\n\r\ny\r\n"))
	if code := smtpCode(err); code != 451 {
		t.Fatalf("panicking Deliver gave %v, want 451", err)
	}
	// Same connection, next message.
	if err := send(c, "anna@example.org", []string{"support@shop.example"}, []byte("Subject: second\r\n\r\ny\r\n")); err != nil {
		t.Fatalf("same connection after the panic: %v", err)
	}
	// A new connection too.
	c2 := dial(t, addr)
	if err := send(c2, "anna@example.org", []string{"support@shop.example"}, []byte("Subject: third\r\n\r\ny\r\n")); err != nil {
		t.Fatalf("new connection after the panic: %v", err)
	}
	if got := box.all(); len(got) != 2 {
		t.Errorf("delivered %d messages after the panic, want 2", len(got))
	}
}

func TestSMTPConcurrentClients(t *testing.T) {
	var box inbox
	addr := startServer(t, &Server{Deliver: box.deliver})
	const clients, each = 10, 10
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			c, err := smtp.NewClient(conn, "shop.example")
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := 0; j < each; j++ {
				raw := fmt.Sprintf("From: c%d@example.org\r\nMessage-ID: <m-%d-%d@example.org>\r\nSubject: order %d-%d\r\n\r\nWhere is order %d-%d?\r\n", i, i, j, i, j, i, j)
				if err := send(c, fmt.Sprintf("c%d@example.org", i), []string{"support@shop.example"}, []byte(raw)); err != nil {
					errs <- fmt.Errorf("client %d message %d: %w", i, j, err)
				}
			}
			c.Quit()
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for _, r := range box.all() {
		seen[Parse(r.raw, Options{}).MessageID] = true
	}
	for i := 0; i < clients; i++ {
		for j := 0; j < each; j++ {
			if !seen[fmt.Sprintf("m-%d-%d@example.org", i, j)] {
				t.Errorf("message %d-%d did not arrive", i, j)
			}
		}
	}
	if len(box.all()) != clients*each {
		t.Errorf("delivered %d, want %d", len(box.all()), clients*each)
	}
}

// The real-world corpus, delivered by a real SMTP client, reads as the
// files do: stripped, classified and with its attachments.
func TestSMTPCorpus(t *testing.T) {
	var box inbox
	addr := startServer(t, &Server{Deliver: box.deliver})
	exp := loadCorpusExpect(t)
	names := corpusMessages(t)
	c := dial(t, addr)
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := send(c, "sender@example.org", []string{"support@shop.example"}, raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	got := box.all()
	if len(got) != len(names) {
		t.Fatalf("delivered %d of %d", len(got), len(names))
	}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			checkCorpusMessage(t, Parse(got[i].raw, Options{Now: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}), exp[name])
		})
	}
}

func TestSMTPShutdown(t *testing.T) {
	var box inbox
	s := &Server{Addr: "127.0.0.1:0", Accept: ourAddress, Deliver: box.deliver}
	addr, err := s.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(context.Background()); err == nil {
		t.Error("a second Start succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Error("still accepting connections after Shutdown")
	}
	if _, err := (&Server{Addr: "127.0.0.1:0"}).Start(context.Background()); err == nil {
		t.Error("Start without Accept and Deliver succeeded")
	}
}
