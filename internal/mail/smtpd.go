package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Limits of the inbound server. The message size can be set per Server.
const (
	DefaultMaxMessageBytes = 25 << 20
	defaultMaxRecipients   = 100
	defaultTimeout         = 2 * time.Minute
)

// Envelope is what the sending server said in the SMTP conversation.
type Envelope struct {
	MailFrom   string   // the return path; empty for bounces (MAIL FROM:<>)
	Rcpts      []string // accepted recipients, lower-cased
	RemoteAddr string
	Helo       string
}

// Server receives mail for the brand's support addresses: it is the MX
// side, so it takes no AUTH and relays nothing. It keeps each message's
// raw bytes exactly as received and hands them to Deliver.
type Server struct {
	Addr            string // "127.0.0.1:2525"; ":0" picks a free port
	Domain          string // the name it greets with
	MaxMessageBytes int64  // default 25 MiB; larger messages are refused with 552
	MaxRecipients   int    // default 100
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	// Accept says which recipients are ours (support addresses, reply+token
	// addresses); the others are refused with 550 5.1.1 at RCPT. It is given
	// the address lower-cased, without angle brackets.
	Accept func(rcpt string) bool
	// Deliver stores one message. An error answers 451 so the sender keeps
	// the message and tries again later; so does a panic, which is
	// recovered and logged.
	Deliver func(ctx context.Context, env Envelope, raw []byte) error
	Log     *slog.Logger

	mu   sync.Mutex
	srv  *smtp.Server
	ln   net.Listener
	ctx  context.Context
	stop context.CancelFunc
}

// Start binds Addr and serves in the background. It returns the address
// actually bound (useful with ":0").
func (s *Server) Start(ctx context.Context) (string, error) {
	if s.Accept == nil || s.Deliver == nil {
		return "", errors.New("smtp server: Accept and Deliver must be set")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return "", errors.New("smtp server: already started")
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return "", fmt.Errorf("smtp server: listen on %s: %w", s.Addr, err)
	}
	srv := smtp.NewServer(&backend{s: s})
	srv.Domain = s.Domain
	if srv.Domain == "" {
		srv.Domain = "localhost"
	}
	srv.MaxMessageBytes = s.MaxMessageBytes
	if srv.MaxMessageBytes <= 0 {
		srv.MaxMessageBytes = DefaultMaxMessageBytes
	}
	srv.MaxRecipients = s.MaxRecipients
	if srv.MaxRecipients <= 0 {
		srv.MaxRecipients = defaultMaxRecipients
	}
	srv.ReadTimeout, srv.WriteTimeout = s.ReadTimeout, s.WriteTimeout
	if srv.ReadTimeout <= 0 {
		srv.ReadTimeout = defaultTimeout
	}
	if srv.WriteTimeout <= 0 {
		srv.WriteTimeout = defaultTimeout
	}
	srv.ErrorLog = logAdapter{s.Log}
	s.srv, s.ln = srv, ln
	// Deliveries run under their own context, ended by Shutdown, so a
	// caller's request context cannot cut a message in half.
	s.ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		if err := srv.Serve(ln); err != nil {
			s.Log.Error("smtp server stopped", "err", err)
		}
	}()
	addr := ln.Addr().String()
	s.Log.Info("smtp server listening", "addr", addr)
	return addr, nil
}

// Shutdown stops accepting connections and waits for the open ones to end
// until ctx is done; then it closes them.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	// Close the listener ourselves: Serve may not have registered it with
	// go-smtp yet when Shutdown comes right after Start.
	ln.Close()
	err := srv.Shutdown(ctx)
	if ctx.Err() != nil {
		srv.Close()
	}
	s.stop()
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil // the listener was already closed above
	}
	return err
}

type backend struct{ s *Server }

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	remote := ""
	if a := c.Conn().RemoteAddr(); a != nil {
		remote = a.String()
	}
	return &session{s: b.s, env: Envelope{RemoteAddr: remote, Helo: c.Hostname()}}, nil
}

type session struct {
	s   *Server
	env Envelope
}

var (
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here"}
	errTryLater  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary failure, please try again later"}
)

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.env.MailFrom = strings.ToLower(strings.Trim(strings.TrimSpace(from), "<>"))
	ss.env.Rcpts = nil
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	addr := strings.ToLower(strings.Trim(strings.TrimSpace(to), "<>"))
	if !ss.accept(addr) {
		ss.s.Log.Info("smtp recipient refused", "rcpt", addr, "remote", ss.env.RemoteAddr)
		return errNoMailbox
	}
	ss.env.Rcpts = append(ss.env.Rcpts, addr)
	return nil
}

// accept asks the server's Accept; a panic there refuses the recipient
// temporarily rather than dropping the connection.
func (ss *session) accept(addr string) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ss.s.Log.Error("smtp accept panicked", "rcpt", addr, "panic", r)
			ok = false
		}
	}()
	return ss.s.Accept(addr)
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			ss.s.Log.Info("smtp message refused", "reason", se.Message, "remote", ss.env.RemoteAddr)
			return se // 552 for a message over the size limit
		}
		return errTryLater
	}
	env := ss.env
	env.Rcpts = append([]string(nil), ss.env.Rcpts...)
	if err := ss.deliver(env, raw); err != nil {
		ss.s.Log.Error("smtp delivery failed; the sender will retry", "err", err, "from", env.MailFrom, "rcpts", env.Rcpts, "bytes", len(raw))
		return errTryLater
	}
	return nil
}

func (ss *session) deliver(env Envelope, raw []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("deliver panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return ss.s.Deliver(ss.s.ctx, env, raw)
}

func (ss *session) Reset() {
	ss.env.MailFrom = ""
	ss.env.Rcpts = nil
}

func (ss *session) Logout() error { return nil }

// logAdapter sends go-smtp's internal error log to slog.
type logAdapter struct{ l *slog.Logger }

func (a logAdapter) Printf(format string, v ...any) {
	a.l.Warn("smtp", "msg", fmt.Sprintf(format, v...))
}

func (a logAdapter) Println(v ...any) {
	a.l.Warn("smtp", "msg", strings.TrimSpace(fmt.Sprintln(v...)))
}
