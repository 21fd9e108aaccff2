package main

import (
	"context"
	"fmt"
	"time"

	"quietdesk/internal/proactive"
)

// quietdesk proactive run: one pass of what serve does every minute
// (docs/proactive.md#sending).
func init() {
	proactiveActions["run"] = &command{name: "proactive run", usage: "[--dry-run] [--db DSN]", run: runProactiveRun}
}

func runProactiveRun(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(proactiveActions["run"], `Decides which orders get a notice now (or are held out), then sends the
notices that are due, once, and prints each. quietdesk serve does the same
every minute; this is for installations without a running server, and safe
beside servers: each notice is sent by one of them.

With --dry-run nothing is decided or sent: it prints the decisions a run
would make now and the channel each due notice would take.`)
	dry := fs.Bool("dry-run", false, "print what would happen, change nothing")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	now := a.now()
	if *dry {
		ev, err := proactive.PreviewEvaluate(ctx, db, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "would decide (dry run, nothing changed): %d orders looked at\n", ev.Candidates)
		printDecisions(a, ev.Decisions)
		due, err := proactive.PreviewDue(ctx, db, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "would send %d due notice(s) already decided:\n", len(due))
		printDecisions(a, due)
		return nil
	}
	ev, err := proactive.Evaluate(ctx, db, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "decided: %d orders looked at, %d scheduled, %d held out\n", ev.Candidates, ev.Count(proactive.StatusScheduled), ev.Count(proactive.StatusHeldOut))
	printDecisions(a, ev.Decisions)
	sent, err := proactive.SendDue(ctx, db, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "sent %d, skipped %d, dry run %d, failed %d; %d earlier notice(s) found failed by the outbox\n",
		sent.Count(proactive.StatusSent), sent.Count(proactive.StatusSkipped), sent.Count(proactive.StatusDryRun), sent.Count(proactive.StatusFailed), sent.Failed)
	printDecisions(a, sent.Decisions)
	return nil
}

func printDecisions(a *app, ds []proactive.Decision) {
	for _, d := range ds {
		line := fmt.Sprintf("  %-10s %-20s %-20s", d.Status, d.Rule, d.OrderExternalID)
		if d.DueAt != nil && d.Status == proactive.StatusScheduled {
			line += " due " + d.DueAt.UTC().Format(time.RFC3339)
		}
		if d.Channel != "" {
			line += " on " + d.Channel
		}
		if d.Reason != "" {
			r := d.Reason
			if len(r) > 120 {
				r = r[:120] + "…"
			}
			line += ": " + r
		}
		fmt.Fprintln(a.stdout, line)
	}
}
