package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"quietdesk/internal/kb"
	"quietdesk/internal/metrics"
)

// `quietdesk kb report`: the self-service measures (docs/self-service.md),
// the same figures as the /self-service page and GET /api/v1/self-service.
func init() {
	kbActions["report"] = &command{name: "kb report", usage: "[--from DATE] [--to DATE] [--format table|json] [--db DSN]", run: runKBReport}
}

func runKBReport(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(kbActions["report"], `Prints the self-service measures of the sessions started from --from to --to
(days in the store's time zone, both included; default the last 12 complete
weeks): the self-service rate, sessions resolved and escalated, deflection
per article (the share of the sessions shown it that no contact followed
within 72 hours, against the other help-centre sessions, with its 95%
interval), failing articles and searches with no result.`)
	from := fs.String("from", "", "first day, YYYY-MM-DD")
	to := fs.String("to", "", "last day, YYYY-MM-DD, included")
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
	rep, err := kb.BuildReport(ctx, db, metrics.NewEngine(db, a.now), *from, *to, a.now())
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return writeKBReport(a, rep)
}

func writeKBReport(a *app, rep *kb.Report) error {
	pct := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
	}
	pts := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return strconv.FormatFloat(100**v, 'f', 1, 64)
	}
	fmt.Fprintf(a.stdout, "Self-service %s to %s\n", rep.From, rep.To)
	fmt.Fprintf(a.stdout, "Self-service rate: %s (%g resolved sessions of a demand of %g)\n", pct(rep.SelfServiceRate), rep.SelfResolved, rep.Demand)
	fmt.Fprintf(a.stdout, "Sessions: %d (%d resolved, %d escalated); followed by a contact within 72 h: %d of %d measured\n\n",
		rep.Sessions, rep.Resolved, rep.Escalated, rep.Followed, rep.Compared)
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ARTICLE\tSHOWN\tNO CONTACT SHOWN\tNO CONTACT OTHERS\tDEFLECTION (PTS)\t95% INTERVAL\tVERDICT\tHELPFUL/NOT")
	for _, x := range rep.Articles {
		interval := "-"
		if x.Low != nil {
			interval = pts(x.Low) + " to " + pts(x.High)
		}
		fmt.Fprintf(w, "%s\t%d\t%s of %d\t%s of %d\t%s\t%s\t%s\t%d/%d\n", x.Slug, x.Shown, pct(x.ShownRate), x.ShownMeasured, pct(x.OthersRate), x.Others,
			pts(x.Deflection), interval, x.Verdict, x.Helpful, x.Unhelpful)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "\nFailing articles")
	if len(rep.Failing) == 0 {
		fmt.Fprintln(a.stdout, "  none")
	}
	for _, f := range rep.Failing {
		fmt.Fprintf(a.stdout, "  %s (%s): %s\n", f.Slug, f.Locale, strings.Join(f.Reasons, "; "))
	}
	fmt.Fprintln(a.stdout, "\nSearches with no result")
	if len(rep.NoResult) == 0 {
		fmt.Fprintln(a.stdout, "  none")
	}
	w = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, n := range rep.NoResult {
		fmt.Fprintf(w, "  %d\t%s\t%s\n", n.Count, n.Locale, n.Query)
	}
	return w.Flush()
}
