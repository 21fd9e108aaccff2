package main

import (
	"context"
	"fmt"
	"log/slog"
	"quietdesk/internal/connect"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/desk"
	"quietdesk/internal/mail"
	"quietdesk/internal/metrics"
	"quietdesk/internal/notify"
	"quietdesk/internal/proactive"
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
		schedule.Task{Name: "outbox", Every: outboxEvery, Wake: notify.Woken(), Run: func(ctx context.Context, _ time.Time) error {
			_, err := outbox.RunOnce(ctx)
			return err
		}},
		schedule.Task{Name: "review", Every: reviewEvery, Run: func(ctx context.Context, _ time.Time) error {
			_, err := review.RunOnce(ctx)
			return err
		}},
		// Chat replies a visitor left before seeing go to them by mail
		// (docs/chat.md#unseen-replies); the outbox task sends them.
		schedule.Task{Name: "chat-unseen", Every: 30 * time.Second, Run: func(ctx context.Context, now time.Time) error {
			_, err := chat.MailUnseen(ctx, db, now)
			return err
		}},
		// Proactive notices (docs/proactive.md#sending): decide, then
		// send what is due; woken at once by stored fulfillment events.
		schedule.Task{Name: "proactive", Every: time.Minute, Wake: proactive.Woken(), Run: func(ctx context.Context, now time.Time) error {
			if _, err := proactive.Evaluate(ctx, db, now); err != nil {
				return err
			}
			_, err := proactive.SendDue(ctx, db, now)
			return err
		}},
		// Connections to the shop and the helpdesk (docs/connections.md):
		// backfills go on where they stopped, current ones sync again.
		schedule.Task{Name: "connections", Every: time.Minute, Lease: 30 * time.Minute, Wake: connect.Woken(), Run: func(ctx context.Context, _ time.Time) error {
			s, err := a.sealer()
			if err != nil {
				return err
			}
			return connect.RunDue(ctx, db, s, a.now, nil)
		}},
		schedule.Task{Name: "retrain", Every: retrainEvery, Lease: 2 * time.Hour, Run: func(ctx context.Context, now time.Time) error {
			_, err := topics.RetrainIfDue(ctx, db, now, log)
			return err
		}},
	)
}

// smtpServer starts the inbound mail server: it accepts mail for the
// support addresses (and their reply+token addresses) and stores each one
// through the same path as POST /api/v1/inbound/email.
func (a *app) smtpServer(ctx context.Context, db *store.DB, opt serveOptions) (*mail.Server, error) {
	addrs, err := desk.LoadSupportAddresses(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		opt.log.Warn("the SMTP server accepts no mail until support addresses are set", "fix", "quietdesk settings set "+desk.SettingSupportAddresses+" support@brand.com")
	}
	srv := &mail.Server{Addr: opt.smtp, Log: opt.log, MaxMessageBytes: desk.MaxMailBytes,
		// Read at each recipient, so a changed setting applies at once.
		Accept: func(rcpt string) bool {
			addrs, err := desk.LoadSupportAddresses(context.WithoutCancel(ctx), db)
			if err != nil {
				return false
			}
			ok, _ := addrs.Accepts(rcpt)
			return ok
		},
		Deliver: func(ctx context.Context, env mail.Envelope, raw []byte) error {
			_, err := desk.ReceiveMail(ctx, db, a.now(), raw, env.Rcpts)
			return err
		},
	}
	bound, err := srv.Start(ctx)
	if err != nil {
		return nil, err
	}
	opt.log.Info("receiving mail", "smtp", bound)
	return srv, nil
}

// serveOptions are how a store is served.
type serveOptions struct {
	addr        string
	grace       time.Duration // for requests in flight at shutdown
	behindProxy bool
	// smtp, when set, is where inbound mail for the support addresses is
	// received (docs/email.md#receiving).
	smtp string
	log  *slog.Logger
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
	sealer, err := a.sealer()
	if err != nil {
		return err
	}
	srv := web.New(db, opt.log, a.now)
	srv.BehindProxy = opt.behindProxy
	srv.Sealer = sealer
	bound, err := srv.Start(ctx, opt.addr)
	if err != nil {
		return err
	}
	opt.log.Info("serving", "addr", bound, "url", "http://"+bound, "database", string(db.Dialect))
	var inbound *mail.Server
	if opt.smtp != "" {
		if inbound, err = a.smtpServer(ctx, db, opt); err != nil {
			srv.Shutdown(context.WithoutCancel(ctx))
			return err
		}
	}
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
	if inbound != nil {
		// A mail in flight is either stored or refused with 4xx, which
		// makes the sender try again later.
		if serr := inbound.Shutdown(sctx); serr != nil && err == nil {
			err = serr
		}
	}
	<-background // a send in flight finishes and is recorded
	if err != nil {
		return fmt.Errorf("shutdown: %w (requests still running after %s were cut off)", err, opt.grace)
	}
	opt.log.Info("stopped")
	return nil
}
