package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"quietdesk/internal/actions"
	"quietdesk/internal/store"
)

func init() {
	register(&command{name: "actions", summary: "owners' actions: add, complete, list (their completion feeds a guardrail)", usage: "add|done|list …", run: runActions})
	actionActions = map[string]*command{
		"add":  {name: "actions add", usage: "--owner WHO --title T --due DATE [--guardrail NAME] | --alert ID", run: runActionsAdd},
		"done": {name: "actions done", usage: "ID [--at TIME]", run: runActionsDone},
		"list": {name: "actions list", usage: "[--owner WHO] [--open] [--json]", run: runActionsList},
	}
}

var actionActions map[string]*command

const actionsHelp = `An action is one thing an owner said they would do by a date. Actions come
from alerts (quietdesk actions add --alert ID), from corrections (their review),
from imports (quietdesk import actions FILE, the API) or by hand. Those
completed by the end of their due date make the owner completion rate, which
the owner_completion guardrail watches.

  quietdesk actions add --owner Tom --title "Pause SPRING30 on coupon sites" --due 2026-11-27
  quietdesk actions add --alert 12          the alert's recommended action, for its guardrail's owner
  quietdesk actions done ACTION_ID
  quietdesk actions list --owner Tom --open`

func runActions(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "actions", actionActions, actionsHelp, args)
}

func runActionsAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(actionActions["add"], "Adds an action and prints its id.")
	var act actions.Action
	fs.StringVar(&act.Owner, "owner", "", "who does it")
	fs.StringVar(&act.Title, "title", "", "what, in a few words")
	fs.StringVar(&act.DueDate, "due", "", "due date, YYYY-MM-DD")
	fs.StringVar(&act.Guardrail, "guardrail", "", "the guardrail it serves")
	fs.StringVar(&act.ExternalID, "id", "", "its id (default: made from the time)")
	alert := fs.Int64("alert", 0, "make it from this alert: its recommended action for its guardrail's owner, due the week after")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if *alert != 0 {
		from, err := a.decider(db).ActionFromAlert(ctx, *alert)
		if err != nil {
			return err
		}
		// Flags given override what the alert suggests.
		if act.Owner == "" {
			act.Owner = from.Owner
		}
		if act.Title == "" {
			act.Title = from.Title
		}
		if act.DueDate == "" {
			act.DueDate = from.DueDate
		}
		if act.ExternalID == "" {
			act.ExternalID = from.ExternalID
		}
		act.Guardrail = from.Guardrail
	}
	added, err := actions.Add(ctx, db, act, a.now())
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, added.ExternalID)
	fmt.Fprintf(a.stderr, "%s: %q for %s, due %s\n", added.ExternalID, added.Title, added.Owner, added.DueDate)
	return nil
}

func runActionsDone(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(actionActions["done"], "Records an action completed (now, or --at).")
	at := fs.String("at", "", "when, YYYY-MM-DD HH:MM:SS in the store's time zone (default: now)")
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
	when := a.now()
	if *at != "" {
		loc, err := store.TimeZone(ctx, db)
		if err != nil {
			return err
		}
		if when, err = time.ParseInLocation(time.DateTime, *at, loc); err != nil {
			return fmt.Errorf("--at %q: write YYYY-MM-DD HH:MM:SS", *at)
		}
	}
	if err := actions.Complete(ctx, db, pos[0], when); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "action %s done\n", pos[0])
	return nil
}

func runActionsList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(actionActions["list"], "Lists actions by due date.")
	owner := fs.String("owner", "", "only this owner's")
	open := fs.Bool("open", false, "only those not completed")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return err
	}
	list, err := actions.List(ctx, db, *owner, *open, loc)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tOWNER\tDUE\tDONE\tON TIME\tTITLE", func(l actions.Listed) string {
		done, onTime := "-", "-"
		if l.CompletedAt != nil {
			done, onTime = l.CompletedAt.Format("2006-01-02 15:04"), strconv.FormatBool(*l.OnTime)
		}
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", l.ID, l.Owner, l.DueDate, done, onTime, l.Title)
	})
}
