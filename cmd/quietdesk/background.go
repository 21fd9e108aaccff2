package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"quietdesk/internal/metrics"
	"quietdesk/internal/notify"
	"quietdesk/internal/reviewday"
	"quietdesk/internal/schedule"
	"quietdesk/internal/store"
	"quietdesk/internal/topics"
	"quietdesk/internal/web"
)

// Task periods. Rollups are kept within seconds of the writes, many
// writes' days recomputed at once (docs/metrics.md#freshness); guardrails
// are evaluated within a minute of a week's end.
const (
	rollupsEvery    = 2 * time.Second
	guardrailsEvery = time.Minute
	outboxEvery     = 30 * time.Second
	reviewEvery     = time.Minute
	retrainEvery    = time.Hour
)

// scheduler is the program's one scheduler of background work, with every
// task; serve and demo both run it (serveStore).
func (a *app) scheduler(db *store.DB, log *slog.Logger, siteURL string) *schedule.Scheduler {
	engine := metrics.NewEngine(db, a.now)
	decider := a.decider(db)
	outbox := notify.NewWorker(db, log, a.now)
	review := &reviewday.Scheduler{DB: db, Log: log, Decider: decider, BaseURL: siteURL, Now: a.now}
	return schedule.New(db, log, a.now,
		schedule.Task{Name: "rollups", Every: rollupsEvery, Run: func(ctx context.Context, _ time.Time) error {
			return engine.Refresh(ctx)
		}},
		schedule.Task{Name: "guardrails", Every: guardrailsEvery, Run: func(ctx context.Context, _ time.Time) error {
			return decider.EvaluateDue(ctx)
		}},
		schedule.Task{Name: "outbox", Every: outboxEvery, Run: func(ctx context.Context, _ time.Time) error {
			_, err := outbox.RunOnce(ctx)
			return err
		}},
		schedule.Task{Name: "review", Every: reviewEvery, Run: func(ctx context.Context, _ time.Time) error {
			_, err := review.RunOnce(ctx)
			return err
		}},
		schedule.Task{Name: "retrain", Every: retrainEvery, Lease: 2 * time.Hour, Run: func(ctx context.Context, now time.Time) error {
			_, err := topics.RetrainIfDue(ctx, db, now, log)
			return err
		}},
	)
}

// serveOptions are how a store is served.
type serveOptions struct {
	addr        string
	grace       time.Duration // for requests in flight at shutdown
	behindProxy bool
	log         *slog.Logger
	// ready is called with the bound address once the server listens.
	ready func(bound string)
}

// serveStore serves db until ctx ends, with the background work running,
// then shuts down gracefully: requests in flight get opt.grace, and the
// background tasks finish their runs before the database closes.
func (a *app) serveStore(ctx context.Context, db *store.DB, opt serveOptions) error {
	// Read before serving: once serving, a signal may cancel ctx at any
	// moment, and only the shutdown below may end the command.
	siteURL, err := db.Setting(ctx, reviewday.SiteURLSetting)
	if err != nil {
		return err
	}
	srv := web.New(db, opt.log, a.now)
	srv.BehindProxy = opt.behindProxy
	bound, err := srv.Start(ctx, opt.addr)
	if err != nil {
		return err
	}
	opt.log.Info("serving", "addr", bound, "url", "http://"+bound, "database", string(db.Dialect))
	if opt.ready != nil {
		opt.ready(bound)
	}
	background := make(chan struct{})
	go func() {
		defer close(background)
		a.scheduler(db, opt.log, siteURL).Run(ctx)
	}()
	<-ctx.Done()

	opt.log.Info("shutting down: finishing the requests in flight", "timeout", opt.grace)
	// ctx is already cancelled; the grace period runs on its own timer.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opt.grace)
	defer cancel()
	err = srv.Shutdown(sctx)
	<-background // a send in flight finishes and is recorded
	if err != nil {
		return fmt.Errorf("shutdown: %w (requests still running after %s were cut off)", err, opt.grace)
	}
	opt.log.Info("stopped")
	return nil
}
