package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"quietdesk/internal/web"
)

func init() {
	register(&command{name: "serve", summary: "serve the JSON API over HTTP", usage: "[--addr HOST:PORT] [--db DSN]", run: runServe})
}

const serveHelp = `Serves the JSON API under /api/v1 (its OpenAPI document is at
/api/v1/openapi.json) and GET /healthz. API requests need a token:
quietdesk token create --name NAME --scope ingest.

Logs one line per request on stderr. On SIGINT or SIGTERM it stops accepting
connections and waits for the requests in flight, so their writes finish.`

func runServe(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["serve"], serveHelp)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on this `HOST:PORT` (port 0 picks a free one)")
	grace := fs.Duration("shutdown-timeout", 30*time.Second, "on a signal, how long to wait for requests in flight")
	logFormat := fs.String("log-format", "text", "log as text or json")
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

	srv := web.New(db, log)
	bound, err := srv.Start(ctx, *addr)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", bound, "url", "http://"+bound, "database", string(db.Dialect))
	<-ctx.Done()

	log.Info("shutting down: finishing the requests in flight", "timeout", *grace)
	// ctx is already cancelled; the grace period runs on its own clock.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w (requests still running after %s were cut off)", err, *grace)
	}
	log.Info("stopped")
	return nil
}
