package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"quietdesk/internal/domain"
	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

// The proactive rules from the command line (docs/proactive.md#rules): list,
// show, switch on or off, tune, edit a text, preview it for an order.
func init() {
	proactiveActions["rules"] = &command{name: "proactive rules", usage: "[init|enable|disable|set|template|show|preview] …", run: runProactiveRules}
	rulesActions = map[string]*command{
		"init":     {name: "proactive rules init", usage: "[--db DSN]", run: runRulesInit},
		"enable":   {name: "proactive rules enable", usage: "NAME [--by WHO] [--db DSN]", run: func(ctx context.Context, a *app, args []string) error { return runRulesSwitch(ctx, a, args, true) }},
		"disable":  {name: "proactive rules disable", usage: "NAME [--by WHO] [--db DSN]", run: func(ctx context.Context, a *app, args []string) error { return runRulesSwitch(ctx, a, args, false) }},
		"set":      {name: "proactive rules set", usage: "NAME [--kind K] [--holdout PCT] [--dry-run=BOOL] [--carrier C] [--country CC] [--sku SKU] [--placed-from DATE] [--placed-to DATE] [--db DSN]", run: runRulesSet},
		"template": {name: "proactive rules template", usage: "NAME --channel CH --locale L [--subject S] (--body TEXT | --body-file FILE) [--db DSN]", run: runRulesTemplate},
		"show":     {name: "proactive rules show", usage: "NAME [--format text|json] [--db DSN]", run: runRulesShow},
		"preview":  {name: "proactive rules preview", usage: "NAME --order ORDER --channel CH --locale L [--db DSN]", run: runRulesPreview},
	}
}

var rulesActions map[string]*command

const rulesHelp = `Lists the proactive rules: name, kind, on or off, dry run, the share of
orders held out, the scope and the channels and locales that have a text.
Campaigns are listed by quietdesk proactive campaign.

  quietdesk proactive rules init                 adds the default rules the database lacks (switched off)
  quietdesk proactive rules enable NAME          switches a rule on (recorded for the weekly review)
  quietdesk proactive rules disable NAME         switches it off
  quietdesk proactive rules set NAME --holdout 10 --dry-run=true --carrier ParcelNow --country FR --sku X
                                                 changes what is given; an empty value clears a scope field
  quietdesk proactive rules template NAME --channel email --locale en --subject S --body-file FILE
                                                 sets one text; a template that does not work is refused
  quietdesk proactive rules show NAME [--format json]
  quietdesk proactive rules preview NAME --order ORDER --channel email --locale en
                                                 the text as that order's customer would read it`

func runProactiveRules(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 {
		if c, ok := rulesActions[args[0]]; ok {
			return c.run(ctx, a, args[1:])
		}
	}
	fs, dsn := a.flags(proactiveActions["rules"], rulesHelp)
	format := fs.String("format", "text", "text or json")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format must be text or json, not %q", *format)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	rules, err := listRules(ctx, db)
	if err != nil {
		return err
	}
	if len(rules) == 0 && *format == "text" {
		fmt.Fprintln(a.stdout, "No rules yet: quietdesk proactive rules init adds the defaults (switched off).")
		return nil
	}
	return printList(a, *format == "json", rules, "NAME\tKIND\tON\tDRY RUN\tHOLDOUT\tSCOPE\tTEXTS", func(r *proactive.Rule) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%d%%\t%s\t%s", r.Name, r.Kind, onOff(r.Enabled), yesNo(r.DryRun), r.HoldoutPct, scopeText(r.Scope), textsText(r.Templates))
	})
}

// listRules is every rule but the campaigns.
func listRules(ctx context.Context, q proactive.Querier) ([]*proactive.Rule, error) {
	all, err := proactive.ListRules(ctx, q)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r *proactive.Rule) bool { return r.Kind == proactive.KindCampaign }), nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// scopeText writes a scope as carrier=ParcelNow country=FR, "all orders" when empty.
func scopeText(s proactive.Scope) string {
	var parts []string
	for _, f := range []struct{ k, v string }{{"carrier", s.Carrier}, {"country", s.Country}, {"sku", s.SKU}, {"placed-from", s.PlacedFrom}, {"placed-to", s.PlacedTo}} {
		if f.v != "" {
			parts = append(parts, f.k+"="+f.v)
		}
	}
	if len(parts) == 0 {
		return "all orders"
	}
	return strings.Join(parts, " ")
}

// textsText writes which channels and locales have a text: email:en,fr sms:en.
func textsText(ts []proactive.Template) string {
	var parts []string
	for _, c := range proactive.Channels {
		var locales []string
		for _, t := range ts {
			if t.Channel == c {
				locales = append(locales, t.Locale)
			}
		}
		if len(locales) > 0 {
			parts = append(parts, c+":"+strings.Join(locales, ","))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

func runRulesInit(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(rulesActions["init"], `Adds the default rules the database lacks: one per kind (late_shipment,
carrier_exception, backorder, partial_shipment, delivered_check), switched off,
holding out 10% of orders, with texts in English and French on every channel.
A rule that exists is left as it is, so running it again changes nothing.`)
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var added []string
	if err := db.WriteTx(ctx, func(tx *store.Tx) (err error) {
		added, err = proactive.EnsureDefaultRules(ctx, tx, a.now())
		return err
	}); err != nil {
		return err
	}
	if len(added) == 0 {
		fmt.Fprintln(a.stdout, "every default rule is already there; nothing changed")
		return nil
	}
	fmt.Fprintf(a.stdout, "added %s (switched off: quietdesk proactive rules enable NAME)\n", strings.Join(added, ", "))
	return nil
}

// changeRule reads a rule in a write transaction (adding the defaults
// first, so a fresh database's rules can be edited by name), lets change
// edit it, and saves it with a record of the change.
func changeRule(ctx context.Context, a *app, dsn, name, who string, change func(r *proactive.Rule, existed bool) error) (*proactive.Rule, error) {
	db, err := openDB(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var r *proactive.Rule
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if _, err := proactive.EnsureDefaultRules(ctx, tx, a.now()); err != nil {
			return err
		}
		var err error
		existed := true
		r, err = proactive.GetRule(ctx, tx, name)
		if errors.Is(err, proactive.ErrNoRule) {
			r, existed = &proactive.Rule{Name: name, HoldoutPct: proactive.DefaultHoldoutPct}, false
		} else if err != nil {
			return err
		}
		if r.Kind == proactive.KindCampaign {
			return domain.Errorf(domain.EInvalid, "%s is a campaign: quietdesk proactive campaign edits it", name)
		}
		before, _ := json.Marshal(r)
		if err := change(r, existed); err == errNoChange {
			return nil
		} else if err != nil {
			return err
		}
		if after, _ := json.Marshal(r); existed && bytes.Equal(before, after) {
			return nil // the same command twice records one change
		}
		return proactive.SaveRule(ctx, tx, r, who, a.now())
	})
	return r, err
}

func runRulesSwitch(ctx context.Context, a *app, args []string, on bool) error {
	action := "disable"
	if on {
		action = "enable"
	}
	fs, dsn := a.flags(rulesActions[action], `Switches a rule on (its notices go out, or are only recorded while it is in
dry run) or off. The change is recorded for the weekly review; switching a
rule to the state it has changes nothing.`)
	by := fs.String("by", "cli", "`WHO` the record of the change names (an email)")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	unchanged := false
	r, err := changeRule(ctx, a, *dsn, name, *by, func(r *proactive.Rule, existed bool) error {
		if !existed {
			return proactive.ErrNoRule
		}
		if r.Enabled == on {
			unchanged = true
			return errNoChange
		}
		r.Enabled = on
		return nil
	})
	if err != nil {
		return err
	}
	if unchanged {
		fmt.Fprintf(a.stdout, "%s was already %s; nothing changed\n", r.Name, onOff(on))
		return nil
	}
	fmt.Fprintf(a.stdout, "%s is now %s%s\n", r.Name, onOff(on), map[bool]string{true: " (dry run: notices are recorded, not sent)"}[on && r.DryRun])
	return nil
}

// errNoChange tells changeRule there is nothing to save: a switch to the
// state a rule has records no change.
var errNoChange = errors.New("no change")

func runRulesSet(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(rulesActions["set"], `Changes a rule's settings: only the flags given change. An empty value
(--sku "") clears a scope field. A name that is no rule creates one with
--kind, starting from the default texts of that kind.`)
	kind := fs.String("kind", "", "the rule's `KIND`: "+strings.Join(proactive.Kinds[:len(proactive.Kinds)-1], ", "))
	holdout := fs.Int("holdout", 0, "the share of eligible orders that get no notice, in `PCT` (0 to 50)")
	dryRun := fs.Bool("dry-run", false, "record what would be sent without sending")
	fs.String("carrier", "", "only orders with this `CARRIER`")
	fs.String("country", "", "only orders shipped to this `COUNTRY` (ISO code)")
	fs.String("sku", "", "only orders with a line of this `SKU` (a prefix ending in *)")
	fs.String("placed-from", "", "only orders placed on or after this `DATE` (YYYY-MM-DD)")
	fs.String("placed-to", "", "only orders placed on or before this `DATE` (YYYY-MM-DD)")
	by := fs.String("by", "cli", "`WHO` the record of the change names (an email)")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	r, err := changeRule(ctx, a, *dsn, name, *by, func(r *proactive.Rule, existed bool) error {
		if !existed {
			if *kind == "" {
				return domain.Errorf(domain.ENotFound, "no rule %s: give --kind to create it (quietdesk proactive rules lists the rules)", name)
			}
			for _, d := range proactive.DefaultRules() {
				if d.Kind == *kind {
					r.Templates = d.Templates
				}
			}
		}
		if given["kind"] {
			if *kind == proactive.KindCampaign {
				return domain.Errorf(domain.EInvalid, "--kind campaign: quietdesk proactive campaign creates campaigns")
			}
			r.Kind = *kind
		}
		if given["holdout"] {
			r.HoldoutPct = *holdout
		}
		if given["dry-run"] {
			r.DryRun = *dryRun
		}
		for f, p := range map[string]*string{"carrier": &r.Scope.Carrier, "country": &r.Scope.Country, "sku": &r.Scope.SKU, "placed-from": &r.Scope.PlacedFrom, "placed-to": &r.Scope.PlacedTo} {
			if given[f] {
				*p = strings.TrimSpace(fs.Lookup(f).Value.String())
			}
		}
		if given["country"] {
			r.Scope.Country = strings.ToUpper(r.Scope.Country)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: %s, dry run %s, holding out %d%%, %s\n", r.Name, onOff(r.Enabled), yesNo(r.DryRun), r.HoldoutPct, scopeText(r.Scope))
	return nil
}

func runRulesTemplate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(rulesActions["template"], `Sets a rule's text on one channel in one locale, replacing the one there.
The text is a Go template over the order (docs/proactive.md#templates); one
that does not work is refused with its line and the reason, and nothing is
stored. --subject is for email only.`)
	channel := fs.String("channel", "", "the `CHANNEL`: "+strings.Join(proactive.Channels, ", "))
	locale := fs.String("locale", "", "the `LOCALE` (en, fr, …)")
	subject := fs.String("subject", "", "the email's `SUBJECT` (a template too)")
	body := fs.String("body", "", "the `TEXT`")
	bodyFile := fs.String("body-file", "", "read the text from `FILE` (- for standard input)")
	by := fs.String("by", "cli", "`WHO` the record of the change names (an email)")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	text := *body
	if *bodyFile != "" {
		if *body != "" {
			return fmt.Errorf("give --body or --body-file, not both")
		}
		var b []byte
		if *bodyFile == "-" {
			b, err = io.ReadAll(a.stdin)
		} else {
			b, err = os.ReadFile(*bodyFile)
		}
		if err != nil {
			return fmt.Errorf("--body-file: %w", err)
		}
		text = string(b)
	}
	if *channel != "email" && *subject != "" {
		return fmt.Errorf("--subject: only email has a subject, not %s", *channel)
	}
	t := proactive.Template{Channel: *channel, Locale: *locale, Subject: *subject, Body: text}
	if _, err := changeRule(ctx, a, *dsn, name, *by, func(r *proactive.Rule, existed bool) error {
		if !existed {
			return proactive.ErrNoRule
		}
		i := slices.IndexFunc(r.Templates, func(x proactive.Template) bool { return x.Channel == t.Channel && x.Locale == t.Locale })
		if i < 0 {
			r.Templates = append(r.Templates, t)
		} else {
			r.Templates[i] = t
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s: the %s text in %s is saved\n", name, t.Channel, t.Locale)
	return nil
}

func runRulesShow(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(rulesActions["show"], `Shows a rule: its settings and every text.`)
	format := fs.String("format", "text", "text or json")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format must be text or json, not %q", *format)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := proactive.GetRule(ctx, db, name)
	if err != nil {
		return err
	}
	if *format == "json" {
		return printJSON(a, r)
	}
	fmt.Fprintf(a.stdout, "%s (%s): %s, dry run %s, holding out %d%%, %s\nlast changed %s by %s\n",
		r.Name, r.Kind, onOff(r.Enabled), yesNo(r.DryRun), r.HoldoutPct, scopeText(r.Scope), r.UpdatedAt.Format("2006-01-02 15:04"), r.UpdatedBy)
	for _, t := range r.Templates {
		fmt.Fprintf(a.stdout, "\n--- %s/%s\n", t.Channel, t.Locale)
		if t.Subject != "" {
			fmt.Fprintf(a.stdout, "Subject: %s\n\n", t.Subject)
		}
		fmt.Fprintln(a.stdout, strings.TrimRight(t.Body, "\n"))
	}
	return nil
}

func runRulesPreview(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(rulesActions["preview"], `Shows a rule's text as the customer of a stored order would read it. It
sends nothing and writes nothing.`)
	order := fs.String("order", "", "the `ORDER`'s id or name as imported (e.g. #1001)")
	channel := fs.String("channel", "email", "the `CHANNEL`")
	locale := fs.String("locale", "en", "the `LOCALE`")
	name, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *order == "" {
		return fmt.Errorf("--order: give an order's id or name (e.g. #1001)")
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := proactive.GetRule(ctx, db, name)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(r.Templates, func(t proactive.Template) bool { return t.Channel == *channel && t.Locale == *locale })
	if i < 0 {
		return domain.Errorf(domain.ENotFound, "%s has no %s text in %s: it has %s", name, *channel, *locale, textsText(r.Templates))
	}
	d, err := proactive.OrderNoticeData(ctx, db, *order, *locale, a.now())
	if err != nil {
		return err
	}
	subject, body, err := proactive.Render(r.Templates[i], d)
	if err != nil {
		return err
	}
	if subject != "" {
		fmt.Fprintf(a.stdout, "Subject: %s\n\n", subject)
	}
	fmt.Fprintln(a.stdout, body)
	return nil
}
