package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"quietdesk/internal/decide"
)

func init() {
	register(&command{name: "corrections", summary: "corrections with expected impact, realized impact after 7 days and a verdict", usage: "add|list|review|decide …", run: runCorrections})
	correctionActions = map[string]*command{
		"add":    {name: "corrections add", usage: "--title T --metric M [--scope DIMENSION=GROUP] --expected-low L --expected-base B --expected-high H --owner WHO --start DATE [--lever TEXT] [--effort low|medium|high] [--impact low|medium|high] [--alert ID] [--force]", run: runCorrectionsAdd},
		"list":   {name: "corrections list", usage: "[--json]", run: runCorrectionsList},
		"review": {name: "corrections review", usage: "ID [--format table|json]", run: runCorrectionsReview},
		"decide": {name: "corrections decide", usage: "ID --verdict keep|adjust|roll_back [--reason TEXT]", run: runCorrectionsDecide},
	}
}

var correctionActions map[string]*command

const correctionsHelp = `A correction is one controlled change against an alert or a metric
(docs/decisions.md#corrections-and-verdicts): its expected impact is written down first, and seven days
after it starts its realized impact is measured by difference-in-differences
against the rest of the store (which removes seasonality and store-wide
events), contribution return-adjusted, and a verdict given.

  quietdesk corrections add --title T --metric M … --start DATE   prints the new id
  quietdesk corrections list                                      in priority order
  quietdesk corrections review ID --format json                   realized impact and verdict
  quietdesk corrections decide ID --verdict keep --reason "…"     a person's decision

Impacts are improvements in the metric's units: positive is better, whichever
way the metric improves (CPO down by 0.02 is +0.02). Keep when realized ≥
low and no guard metric (return-cost ratio, CPO) worsened by more than 10%;
roll back when realized ≤ 0 or a guard worsened; adjust otherwise. In phase
2 of the 30-60-90 program a fourth correction running at once is refused
unless --force.`

func runCorrections(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "corrections", correctionActions, correctionsHelp, args)
}

func runCorrectionsAdd(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(correctionActions["add"], "Adds a correction and prints its id. Its review is due 7 days after --start; its owner gets an action due then.")
	var c decide.Correction
	fs.StringVar(&c.Title, "title", "", "what is changed, in a few words")
	fs.StringVar(&c.Metric, "metric", "", "the target metric")
	scope := fs.String("scope", "", "the cohort, `DIMENSION=GROUP` (default: the whole store)")
	fs.Float64Var(&c.Expected.Low, "expected-low", 0, "expected improvement, low")
	fs.Float64Var(&c.Expected.Base, "expected-base", 0, "expected improvement, base")
	fs.Float64Var(&c.Expected.High, "expected-high", 0, "expected improvement, high")
	fs.StringVar(&c.Owner, "owner", "", "who owns it")
	fs.StringVar(&c.Start, "start", "", "first day, YYYY-MM-DD")
	fs.StringVar(&c.Lever, "lever", "", "the lever pulled (self-service, proactive notice, policy…)")
	fs.StringVar(&c.Effort, "effort", "medium", "low, medium or high")
	fs.StringVar(&c.Impact, "impact", "medium", "impact potential: low, medium or high")
	fs.StringVar(&c.ActionType, "action-type", "", "its place in the priority matrix: "+strings.Join(decide.ActionTypes, ", "))
	alert := fs.Int64("alert", 0, "the alert it answers (moves it to correction_started)")
	force := fs.Bool("force", false, "start a fourth parallel correction in phase 2")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *scope != "" {
		dim, group, ok := strings.Cut(*scope, "=")
		if !ok {
			return fmt.Errorf("--scope %q: write DIMENSION=GROUP, like discount_code=SPRING30", *scope)
		}
		c.Scope = decide.Scope{Dimension: dim, Group: group}
	}
	if *alert != 0 {
		c.AlertID = alert
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	added, err := a.decider(db).AddCorrection(ctx, c, decide.AddOptions{Force: *force, By: "cli"})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, added.ID)
	fmt.Fprintf(a.stderr, "correction %d %q %s, review due %s\n", added.ID, added.Title, added.Status, added.ReviewDate)
	return nil
}

func runCorrectionsList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(correctionActions["list"], "Lists corrections in the priority matrix's order (docs/decisions.md#priority).")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := a.decider(db).Corrections(ctx)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tTITLE\tMETRIC\tSCOPE\tEXPECTED\tREALIZED\tSTATUS\tOWNER\tSTART\tREVIEW", func(c decide.Correction) string {
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%v..%v..%v\t%s\t%s\t%s\t%s\t%s", c.ID, c.Title, c.Metric, c.Scope, c.Expected.Low, c.Expected.Base, c.Expected.High, opt(c.Realized), c.Status, c.Owner, c.Start, c.ReviewDate)
	})
}

func correctionID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a correction id: quietdesk corrections list shows them", s)
	}
	return id, nil
}

func runCorrectionsReview(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(correctionActions["review"], "Measures a correction whose seven days are over and records the verdict.")
	format := fs.String("format", "table", "table or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := correctionID(pos[0])
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := a.decider(db).ReviewCorrection(ctx, id)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(a.stdout, "#%d %s (%s, %s), %s to %s\n", r.ID, r.Title, r.Metric, r.Scope, r.PreFrom, r.PostTo)
	fmt.Fprintf(a.stdout, "  scope:  %v → %v\n", r.Pre, r.Post)
	if r.Controlled {
		fmt.Fprintf(a.stdout, "  rest:   %v → %v\n", r.ControlPre, r.ControlPost)
	}
	fmt.Fprintf(a.stdout, "  realized %v, expected %v (%v to %v)\n", r.Realized, r.Expected.Base, r.Expected.Low, r.Expected.High)
	for _, g := range r.Guards {
		fmt.Fprintf(a.stdout, "  guard %s: change %v, ok %v\n", g.Metric, g.Change, g.OK)
	}
	fmt.Fprintf(a.stdout, "  verdict: %s (status %s)\n  %s\n", r.Verdict, r.Status, r.Reason)
	return nil
}

func runCorrectionsDecide(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(correctionActions["decide"], "Records a person's verdict on a reviewed correction. One that differs from the computed verdict needs --reason.")
	verdict := fs.String("verdict", "", "keep, adjust or roll_back")
	reason := fs.String("reason", "", "why, in a sentence")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	id, err := correctionID(pos[0])
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := a.decider(db).Decide(ctx, id, *verdict, *reason, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "correction %d %s\n", c.ID, c.Status)
	return nil
}
