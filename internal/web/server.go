// Package web is Quietdesk's HTTP side: the JSON API under /api/v1 and the
// pages people log in to. Every route is in the table in routes; every
// error becomes an HTTP response in writeError.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/ingest"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

// Server serves one store.
type Server struct {
	db  *store.DB
	log *slog.Logger
	// Now is the clock (token last-use stamps, sessions, login limits, the
	// dashboard's "this week").
	Now clock.Clock
	// MaxBodyBytes bounds a request body. The default fits a batch of 5,000
	// items with room to spare; a larger body gets 413.
	MaxBodyBytes int64
	// MaxUploadBytes bounds a file uploaded on the Import page (POST
	// /import), which may be larger than other requests: 200 MB.
	MaxUploadBytes int64
	// Metrics answers the dashboards and GET /api/v1/metrics: the metrics
	// engine over db, or a fake in tests.
	Metrics MetricsSource
	// BehindProxy trusts X-Forwarded-For and X-Forwarded-Proto from a
	// reverse proxy: the client's address for login limits, and whether the
	// browser spoke HTTPS for the session cookie's Secure flag. Set it only
	// when every request comes through a proxy that sets both.
	BehindProxy bool
	// Sealer seals connections' credentials with the operator's key; nil
	// when none was given (the connections page then says how to give one).
	Sealer *connect.Sealer

	// livePoll is how often a live stream polls the database; livePoll
	// (a second) when zero.
	livePoll time.Duration

	pages       *templates
	help        *templates // the public help centre's pages
	assets      *assets
	logins      *loginLimiter // by account and address
	loginAddrs  *loginLimiter // by address
	crossOrigin *http.CrossOriginProtection
	handler     http.Handler
	http        *http.Server
}

// MetricsSource computes a metric's series, as metrics.Engine does.
type MetricsSource interface {
	Run(ctx context.Context, q metrics.Query) (metrics.Result, error)
}

// MaxItems is the most items one ingest request may carry.
const MaxItems = 5000

// New returns a server for db that logs to log and reads the time from now.
func New(db *store.DB, log *slog.Logger, now clock.Clock) *Server {
	if log == nil {
		log = slog.Default()
	}
	s := &Server{db: db, log: log, Now: now, MaxBodyBytes: 32 << 20, MaxUploadBytes: 200 << 20,
		logins: newLoginLimiter(loginFailures, loginWindow), loginAddrs: newLoginLimiter(addressFailures, loginWindow), crossOrigin: http.NewCrossOriginProtection()}
	s.Metrics = metrics.NewEngine(db, func() time.Time { return s.Now() }) // follows a replaced Now
	var err error
	if s.assets, err = loadAssets(); err != nil {
		panic(err)
	}
	// Templates are part of the binary: one that does not parse, or names
	// a template that does not exist, is a bug, found here at start-up
	// (and by every test) rather than when someone opens the page.
	if s.pages, err = parseTemplates(s.templateFuncs()); err != nil {
		panic(err)
	}
	if s.help, err = parseHelpTemplates(s.templateFuncs()); err != nil {
		panic(err)
	}
	if s.assets.missing != "" {
		log.Error("the chart library is not in this build: charts will not draw", "missing", s.assets.missing, "fix", "run make assets, then build again")
	}
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		mux.Handle(r.pattern, r.handler)
	}
	s.handler = s.logRequests(s.recoverPanics(s.securityHeaders(s.limitBody(s.pageNotFound(mux)))))
	return s
}

// route is one entry of the route table: a net/http pattern, its handler,
// and whether it is a page (for browsers, outside the OpenAPI document).
type route struct {
	pattern string
	handler http.Handler
	page    bool
}

// routes is the one route table: the API first, then the pages. Each
// ingest route takes one item or {"items": [...]} of one kind; see
// openapi.json. Pages need a logged-in user; page(roles) names the roles a
// page is for, and every form they post is checked for CSRF.
func (s *Server) routes() []route {
	dashboards := []string{auth.RoleAdmin, auth.RoleAnalyst}
	admins := []string{auth.RoleAdmin}
	rs := []route{
		{"GET /healthz", s.handle(s.healthz), false},
		{"GET /api/v1/openapi.json", s.handle(s.openAPI), false},
		{"GET /api/v1/metrics", s.readAccess(s.handle(s.getMetrics)), false},
		{"GET /api/v1/review", s.readAccess(s.handle(s.getReview)), false},
		{"GET /api/v1/alerts", s.readAccess(s.handle(s.getAlerts)), false},
		{"GET /api/v1/guardrails", s.readAccess(s.handle(s.getGuardrails)), false},
		{"PATCH /api/v1/guardrails/{name}", s.need(auth.ScopeAdmin, s.handle(s.patchGuardrail)), false},
		{"GET /api/v1/corrections", s.readAccess(s.handle(s.getCorrections)), false},
		{"POST /api/v1/corrections", s.need(auth.ScopeAdmin, s.handle(s.postCorrection)), false},
		{"GET /api/v1/corrections/{id}/review", s.readAccess(s.handle(s.getCorrectionReview)), false},
		{"POST /api/v1/corrections/{id}/review", s.need(auth.ScopeAdmin, s.handle(s.postCorrectionReview)), false},

		{"POST /api/v1/orders", s.need(auth.ScopeIngest, s.ingest(ingest.Orders)), false},
		{"POST /api/v1/order_lines", s.need(auth.ScopeIngest, s.ingest(ingest.OrderLines)), false},
		{"POST /api/v1/returns", s.need(auth.ScopeIngest, s.ingest(ingest.Returns)), false},
		{"POST /api/v1/fulfillment_events", s.need(auth.ScopeIngest, s.ingest(ingest.FulfillmentEvents)), false},
		{"POST /api/v1/contacts", s.need(auth.ScopeIngest, s.ingest(ingest.Contacts)), false},
		{"POST /api/v1/self_service", s.need(auth.ScopeIngest, s.ingest(ingest.SelfService)), false},
		{"POST /api/v1/costs", s.need(auth.ScopeIngest, s.ingest(ingest.Costs)), false},
		{"POST /api/v1/actions", s.need(auth.ScopeIngest, s.ingest(ingest.Actions)), false},
		{"POST /api/v1/notices", s.need(auth.ScopeIngest, s.ingest(ingest.Notices)), false},
		{"POST /api/v1/messages", s.need(auth.ScopeIngest, s.handle(s.postMessages)), false},

		{"GET /login", s.handle(s.loginForm), true},
		{"POST /login", s.handle(s.login), true},
		{"POST /logout", s.page(nil, s.logout), true},
		{"GET /{$}", s.page(nil, s.home), true},
		{"GET /cohorts", s.page(dashboards, s.cohorts), true},
		{"GET /explore", s.page(dashboards, s.explore), true},
		{"GET /review", s.page(dashboards, s.reviewPage), true},
		{"GET /alerts", s.page(dashboards, s.alertsPage), true},
		{"POST /alerts/{id}/state", s.page(admins, s.alertState), true},
		{"GET /corrections", s.page(dashboards, s.correctionsPage), true},
		{"POST /corrections", s.page(admins, s.addCorrection), true},
		{"POST /corrections/{id}/decide", s.page(admins, s.decideCorrection), true},
		{"GET /guardrails", s.page(dashboards, s.guardrailsPage), true},
		{"GET /topics", s.page(dashboards, s.topicsPage), true},
		{"POST /topics/discover", s.page(admins, s.discoverTopics), true},
		{"POST /topics/candidates/{id}/promote", s.page(admins, s.promoteCandidate), true},
		{"POST /guardrails/accept", s.page(admins, s.acceptProposals), true},
		{"POST /guardrails/{name}", s.page(admins, s.saveGuardrail), true},
		{"GET /static/{file...}", s.assets.handler(), true},
	}
	// The desk's routes, by capability: a customer's timeline and profile,
	// the inbox and conversations, and mail.
	rs = append(rs, route{"GET /settings", s.page(admins, s.settingsIndex), true})
	rs = append(rs, s.customerRoutes()...)
	rs = append(rs, s.inboxRoutes()...)
	rs = append(rs, s.mailRoutes()...)
	rs = append(rs, s.csatRoutes()...)
	// The channels beyond email: providers' webhooks (each verified by
	// its own signature and limited per source), the chat widget, and
	// webhooks out to subscribers.
	rs = append(rs, s.twilioRoutes()...)
	rs = append(rs, s.shopifyRoutes()...)
	rs = append(rs, s.socialRoutes()...)
	rs = append(rs, s.chatRoutes()...)
	rs = append(rs, s.hooksRoutes()...)
	rs = append(rs, s.helpRoutes()...)
	rs = append(rs, s.kbSearchRoutes()...)
	rs = append(rs, s.orderHelpRoutes()...)
	rs = append(rs, s.kbEditRoutes()...)
	rs = append(rs, s.selfServiceRoutes()...)
	rs = append(rs, s.proactiveRoutes()...)
	rs = append(rs, s.proactiveReportRoutes()...)
	rs = append(rs, s.proactiveCampaignRoutes()...)
	// A brand's own data in the browser: uploads, connections to its shop
	// and helpdesk, the admins' settings, and a new store's first steps.
	rs = append(rs, s.importRoutes()...)
	rs = append(rs, s.connectionsRoutes()...)
	rs = append(rs, s.settingsAdminRoutes()...)
	rs = append(rs, s.firstRunRoutes()...)
	rs = append(rs, s.topicsLearningRoutes()...)
	return rs
}

// Routes lists the API's route patterns ("POST /api/v1/orders"), so that
// a test can hold the OpenAPI document to exactly these.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routes() {
		if !r.page {
			out = append(out, r.pattern)
		}
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
