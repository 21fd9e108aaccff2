package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"quietdesk/internal/notify"
)

func init() {
	register(&command{name: "notify", summary: "test email and webhook delivery, list the outbox, requeue failures", usage: "test|list|send|retry …", run: runNotify})
	notifyActions = map[string]*command{
		"test":  {name: "notify test", usage: "--email ADDRESS | --webhook URL | --review-webhook [--db DSN]", run: runNotifyTest},
		"list":  {name: "notify list", usage: "[--failed | --status STATUS] [--limit N] [--json] [--db DSN]", run: runNotifyList},
		"send":  {name: "notify send", usage: "[--db DSN]", run: runNotifySend},
		"retry": {name: "notify retry", usage: "ID [--db DSN]", run: runNotifyRetry},
	}
	// The delivery settings are registered by package settings, which the
	// notifications settings page reads too.
}

var notifyActions map[string]*command

const notifyHelp = `Quietdesk sends email (through an SMTP relay) and chat-webhook posts from an
outbox in the database: quietdesk serve sends what is due every 30 seconds,
retries failures (1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then daily; 8
attempts), and keeps what failed for good until it is requeued.

  quietdesk notify test --email dana@brand.com    send a test email now and report
  quietdesk notify test --webhook URL             post a test message now and report
  quietdesk notify list [--failed]                show the outbox, newest first
  quietdesk notify send                           send what is due now, once
  quietdesk notify retry ID                       requeue a failed delivery

Configure the relay with quietdesk settings set: smtp.host, smtp.port,
smtp.username, smtp.password (set it with "-" to read it from stdin),
smtp.from, smtp.tls (starttls, tls or none); the review's chat webhook with
review.webhook_url.`

func runNotify(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "notify", notifyActions, notifyHelp, args)
}

func runNotifyTest(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(notifyActions["test"], `Sends a test message now, straight to the relay or webhook (not through the
outbox), and says whether it went and, if not, why and what to change.`)
	email := fs.String("email", "", "send a test email to this `ADDRESS` through the configured SMTP relay")
	hook := fs.String("webhook", "", "post a test message to this webhook `URL`")
	reviewHook := fs.Bool("review-webhook", false, "post a test message to the webhook in review.webhook_url")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	chosen := 0
	for _, set := range []bool{*email != "", *hook != "", *reviewHook} {
		if set {
			chosen++
		}
	}
	if chosen != 1 {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	cfg, err := notify.LoadConfig(ctx, db)
	if err != nil {
		return err
	}
	now := a.now()
	text := "Quietdesk test message, sent " + now.UTC().Format(time.RFC1123) + ". If you can read this, delivery works."
	d := notify.Delivery{Key: "test", Channel: notify.ChannelWebhook, Target: *hook, Subject: "Quietdesk test message", Text: text,
		HTML: "<p>Quietdesk test message, sent " + now.UTC().Format(time.RFC1123) + ".</p><p>If you can read this, <b>delivery works</b>.</p>"}
	switch {
	case *email != "":
		d.Channel, d.Target = notify.ChannelEmail, *email
	case *reviewHook:
		if cfg.WebhookURL == "" {
			return fmt.Errorf("review.webhook_url is not set: quietdesk settings set %s https://hooks.slack.com/services/…", notify.SettingReviewWebhook)
		}
		d.Target = cfg.WebhookURL
	}
	d, err = notify.Check(d)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := a.now()
	if err := cfg.Senders(a.now)[d.Channel].Send(sctx, d); err != nil {
		if notify.IsPermanent(err) {
			return fmt.Errorf("not sent, refused for good (the outbox would not retry it): %v", err)
		}
		return fmt.Errorf("not sent: %v", err)
	}
	via := notify.RedactURL(d.Target)
	if d.Channel == notify.ChannelEmail {
		via = fmt.Sprintf("%s via %s", d.Target, cfg.SMTP.Describe())
	}
	fmt.Fprintf(a.stdout, "sent to %s in %s\n", via, a.now.Since(start).Round(time.Millisecond))
	return nil
}

func runNotifyList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(notifyActions["list"], `Lists the outbox, newest first: each delivery's status (pending, sending,
sent, failed), attempts, when it was sent or is next due, and its last error.
Webhook URLs are shown without their secret path.`)
	failed := fs.Bool("failed", false, "only deliveries that failed for good (requeue with quietdesk notify retry ID)")
	status := fs.String("status", "", "only deliveries in this `STATUS`: pending, sending, sent or failed")
	limit := fs.Int("limit", 50, "show at most `N`")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *failed {
		if *status != "" && *status != notify.StatusFailed {
			return errors.New("--failed and --status disagree: give one")
		}
		*status = notify.StatusFailed
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := notify.List(ctx, db, notify.ListOptions{Status: *status, Limit: *limit})
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].Channel == notify.ChannelWebhook {
			list[i].Target = notify.RedactURL(list[i].Target)
		}
	}
	return printList(a, *asJSON, list, "ID\tSTATUS\tCHANNEL\tTARGET\tATTEMPTS\tWHEN\tKEY\tLAST ERROR", func(d notify.Delivery) string {
		when := "next " + stamp(&d.NextAttemptAt)
		switch d.Status {
		case notify.StatusSent:
			when = "sent " + stamp(d.SentAt)
		case notify.StatusSending:
			when = "claimed until " + stamp(d.ClaimedUntil)
		case notify.StatusFailed:
			when = "-"
		}
		lastErr := d.LastError
		if len(lastErr) > 100 {
			lastErr = lastErr[:100] + "…"
		}
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s", d.ID, d.Status, d.Channel, d.Target, d.Attempts, when, d.Key, lastErr)
	})
}

func runNotifySend(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(notifyActions["send"], `Sends every delivery that is due now, once, logging each outcome on stderr:
what quietdesk serve does every 30 seconds, for installations without a
running server (from cron, say). Safe to run beside servers: each delivery is
sent by one of them.`)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := notify.NewWorker(db, slog.New(slog.NewTextHandler(a.stderr, nil)), a.now).RunOnce(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "sent %d, retrying later %d, failed %d, expired claims released %d\n", res.Sent, res.Retrying, res.Failed, res.Expired)
	if res.Failed > 0 {
		return errors.New("some deliveries failed for good: quietdesk notify list --failed shows why")
	}
	return nil
}

func runNotifyRetry(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(notifyActions["retry"], `Requeues a failed delivery with a fresh set of attempts, due now (a pending
one waiting out its backoff becomes due now). Fix what its last error names
first. IDs are in quietdesk notify list --failed.`)
	id, err := parseID(fs, args, "a delivery", "quietdesk notify list --failed shows them")
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := notify.Retry(ctx, db, id, a.now()); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "delivery %d requeued: quietdesk serve sends it within 30 seconds, or run quietdesk notify send\n", id)
	return nil
}
