// Package notifytest runs a real SMTP server inside a test, recording what
// it receives, for the tests of package notify and of the CLI.
package notifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From string   // envelope sender
	To   []string // envelope recipients
	Data []byte   // the message as received
	User string   // who logged in, "" without AUTH
	TLS  bool     // whether the session was encrypted
}

// Options shape the server.
type Options struct {
	// Users, when set, are the only logins accepted, and mail is refused
	// without one. AUTH PLAIN is offered without TLS too.
	Users map[string]string
	// TLS offers STARTTLS with this configuration, or with ImplicitTLS
	// speaks TLS from the first byte.
	TLS         *tls.Config
	ImplicitTLS bool
	// Rcpt, when set, answers each RCPT TO: an *smtp.SMTPError refuses it.
	Rcpt func(to string) error
	// Latency is added to each accepted message, as a real relay takes
	// time, so that concurrent senders overlap.
	Latency time.Duration
}

// Server is an SMTP server listening on 127.0.0.1.
type Server struct {
	Host string
	Port int

	opt  Options
	mu   sync.Mutex
	msgs []Message
}

// StartSMTP starts a server, stopped when the test ends.
func StartSMTP(t testing.TB, opt Options) *Server {
	t.Helper()
	s := &Server{opt: opt}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.TLSConfig = opt.TLS
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opt.ImplicitTLS {
		l = tls.NewListener(l, opt.TLS)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = addr.IP.String(), addr.Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Messages returns what the server has accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

type session struct {
	srv  *Server
	conn *smtp.Conn
	msg  Message
}

func (se *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (se *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if want, ok := se.srv.opt.Users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		se.msg.User = user
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.srv.opt.Users != nil && se.msg.User == "" {
		return smtp.ErrAuthRequired
	}
	se.msg.From = from
	_, se.msg.TLS = se.conn.TLSConnectionState()
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.srv.opt.Rcpt != nil {
		if err := se.srv.opt.Rcpt(to); err != nil {
			return err
		}
	}
	se.msg.To = append(se.msg.To, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(se.msg.To) == 0 {
		return errors.New("no recipients")
	}
	time.Sleep(se.srv.opt.Latency)
	m := se.msg
	m.Data = b
	se.srv.mu.Lock()
	se.srv.msgs = append(se.srv.msgs, m)
	se.srv.mu.Unlock()
	return nil
}

func (se *session) Reset()        { se.msg.From, se.msg.To = "", nil }
func (se *session) Logout() error { return nil }

// Certificate returns a server TLS configuration with a fresh self-signed
// certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func Certificate(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notifytest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
