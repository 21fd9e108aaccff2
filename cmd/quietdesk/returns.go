package main

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/selfserve"
	"quietdesk/internal/settings"
)

// The return policy's settings and commands (docs/order-help.md): the
// policy customers' return and cancel requests are checked against, and
// the requests they made.
func init() {
	for _, s := range selfserve.Settings {
		settings.Register(settings.Def{Key: s.Key, Help: s.Help, Check: s.Check})
	}
	settings.Register(settings.Def{Key: selfserve.SettingSecret, Secret: true, Help: "signs order links and help-centre cookies (made on first use; changing it ends every link given out)", Check: func(v string) error {
		if len(v) < 32 {
			return fmt.Errorf("is %d characters; use at least 32 random ones", len(v))
		}
		return nil
	}})
	register(&command{name: "returns", summary: "the return policy and customers' return and cancel requests", usage: "policy|requests …", run: runReturns})
	returnsActions = map[string]*command{
		"policy":   {name: "returns policy", usage: "[--set KEY=VALUE …] [--db DSN]", run: runReturnsPolicy},
		"requests": {name: "returns requests", usage: "[--status S] [--limit N] [--json] [--db DSN]", run: runReturnsRequests},
	}
}

var returnsActions map[string]*command

const returnsHelp = `Customers ask for returns and cancellations in the help centre
(/help/orders); each is checked against the return policy.

  quietdesk returns policy                          shows the policy
  quietdesk returns policy --set returns.window_days=14 --set returns.shipping_paid_by=brand
                                                    changes it (all or nothing)
  quietdesk returns requests [--status refused]     lists the requests, newest first

docs/order-help.md explains the policy and the requests' statuses.`

func runReturns(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "returns", returnsActions, returnsHelp, args)
}

// keyValues collects repeated --set KEY=VALUE flags.
type keyValues map[string]string

func (kv keyValues) String() string { return "" }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	kv[strings.TrimSpace(k)] = v
	return nil
}

func runReturnsPolicy(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(returnsActions["policy"], `Shows the return policy, or changes settings of it with --set (VALUE ""
returns a setting to its default). Every value is checked first: one bad
value changes nothing. Settings:
`+policyKeysHelp())
	set := keyValues{}
	fs.Var(set, "set", "`KEY=VALUE` to change; repeat for several")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(set) > 0 {
		if err := selfserve.SavePolicy(ctx, db, set); err != nil {
			return err
		}
	}
	p, err := selfserve.LoadPolicy(ctx, db)
	if err != nil {
		return err
	}
	excluded := strings.Join(p.Excluded, ", ")
	if excluded == "" {
		excluded = "(none)"
	}
	fmt.Fprintf(a.stdout, "%s=%d\n%s=%s\n%s=%s\n%s=%s\n%s=%t\n",
		selfserve.SettingWindowDays, p.WindowDays, selfserve.SettingCondition, p.Condition, selfserve.SettingExcluded, excluded,
		selfserve.SettingShippingPaidBy, p.ShippingPaidBy, selfserve.SettingCancelAllowed, p.CancelAllowed)
	return nil
}

func policyKeysHelp() string {
	var b strings.Builder
	for _, s := range selfserve.Settings {
		fmt.Fprintf(&b, "  %-32s %s\n", s.Key, s.Help)
	}
	return b.String()
}

func runReturnsRequests(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(returnsActions["requests"], `Lists customers' return and cancel requests, newest first: requested (the
policy allowed it), confirmed (the shop has since recorded the return or the
cancellation), refused (with the reason the customer read) and escalated (the
conversation it became).`)
	status := fs.String("status", "", "only requests with this status: "+strings.Join(selfserve.RequestStatuses, ", "))
	limit := fs.Int("limit", 100, "at most this many")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNone(fs, args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := selfserve.Requests(ctx, db, selfserve.ListOptions{Status: *status, Limit: *limit})
	if err != nil {
		return err
	}
	return printList(a, *asJSON, list, "ID\tORDER\tKIND\tSTATUS\tASKED\tITEMS\tWHY\tCONVERSATION", func(r selfserve.Request) string {
		var items []string
		for _, l := range r.Lines {
			items = append(items, fmt.Sprintf("%d×%s", l.Quantity, l.SKU))
		}
		conv := ""
		if r.ConversationID != 0 {
			conv = fmt.Sprint(r.ConversationID)
		}
		return fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s", r.ID, r.Order, r.Kind, r.Status, r.CreatedAt.Format("2006-01-02 15:04"),
			strings.Join(items, " "), r.Refusal, conv)
	})
}
