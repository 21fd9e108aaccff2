package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/notify"
	"quietdesk/internal/reviewday"
	"quietdesk/internal/topics"
	"quietdesk/internal/web"
)

func init() {
	register(&command{name: "serve", summary: "serve the web UI and the JSON API over HTTP", usage: "[--addr HOST:PORT] [--db DSN]", run: runServe})
}

// notifyEvery is how often serve sends what the outbox holds due;
// reviewEvery how often it checks whether the weekly review is due.
const (
	notifyEvery = 30 * time.Second
	reviewEvery = time.Minute
)

const serveHelp = `Serves the web UI (Overview, Cohorts, Explore, Topics, Review, Alerts,
Corrections, Guardrails) at /, the JSON API under
/api/v1 (its OpenAPI document is at /api/v1/openapi.json) and GET /healthz.

People log in with an email and a password: quietdesk user add --email E
--role analyst. API requests need a token: quietdesk token create --name NAME
--scope ingest.

Behind a reverse proxy that terminates HTTPS, pass --behind-proxy so that
session cookies are marked Secure and login limits count the client's
address (from X-Forwarded-Proto and X-Forwarded-For, which the proxy must set).

Sends the outbox's email and webhook deliveries every 30 seconds (see
quietdesk notify --help); several servers on one PostgreSQL send each once.
On the review day (setting review.day, Monday by default) from 7:00 in the
store's time zone it emails the weekly review to every owner with an address
(quietdesk owners) and posts it to the chat webhook (review.webhook_url).
Once a week it retrains the store's topic model on its own labels, keeping
the new model only if it scores at least as well (quietdesk topics models).

Logs one line per request on stderr. On SIGINT or SIGTERM it stops accepting
connections and waits for the requests in flight, so their writes finish.`

func runServe(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["serve"], serveHelp)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this `HOST:PORT` (port 0 picks a free one)")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "on a signal, how long to wait for requests in flight")
	logFormat := fs.String("log-format", "text", "log as text or json")
	behindProxy := fs.Bool("behind-proxy", false, "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy")
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

	// Read before serving: once serving, a signal may cancel ctx at any
	// moment, and only the shutdown below may end the command.
	siteURL, err := db.Setting(ctx, reviewday.SiteURLSetting)
	if err != nil {
		return err
	}
	srv := web.New(db, log)
	srv.BehindProxy = *behindProxy
	if users, err := auth.Users(ctx, db); err == nil && len(users) == 0 {
		log.Warn("nobody can log in to the web UI yet", "fix", "quietdesk user add --email EMAIL --role admin")
	}
	bound, err := srv.Start(ctx, *addr)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", bound, "url", "http://"+bound, "database", string(db.Dialect))
	// The outbox worker: every serve process runs one, and each delivery
	// is still sent once (package notify).
	outbox := make(chan struct{})
	go func() {
		defer close(outbox)
		notify.NewWorker(db, log).Run(ctx, notifyEvery)
	}()
	// The weekly review, put in the outbox on the review day; every serve
	// process checks, and the outbox's keys keep it to one of each.
	// Both stop with ctx, and are waited for before the database closes.
	var background sync.WaitGroup
	background.Go(func() {
		(&reviewday.Scheduler{DB: db, Log: log, Decider: decider(db), BaseURL: siteURL}).Run(ctx, reviewEvery)
	})
	// The store's topic model, retrained weekly on its own labels.
	background.Go(func() { topics.RunRetraining(ctx, db, time.Hour, log) })
	<-ctx.Done()

	log.Info("shutting down: finishing the requests in flight", "timeout", *grace)
	// ctx is already cancelled; the grace period runs on its own clock.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-outbox // a send in flight finishes and is recorded
	background.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w (requests still running after %s were cut off)", err, *grace)
	}
	log.Info("stopped")
	return nil
}
