package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"quietdesk/internal/decide"
	"quietdesk/internal/proactive"
)

// `quietdesk proactive report`: a rule's notified orders against its
// holdout (docs/proactive.md#report), the figures of the page and of
// GET /api/v1/proactive/report.
func init() {
	proactiveActions["report"] = &command{name: "proactive report", usage: "--rule NAME [--from DATE] [--to DATE] [--format table|json] [--db DSN]", run: runProactiveReport}
}

func runProactiveReport(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(proactiveActions["report"], `Compares the orders a rule notified with the orders it held out, for the
decisions made from --from to --to (days in the store's time zone, both
included; default the last 12 complete weeks): contacts per order and the
share of orders with a where-is-my-order contact in the 30 days after the
decision, their difference with its 95% interval, and the contacts and
support cost saved once the interval excludes zero. Imported notices
(quietdesk import notices FILE) are measured the same way.`)
	rule := fs.String("rule", "", "the rule's `NAME` (quietdesk proactive rules lists them)")
	from := fs.String("from", "", "first day, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD, included")
	format := fs.String("format", "table", "table or json")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("--format must be table or json, not %q", *format)
	}
	if *rule == "" {
		return errors.New("--rule is required: name a rule (quietdesk proactive rules lists them)")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	period, err := proactive.ReportPeriod(ctx, db, *from, *to, a.now())
	if err != nil {
		return err
	}
	rep, err := proactive.BuildReport(ctx, db, *rule, period.From, period.To, a.now())
	if err != nil {
		return err
	}
	rep.SplitByWeek(func(t time.Time) string { return decide.WeekOf(t, period.Loc).String() })
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeProactiveReport(a, rep, period)
}

func writeProactiveReport(a *app, rep *proactive.Report, period proactive.Period) error {
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	pct := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }
	fmt.Fprintf(a.stdout, "Rule %s, decisions %s to %s: %d eligible, %d pending (window of %d days not over)\n\n",
		rep.Rule, period.FromDay, period.ToDay, rep.Eligible, rep.Pending, rep.WindowDays)
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\tORDERS\tCONTACTS\tCONTACTS PER ORDER\tWHERE-IS-MY-ORDER RATE")
	for _, g := range []struct {
		name string
		g    proactive.Group
	}{{"notified", rep.Notified}, {"held out", rep.HeldOut}} {
		fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s\n", g.name, g.g.Orders, g.g.Contacts, num(g.g.CPO), pct(g.g.WismoRate))
	}
	d := rep.Difference
	fmt.Fprintf(w, "difference\t\t\t%s (95%%: %s to %s)\t%s (95%%: %s to %s)\n", num(d.CPO), num(d.CI95[0]), num(d.CI95[1]),
		pct(d.WismoRate), pct(d.WismoCI95[0]), pct(d.WismoCI95[1]))
	if err := w.Flush(); err != nil {
		return err
	}
	if !rep.Known {
		fmt.Fprintln(a.stdout, "\nEffect: not yet known (the interval of contacts per order includes zero)")
		return nil
	}
	fmt.Fprintf(a.stdout, "\nEffect: known. Saved %s contacts, %s of support cost at %s a contact\n",
		strconv.FormatFloat(rep.Saved.Contacts, 'f', 1, 64), strconv.FormatFloat(rep.Saved.SupportCost, 'f', 2, 64), strconv.FormatFloat(rep.Saved.CostPerContact, 'f', 2, 64))
	return nil
}
