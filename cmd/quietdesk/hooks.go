package main

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/hooks"
)

func init() {
	register(&command{name: "webhooks", summary: "manage webhook subscribers: list, add, remove, enable, log", usage: "list|add|remove|enable|log …", run: runWebhooks})
	webhooksActions = map[string]*command{
		"list":   {name: "webhooks list", usage: "[--json] [--db DSN]", run: runWebhooksList},
		"add":    {name: "webhooks add", usage: "URL --events TYPE[,TYPE…] [--description TEXT] [--json] [--db DSN]", run: runWebhooksAdd},
		"remove": {name: "webhooks remove", usage: "ID [--db DSN]", run: runWebhooksRemove},
		"enable": {name: "webhooks enable", usage: "ID [--db DSN]", run: runWebhooksEnable},
		"log":    {name: "webhooks log", usage: "ID [--limit N] [--json] [--db DSN]", run: runWebhooksLog},
	}
}

var webhooksActions map[string]*command

const webhooksHelp = `Subscribers get a signed POST for each event they chose:
conversation.created, conversation.updated (state or assignee) and
message.created. Posts go through the outbox (quietdesk serve sends them
within 30 seconds), are retried with backoff, and a subscriber whose posts
fail for 24 hours straight is disabled until it is enabled again.

  quietdesk webhooks list                       the subscribers and their state
  quietdesk webhooks add URL --events message.created
                                                add one; prints its secret, once
  quietdesk webhooks remove ID                  remove one and its log
  quietdesk webhooks enable ID                  turn a disabled one back on
  quietdesk webhooks log ID                     its deliveries, newest first

The payloads and how to check the signature: docs/webhooks.md.`

func runWebhooks(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "webhooks", webhooksActions, webhooksHelp, args)
}

func runWebhooksList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(webhooksActions["list"], `Lists the subscribers, oldest first: URL, events, and whether each is active,
failing (posts failed since the last that went through) or disabled, and why.
Secrets are never listed.`)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := hooks.List(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tURL\tEVENTS\tSTATE\tLAST SUCCESS\tDESCRIPTION", func(s hooks.Subscription) string {
		state := "active"
		switch {
		case s.DisabledAt != nil:
			state = "disabled " + stamp(s.DisabledAt) + ": " + s.DisabledReason
		case s.Failures > 0:
			state = fmt.Sprintf("failing (%d since %s)", s.Failures, stamp(s.FailingSince))
		}
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s", s.ID, s.URL, strings.Join(s.Events, ","), state, stamp(s.LastSuccessAt), s.Description)
	})
}

func runWebhooksAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(webhooksActions["add"], `Adds a subscriber and prints its signing secret, the one time it is shown:
give it to the receiver, which checks each post's X-Quietdesk-Signature with
it (docs/webhooks.md#signatures).`)
	events := fs.String("events", "", "the event `TYPES` to post, comma-separated: "+strings.Join(hooks.EventTypes, ", "))
	description := fs.String("description", "", "what the subscriber is, for people (`TEXT`)")
	asJSON := fs.Bool("json", false, "print the subscriber and its secret as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var types []string
	if *events != "" {
		types = strings.Split(*events, ",")
	}
	c, err := hooks.Add(ctx, db, hooks.New{URL: pos[0], Events: types, Description: *description}, a.now())
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(a, c)
	}
	fmt.Fprintf(a.stdout, "webhook %d added: %s gets %s\nsigning secret (shown this once): %s\n", c.ID, c.URL, strings.Join(c.Events, ", "), c.Secret)
	return nil
}

func runWebhooksRemove(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(webhooksActions["remove"], `Removes a subscriber and its delivery log. Posts still queued for it fail.
IDs are in quietdesk webhooks list.`)
	id, err := parseID(fs, args, "a webhook", "quietdesk webhooks list shows them")
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := hooks.Remove(ctx, db, id); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "webhook %d removed\n", id)
	return nil
}

func runWebhooksEnable(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(webhooksActions["enable"], `Turns a disabled subscriber back on with a clean record of failures. Events
from while it was disabled were not queued for it; posts that failed can be
requeued with quietdesk notify retry ID (quietdesk webhooks log ID lists them).`)
	id, err := parseID(fs, args, "a webhook", "quietdesk webhooks list shows them")
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := hooks.Enable(ctx, db, id); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "webhook %d enabled\n", id)
	return nil
}

func runWebhooksLog(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(webhooksActions["log"], `Lists a subscriber's deliveries, newest first: the event, its status
(pending, sending, sent, failed), attempts and last error. The first column
is the outbox delivery's id, for quietdesk notify retry.`)
	limit := fs.Int("limit", 50, "show at most `N`")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args, "a webhook", "quietdesk webhooks list shows them")
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := hooks.Get(ctx, db, id); err != nil {
		return err
	}
	list, err := hooks.Log(ctx, db, id, *limit)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "DELIVERY\tTIME\tEVENT\tEVENT ID\tCONVERSATION\tSTATUS\tATTEMPTS\tLAST ERROR", func(d hooks.Delivery) string {
		lastErr := d.LastError
		if len(lastErr) > 100 {
			lastErr = lastErr[:100] + "…"
		}
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%d\t%s\t%d\t%s", d.DeliveryID, stamp(&d.CreatedAt), d.Event, d.EventID, d.ConversationID, d.Status, d.Attempts, lastErr)
	})
}
