package notify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"quietdesk/internal/clock"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPSender sends email deliveries through an SMTP relay.
//
// Which failures are permanent: a 5xx reply to RCPT TO or to the message
// itself means the relay refused this recipient or this message, and
// sending it again will be refused again, so the delivery fails at once.
// Everything before that — connecting, TLS, AUTH, MAIL FROM — concerns the
// relay and our settings, not the message: those failures, 4xx replies and
// network errors are retried, so a relay that comes back or a password
// that is fixed lets the message through without anyone requeuing it.
type SMTPSender struct {
	Config SMTPConfig
	Now    clock.Clock // the Date header; required
}

// Send sends d as one message to d.Target.
func (s *SMTPSender) Send(ctx context.Context, d Delivery) error {
	cfg := s.Config
	if err := cfg.check(); err != nil {
		return err
	}
	from, _ := mail.ParseAddress(cfg.From) // checked
	if d.From != "" {
		// A desk reply comes from the support address it answers for.
		if own, err := mail.ParseAddress(d.From); err == nil {
			from = own
		}
	}
	to, err := mail.ParseAddress(d.Target)
	if err != nil {
		return Permanent(fmt.Errorf("%q is not an email address: %v", d.Target, err))
	}
	msg, err := compose(from, to, d, s.Now())
	if err != nil {
		return Permanent(fmt.Errorf("compose the message: %w", err))
	}

	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.port()))
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect to SMTP relay %s: %v (check %s and %s)", addr, err, SettingSMTPHost, SettingSMTPPort)
	}
	// go-smtp takes no context; closing the connection when ctx ends
	// unblocks whatever it is waiting for.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	stage := func(what string, err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("SMTP relay %s: %s: no answer in time (%v)", addr, what, ctx.Err())
		}
		return fmt.Errorf("SMTP relay %s: %s: %w", addr, what, err)
	}

	c, err := s.open(ctx, conn, cfg)
	if err != nil {
		return stage("connect", err)
	}
	defer c.Close()
	if cfg.Username != "" {
		if err := login(c, cfg); err != nil {
			return stage("log in as "+cfg.Username, err)
		}
	}
	var opts *smtp.MailOptions
	if !isASCII(from.Address) || !isASCII(to.Address) {
		opts = &smtp.MailOptions{UTF8: true}
	}
	if err := c.Mail(from.Address, opts); err != nil {
		return stage("MAIL FROM <"+from.Address+">", fmt.Errorf("%w (check %s: the relay must let you send as it)", err, SettingSMTPFrom))
	}
	if err := c.Rcpt(to.Address, nil); err != nil {
		return refused(stage("RCPT TO <"+to.Address+">", err))
	}
	w, err := c.Data()
	if err != nil {
		return refused(stage("DATA", err))
	}
	if _, err := w.Write(msg); err != nil {
		return stage("send the message", err)
	}
	if err := w.Close(); err != nil {
		return refused(stage("send the message", err))
	}
	// The relay has accepted the message: a failed QUIT must not make it
	// look unsent, or it would be sent again.
	c.Quit()
	return nil
}

// open greets the relay over conn, with TLS as configured. The greeting is
// sent here rather than left to the first command, so a refused
// certificate or greeting is reported as such and not as a missing
// extension.
func (s *SMTPSender) open(ctx context.Context, conn net.Conn, cfg SMTPConfig) (*smtp.Client, error) {
	tlsConf := &tls.Config{}
	if cfg.TLSConfig != nil {
		tlsConf = cfg.TLSConfig.Clone()
	}
	tlsConf.ServerName = cfg.Host
	var c *smtp.Client
	switch cfg.mode() {
	case TLSImplicit:
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS: %w (does port %d expect %s=%s?)", err, cfg.port(), SettingSMTPTLS, TLSStartTLS)
		}
		c = smtp.NewClient(tc)
	case TLSStartTLS:
		var err error
		if c, err = smtp.NewClientStartTLS(conn, tlsConf); err != nil {
			return nil, fmt.Errorf("STARTTLS: %w (for port 465 set %s=%s)", err, SettingSMTPTLS, TLSImplicit)
		}
	default:
		c = smtp.NewClient(conn)
	}
	if err := c.Hello(helloName()); err != nil {
		c.Close()
		if cfg.mode() == TLSStartTLS {
			return nil, fmt.Errorf("after STARTTLS: %w", err)
		}
		return nil, err
	}
	return c, nil
}

// helloName is the name given in EHLO: the host's name when it is fully
// qualified, since some relays refuse a bare one.
func helloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	return "localhost"
}

// login authenticates with PLAIN, or LOGIN for relays that offer only that.
// It never sends the password in the clear except to this machine.
func login(c *smtp.Client, cfg SMTPConfig) error {
	if _, isTLS := c.TLSConnectionState(); !isTLS && cfg.mode() == TLSNone && !isLoopback(cfg.Host) {
		return fmt.Errorf("refusing to send the password unencrypted to %s: set %s to %s or %s", cfg.Host, SettingSMTPTLS, TLSStartTLS, TLSImplicit)
	}
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return fmt.Errorf("the relay offers no AUTH; clear %s if it needs no login", SettingSMTPUsername)
	}
	if c.SupportsAuth(sasl.Plain) {
		return c.Auth(sasl.NewPlainClient("", cfg.Username, cfg.Password))
	}
	if c.SupportsAuth(sasl.Login) {
		return c.Auth(sasl.NewLoginClient(cfg.Username, cfg.Password))
	}
	return fmt.Errorf("the relay offers AUTH %s; Quietdesk speaks PLAIN and LOGIN", mechs)
}

// refused marks a 5xx reply as permanent.
func refused(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 500 {
		return Permanent(err)
	}
	return err
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// messageID is the delivery's Message-ID. It is derived from the key, so an
// attempt repeated after a crash (the relay had accepted the message, the
// outcome was not recorded) carries the same id, which mail systems use to
// show the two copies as one.
func messageID(d Delivery, from *mail.Address) string {
	sum := sha256.Sum256([]byte(d.Key))
	domain := "quietdesk.invalid"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		domain = from.Address[at+1:]
	}
	return "quietdesk." + hex.EncodeToString(sum[:16]) + "@" + domain
}
