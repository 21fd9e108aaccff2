package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"quietdesk/internal/decide"
	"quietdesk/internal/store"
)

func init() {
	register(&command{name: "alerts", summary: "the guardrails that fire in a week, in priority order", usage: "[--week 2026-W12] [--format table|json] | ack|open ID [--note TEXT]", run: runAlerts})
	alertActions = map[string]*command{
		"ack": {name: "alerts ack", usage: "ID [--note TEXT]", run: func(ctx context.Context, a *app, args []string) error {
			return setAlert(ctx, a, args, decide.Acknowledged)
		}},
		"open": {name: "alerts open", usage: "ID [--note TEXT]", run: func(ctx context.Context, a *app, args []string) error { return setAlert(ctx, a, args, decide.Open) }},
	}
}

var alertActions map[string]*command

const alertsHelp = `Evaluates every guardrail for a complete ISO week (default: the last one)
and lists the alerts firing in it, in the priority matrix's order. The same
guardrail and scope stay one alert while it keeps firing ("since" is its
first week); evaluating a week again changes nothing.

  quietdesk alerts --week 2026-W12 --format json
  quietdesk alerts ack ID --note "looking into it"   acknowledge an alert
  quietdesk alerts open ID                             reopen it

An alert resolves itself the first week it no longer fires.`

func runAlerts(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && alertActions[args[0]] != nil {
		return alertActions[args[0]].run(ctx, a, args[1:])
	}
	fs, dsn := a.flags(commands["alerts"], alertsHelp)
	week := fs.String("week", "", "the ISO `WEEK`, like 2026-W12 (default: the last complete week)")
	format := fs.String("format", "table", "table or json")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format must be table or json, not %q", *format)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	d := a.decider(db)
	w, err := a.weekFlag(ctx, db, *week)
	if err != nil {
		return err
	}
	res, err := d.Evaluate(ctx, w)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(a.stdout, "%s: %d alerts\n", res.Week, len(res.Alerts))
	if len(res.Waiting) > 0 {
		fmt.Fprintf(a.stdout, "not evaluated, no threshold yet: %v (quietdesk guardrails propose)\n", res.Waiting)
	}
	return printList(a, false, res.Alerts, "ID\tGUARDRAIL\tSCOPE\tVALUE\tTHRESHOLD\tSINCE\tSTATE\tOWNER\tACTION", func(al decide.Alert) string {
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", al.ID, al.Guardrail, al.Scope, opt(al.Value), opt(al.Threshold), al.Since, al.State, dash(al.Owner), al.Action)
	})
}

func opt(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// weekFlag reads a --week value, the last complete week when empty.
func (a *app) weekFlag(ctx context.Context, db *store.DB, s string) (decide.Week, error) {
	loc, err := store.TimeZone(ctx, db)
	if err != nil {
		return decide.Week{}, err
	}
	if s == "" {
		return decide.LastCompleteWeek(a.now(), loc), nil
	}
	return decide.ParseWeek(s, loc)
}

func setAlert(ctx context.Context, a *app, args []string, state string) error {
	c := alertActions["ack"]
	if state == decide.Open {
		c = alertActions["open"]
	}
	fs, dsn := a.flags(c, "Sets an alert's state, with a note. IDs are in quietdesk alerts.")
	note := fs.String("note", "", "why, in a few words")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an alert id: quietdesk alerts shows them", pos[0])
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := a.decider(db).SetAlertState(ctx, id, state, *note, "cli"); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "alert %d %s\n", id, state)
	return nil
}
