package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
)

func init() {
	campaignActions = map[string]*command{
		"create":  {name: "proactive campaign create", usage: "NAME [--carrier X] [--sku SKU|PREFIX*] [--country CC] [--placed-from DATE] [--placed-to DATE] [--holdout 10] --body-file FILE [--subject S] [--channel email] [--locale en]", run: runCampaignCreate},
		"preview": {name: "proactive campaign preview", usage: "NAME [--format table|json]", run: runCampaignPreview},
		"send":    {name: "proactive campaign send", usage: "NAME", run: runCampaignSend},
		"list":    {name: "proactive campaign list", usage: "[--json]", run: runCampaignList},
	}
	proactiveActions["campaign"] = &command{name: "proactive campaign", summary: "a one-off notice to a cohort: create, preview, send", usage: "create|preview|send|list …", run: runCampaign}
}

var campaignActions map[string]*command

const campaignHelp = `A campaign is a one-off notice to a cohort of orders: a carrier, a SKU or
SKU prefix, a country, orders placed in a date range (docs/proactive.md#campaigns).
The same holdout as the rules keeps a share of the cohort un-notified, so
quietdesk proactive report --rule NAME measures it.

  quietdesk proactive campaign create NAME --carrier ParcelNow --placed-from 2026-11-01 --body-file notice.txt --subject "About your order"
  quietdesk proactive campaign preview NAME     who it would reach: orders, held out, customers, unreachable, a sample
  quietdesk proactive campaign send NAME        decides every order of the cohort once; sending again adds nothing
  quietdesk proactive campaign list`

func runCampaign(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "proactive", campaignActions, campaignHelp, args)
}

// oneName parses a command line whose one argument is a campaign's name.
func oneName(fs *flag.FlagSet, pos []string) (string, error) {
	if len(pos) != 1 {
		fs.Usage()
		return "", errUsage
	}
	return pos[0], nil
}

func runCampaignCreate(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(campaignActions["create"], "Creates a campaign, or edits one not yet sent. At least one of --carrier, --sku, --country, --placed-from, --placed-to names the cohort.")
	var s proactive.Scope
	fs.StringVar(&s.Carrier, "carrier", "", "the orders' carrier, as imported")
	fs.StringVar(&s.SKU, "sku", "", "an order line's SKU, or a prefix ending in * (TEE-*)")
	fs.StringVar(&s.Country, "country", "", "the orders' country (ISO code)")
	fs.StringVar(&s.PlacedFrom, "placed-from", "", "orders placed on or after this day, YYYY-MM-DD in the store's time zone")
	fs.StringVar(&s.PlacedTo, "placed-to", "", "orders placed on or before this day")
	holdout := fs.Int("holdout", proactive.DefaultHoldoutPct, "percent of the cohort held out to measure the notice (0 to 50)")
	bodyFile := fs.String("body-file", "", "the notice's text, a Go template over the order (docs/proactive.md#templates)")
	subject := fs.String("subject", "", "the email's subject")
	channel := fs.String("channel", "email", "the channel of this text: "+strings.Join(proactive.Channels, ", "))
	locale := fs.String("locale", "en", "the text's locale")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos)
	if err != nil {
		return err
	}
	if *bodyFile == "" {
		return fmt.Errorf("--body-file is required: a file with the notice's text")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return fmt.Errorf("--body-file: %w", err)
	}
	r := &proactive.Rule{Name: name, Kind: proactive.KindCampaign, HoldoutPct: *holdout, Scope: s,
		Templates: []proactive.Template{{Channel: *channel, Locale: *locale, Subject: *subject, Body: string(body)}}}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.WriteTx(ctx, func(tx *store.Tx) error { return proactive.SaveCampaign(ctx, tx, r, "cli", a.now()) }); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "campaign %s saved: preview it with quietdesk proactive campaign preview %s\n", name, name)
	return nil
}

func runCampaignPreview(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(campaignActions["preview"], "Shows who the campaign would reach if sent now. It sends nothing.")
	format := fs.String("format", "table", "table or json")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos)
	if err != nil {
		return err
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
	p, err := proactive.PreviewCampaign(ctx, db, r, a.now())
	if err != nil {
		return err
	}
	if *format == "json" {
		return printJSON(a, p)
	}
	w := a.stdout
	fmt.Fprintf(w, "Campaign %s\n", p.Campaign)
	fmt.Fprintf(w, "  orders in the cohort   %d (%d customers)\n", p.Orders, p.Customers)
	fmt.Fprintf(w, "  held out               %d\n", p.HeldOut)
	fmt.Fprintf(w, "  no reachable address   %d\n", p.NoAddress)
	fmt.Fprintf(w, "  opted out              %d\n", p.OptedOut)
	fmt.Fprintf(w, "  already decided        %d\n", p.Already)
	fmt.Fprintf(w, "  would be notified      %d\n", p.Reachable)
	if len(p.Sample) > 0 {
		fmt.Fprintf(w, "\nA sample of %d:\n", len(p.Sample))
		for _, s := range p.Sample {
			fmt.Fprintf(w, "  %-14s %-9s %s\n", s.Order, s.Channel, s.Address)
		}
	}
	return nil
}

func runCampaignSend(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(campaignActions["send"], "Decides the campaign for every order of its cohort: held out, or due now. quietdesk serve (or proactive run) sends them within quiet hours and the daily cap.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneName(fs, pos)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := proactive.SendCampaign(ctx, db, name, "cli", a.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "campaign %s: %d orders, %d scheduled, %d held out, %d already decided\n", name, c.Orders, c.Scheduled, c.HeldOut, c.Already)
	return nil
}

func runCampaignList(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(campaignActions["list"], "Lists the campaigns, their cohorts and what sending them decided.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := proactive.ListCampaigns(ctx, db)
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "NAME\tCOHORT\tHOLDOUT\tSENT\tSCHEDULED\tHELD OUT", func(c proactive.CampaignSummary) string {
		sent := "not sent"
		if c.SentAt != nil {
			sent = c.SentAt.Format("2006-01-02 15:04") + " by " + c.SentBy
		}
		return fmt.Sprintf("%s\t%s\t%d%%\t%s\t%d\t%d", c.Name, proactive.CohortText(c.Scope), c.HoldoutPct, sent, c.Scheduled, c.HeldOut)
	})
}
