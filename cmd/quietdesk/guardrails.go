package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"quietdesk/internal/decide"
	"quietdesk/internal/metrics"
	"quietdesk/internal/store"
)

func init() {
	register(&command{name: "guardrails", summary: "the decision table: list, edit, propose and accept thresholds", usage: "list|set|add|propose|accept …", run: runGuardrails})
	guardrailActions = map[string]*command{
		"list":    {name: "guardrails list", usage: "[--json]", run: runGuardrailsList},
		"set":     {name: "guardrails set", usage: "NAME [--threshold X] [--owner WHO] [--by DIMENSION|store] [--weeks N] [--off|--on] […]", run: runGuardrailsSet},
		"add":     {name: "guardrails add", usage: "NAME --metric M --trigger T [--threshold X] [--by DIMENSION] [--owner WHO] […]", run: runGuardrailsAdd},
		"propose": {name: "guardrails propose", usage: "[--json]", run: runGuardrailsPropose},
		"accept":  {name: "guardrails accept", usage: "[NAME …]", run: runGuardrailsAccept},
	}
}

var guardrailActions map[string]*command

const guardrailsHelp = `The decision table (docs/decisions.md#the-decision-table): each guardrail is one metric, one red
threshold, one owner and one review checkpoint.

  quietdesk guardrails list                      the table, with what fires each guardrail
  quietdesk guardrails set NAME --threshold X    change a guardrail (any flag of add)
  quietdesk guardrails add NAME --metric M --trigger T …   a guardrail of your own
  quietdesk guardrails propose                   thresholds learned from the program's first 30 days
  quietdesk guardrails accept [NAME …]           set the proposed thresholds (all when none named)

The defaults are contribution_floor, return_cost_spike, variable_cost_trend,
owner_completion and cpo_ceiling. Floors and ceilings have no threshold
until one is accepted or set; until then they are not evaluated.
Triggers: ` + "below_floor, above_ceiling, cohort_spike, rising_trend, completion_below."

func runGuardrails(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "guardrails", guardrailActions, guardrailsHelp, args)
}

func runGuardrailsList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(guardrailActions["list"], "Lists the guardrails in the decision table's order.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := decide.Guardrails(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "NAME\tMETRIC\tSCOPE\tFIRES WHEN\tOWNER\tACTION\tREVIEW\tON", func(g decide.Guardrail) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", g.Name, g.Metric, g.ScopeLabel(), g.Describe(), dash(g.Owner), g.Action, g.ReviewWeekday, map[bool]string{true: "yes", false: "no"}[g.Enabled])
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// guardrailFlags are the flags set and add share; edit reads those given.
func guardrailFlags(fs *flag.FlagSet) (edit func() (decide.Edit, error)) {
	metric := fs.String("metric", "", "the metric, as quietdesk metrics names it")
	trigger := fs.String("trigger", "", "below_floor, above_ceiling, cohort_spike, rising_trend or completion_below")
	threshold := fs.Float64("threshold", 0, "the red threshold")
	clear := fs.Bool("clear-threshold", false, "remove the threshold (the guardrail waits for one)")
	by := fs.String("by", "", "test each cohort of `DIMENSION` (store: the whole store)")
	weeks := fs.Int("weeks", 0, "consecutive weeks (floor, ceiling), weeks of history (spike) or of the fit (trend)")
	minOrders := fs.Int("min-orders", 0, "cohorts with fewer orders in a week are not tested")
	owner := fs.String("owner", "", "who owns it")
	action := fs.String("action", "", "the recommended action when it fires")
	actionType := fs.String("action-type", "", "its place in the priority matrix: "+strings.Join(decide.ActionTypes, ", "))
	review := fs.String("review-day", "", "the weekday its review falls on")
	area := fs.String("area", "", "the area of the business it guards")
	off := fs.Bool("off", false, "turn it off")
	on := fs.Bool("on", false, "turn it on")
	return func() (decide.Edit, error) {
		var e decide.Edit
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		str := func(name string, v *string) *string {
			if given[name] {
				return v
			}
			return nil
		}
		e.Metric, e.Trigger, e.Owner, e.Action, e.ActionType, e.ReviewWeekday, e.Area =
			str("metric", metric), str("trigger", trigger), str("owner", owner), str("action", action), str("action-type", actionType), str("review-day", review), str("area", area)
		if given["by"] {
			d := *by
			if d == "store" {
				d = ""
			}
			e.Dimension = &d
		}
		if given["threshold"] {
			e.Threshold = threshold
		}
		e.ClearThreshold = *clear
		if given["weeks"] {
			e.Weeks = weeks
		}
		if given["min-orders"] {
			e.MinOrders = minOrders
		}
		if *on && *off {
			return e, fmt.Errorf("--on and --off together: give one")
		}
		if *on || *off {
			v := *on
			e.Enabled = &v
		}
		return e, nil
	}
}

func runGuardrailsSet(ctx context.Context, a *app, args []string) error {
	return editGuardrail(ctx, a, args, false, "Changes a guardrail; flags not given stay as they are. Every change is recorded and shows in the weekly review.")
}

func runGuardrailsAdd(ctx context.Context, a *app, args []string) error {
	return editGuardrail(ctx, a, args, true, "Adds a guardrail to the decision table. Metrics: "+strings.Join(metrics.Names, ", ")+".")
}

func editGuardrail(ctx context.Context, a *app, args []string, create bool, help string) error {
	c := guardrailActions["set"]
	if create {
		c = guardrailActions["add"]
	}
	fs, dsn := a.flags(c, help)
	edit := guardrailFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	e, err := edit()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	g, err := decide.SetGuardrail(ctx, db, pos[0], e, create, "cli", a.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s %s, %s; owner %s; action: %s\n", g.Name, g.Metric, g.Describe(), g.ScopeLabel(), dash(g.Owner), g.Action)
	return nil
}

// decider is the decision loop over db on the program's clock.
func (a *app) decider(db *store.DB) *decide.Decider {
	return decide.New(db, a.now)
}

func runGuardrailsPropose(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(guardrailActions["propose"], `Proposes a threshold for each floor and ceiling from the program's first 30
days (setting program_start, else the day of the first order): the 25th
percentile of the weekly values for a floor, the 75th for a ceiling, over
the cohorts big enough to be tested. Nothing changes until you accept.`)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	props, err := a.decider(db).Propose(ctx)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, props, "GUARDRAIL\tCURRENT\tPROPOSED\tFROM", func(p decide.Proposal) string {
		cur := "-"
		if p.Current != nil {
			cur = fmt.Sprint(*p.Current)
		}
		return fmt.Sprintf("%s\t%s\t%v\t%s", p.Guardrail, cur, p.Proposed, p.Basis)
	})
}

func runGuardrailsAccept(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(guardrailActions["accept"], "Sets the proposed thresholds (quietdesk guardrails propose) of the guardrails named, or of all of them.")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	done, err := a.decider(db).Accept(ctx, names, "cli")
	for _, p := range done {
		fmt.Fprintf(a.stdout, "%s: threshold %v (%s)\n", p.Guardrail, p.Proposed, p.Basis)
	}
	return err
}
