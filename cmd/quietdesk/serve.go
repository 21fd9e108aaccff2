package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"quietdesk/internal/auth"
)

func init() {
	register(&command{name: "serve", summary: "serve the web UI and the JSON API over HTTP", usage: "[--addr HOST:PORT] [--smtp HOST:PORT] [--db DSN]", run: runServe})
}

const serveHelp = `Serves the web UI at / (for agents: Inbox, conversations and Customers; for
analysts: Overview, Cohorts, Explore, Topics, Review, Alerts, Corrections,
Guardrails; admins see both), the JSON API under /api/v1 (its OpenAPI
document is at /api/v1/openapi.json) and GET /healthz.

People log in with an email and a password: quietdesk user add --email E
--role analyst. API requests need a token: quietdesk token create --name NAME
--scope ingest.

Behind a reverse proxy that terminates HTTPS, pass --behind-proxy so that
session cookies are marked Secure and login limits count the client's
address (from X-Forwarded-Proto and X-Forwarded-For, which the proxy must set).

Runs the background work as named tasks of one scheduler (quietdesk tasks
lists them): the metrics rollups kept within seconds of the writes, the
guardrails evaluated once a week is complete, the outbox's email and
webhook deliveries sent every 30 seconds (see quietdesk notify --help).
Several servers on one PostgreSQL run each task once at a time.
On the review day (setting review.day, Monday by default) from 7:00 in the
store's time zone it emails the weekly review to every owner with an address
(quietdesk owners) and posts it to the chat webhook (review.webhook_url).
Once a week it retrains the store's topic model on its own labels, keeping
the new model only if it scores at least as well (quietdesk topics models).

With --smtp HOST:PORT it also receives mail for the support addresses
(setting support.addresses) and their reply addresses; point the brand's MX
or mail relay at it. Relays that forward mail over HTTP post it to
/api/v1/inbound/email instead. See docs/email.md.

Logs one line per request on stderr. On SIGINT or SIGTERM it stops accepting
connections and waits for the requests in flight, so their writes finish.`

func runServe(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["serve"], serveHelp)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this `HOST:PORT` (port 0 picks a free one)")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "on a signal, how long to wait for requests in flight")
	logFormat := fs.String("log-format", "text", "log as text or json")
	behindProxy := fs.Bool("behind-proxy", false, "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy")
	smtpAddr := fs.String("smtp", "", "also receive inbound mail for the support addresses over SMTP on this `HOST:PORT` (e.g. 127.0.0.1:2525)")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	var log *slog.Logger
	switch *logFormat {
	case "text":
		log = slog.New(slog.NewTextHandler(a.stderr, nil))
	case "json":
		log = slog.New(slog.NewJSONHandler(a.stderr, nil))
	default:
		return fmt.Errorf("--log-format must be text or json, not %q", *logFormat)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()

	if users, err := auth.Users(ctx, db); err == nil && len(users) == 0 {
		log.Warn("nobody can log in to the web UI yet", "fix", "quietdesk user add --email EMAIL --role admin")
	}
	return a.serveStore(ctx, db, serveOptions{addr: *addr, grace: *grace, behindProxy: *behindProxy, smtp: *smtpAddr, log: log})
}
