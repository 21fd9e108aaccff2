// Package web is Quietdesk's HTTP side: the JSON API under /api/v1 (and,
// later, the pages). Every route is in the table in routes; every error
// becomes an HTTP response in writeError.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
)

// Server serves one store.
type Server struct {
	db  *store.DB
	log *slog.Logger
	// Now is the clock (token last-use stamps); tests replace it.
	Now func() time.Time
	// MaxBodyBytes bounds a request body. The default fits a batch of 5,000
	// items with room to spare; a larger body gets 413.
	MaxBodyBytes int64

	handler http.Handler
	http    *http.Server
}

// MaxItems is the most items one ingest request may carry.
const MaxItems = 5000

// New returns a server for db that logs to log.
func New(db *store.DB, log *slog.Logger) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{db: db, log: log, Now: time.Now, MaxBodyBytes: 32 << 20}
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		mux.Handle(r.pattern, r.handler)
	}
	s.handler = s.logRequests(s.recoverPanics(s.limitBody(mux)))
	return s
}

// route is one entry of the route table: a net/http pattern and its handler.
type route struct {
	pattern string
	handler http.Handler
}

// routes is the one route table. Each ingest route takes one item or
// {"items": [...]} of one kind; see openapi.json.
func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", s.handle(s.healthz)},
		{"GET /api/v1/openapi.json", s.handle(s.openAPI)},

		{"POST /api/v1/orders", s.need(auth.ScopeIngest, s.ingest(ingest.Orders))},
		{"POST /api/v1/order_lines", s.need(auth.ScopeIngest, s.ingest(ingest.OrderLines))},
		{"POST /api/v1/returns", s.need(auth.ScopeIngest, s.ingest(ingest.Returns))},
		{"POST /api/v1/fulfillment_events", s.need(auth.ScopeIngest, s.ingest(ingest.FulfillmentEvents))},
		{"POST /api/v1/contacts", s.need(auth.ScopeIngest, s.ingest(ingest.Contacts))},
		{"POST /api/v1/self_service", s.need(auth.ScopeIngest, s.ingest(ingest.SelfService))},
		{"POST /api/v1/costs", s.need(auth.ScopeIngest, s.ingest(ingest.Costs))},
		{"POST /api/v1/actions", s.need(auth.ScopeIngest, s.ingest(ingest.Actions))},
		{"POST /api/v1/messages", s.need(auth.ScopeIngest, s.handle(s.postMessages))},
	}
}

// Routes lists the route patterns ("POST /api/v1/orders"), so that a test
// can hold the OpenAPI document to exactly these.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.pattern)
	}
	return out
}

// Handler returns the server's HTTP handler, for tests and for mounting.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background. It returns the address it bound.
//
// Requests do not inherit ctx: cancelling it (a signal) must not abort
// writes in flight; Shutdown stops the server gracefully instead.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	if s.http != nil {
		return "", errors.New("the server is already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "err", err)
		}
	}()
	return ln.Addr().String(), nil
}

// Shutdown stops accepting connections and waits, until ctx ends, for the
// requests in flight to finish, so their writes complete.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return nil
	}
	return s.http.Shutdown(ctx)
}
