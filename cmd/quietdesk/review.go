package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{name: "review", summary: "the weekly review: what changed, what moved, contribution quality, decisions", usage: "[--week 2026-W12] [--format md|html|json]", run: runReview})
}

const reviewHelp = `Writes the 15-minute weekly review of a complete ISO week (default: the
last one), answering the four questions of docs/decisions.md#the-weekly-review from the data:

  1. What changed this week? corrections started, reviewed and ended;
     guardrails edited; new or spiking topics; changes to the topics
     (candidates promoted with the contacts they relabelled, renames,
     merges, retirements); proactive campaigns.
  2. Which metric moved meaningfully? week-over-week changes beyond noise
     (|z| ≥ 2 against the trailing 8 weekly changes), each with the
     cohorts that drove it.
  3. Did contribution quality improve? contribution per order,
     return-adjusted, with the return-cost ratio and CPO.
  4. What do we keep, adjust or stop next week? verdicts of the
     corrections due, alerts in priority order, owners' completion.

It reads what the store holds and writes nothing: the week's alerts as
the guardrails task recorded them (quietdesk alerts evaluates a week by
hand) and the corrections due measured as of now. "quietdesk serve"
delivers it by email and chat webhook on the review day.`

func runReview(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(commands["review"], reviewHelp)
	week := fs.String("week", "", "the ISO `WEEK`, like 2026-W12 (default: the last complete week)")
	format := fs.String("format", "md", "md, html or json")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *format != "md" && *format != "html" && *format != "json" {
		return fmt.Errorf("--format must be md, html or json, not %q", *format)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := a.weekFlag(ctx, db, *week)
	if err != nil {
		return err
	}
	r, err := a.decider(db).Review(ctx, w)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		return r.WriteJSON(a.stdout)
	case "html":
		page, err := r.HTML()
		if err != nil {
			return err
		}
		_, err = fmt.Fprint(a.stdout, page)
		return err
	}
	_, err = fmt.Fprint(a.stdout, r.Markdown())
	return err
}
