package main

import "context"

// The proactive notices' commands (docs/proactive.md). Each action is
// added to proactiveActions by the init of its own file.
func init() {
	register(&command{name: "proactive", summary: "proactive notices: rules, campaigns, what is due, and their holdout reports", usage: "rules|report|campaign|run|opt-out …", run: runProactive})
}

var proactiveActions = map[string]*command{}

const proactiveHelp = `Notices sent before the customer asks, measured against a holdout of orders
that got none (docs/proactive.md).

  quietdesk proactive rules                       lists the rules; --help shows how to edit them
  quietdesk proactive report --rule NAME --from DATE --to DATE --format json
                                                  notified against held-out orders: contacts per order, where-is-my-order rate, the difference with its 95% interval
  quietdesk proactive campaign                    a one-off notice to a cohort: preview, then send
  quietdesk proactive run [--dry-run]             decides and sends what is due now (serve does it every minute)
  quietdesk proactive opt-out ADDRESS [--lift]    stops (or resumes) notices to an email address or phone number

quietdesk proactive ACTION --help explains each.`

func runProactive(ctx context.Context, a *app, args []string) error {
	return a.dispatch(ctx, "proactive", proactiveActions, proactiveHelp, args)
}
