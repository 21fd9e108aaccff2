package main

import (
	"context"
	"fmt"
	"strings"

	"quietdesk/internal/commerce"
	"quietdesk/internal/store"
	"quietdesk/internal/twilio"
)

func init() {
	proactiveActions["opt-out"] = &command{name: "proactive opt-out", usage: "ADDRESS [--reason TEXT] [--lift] [--db DSN]", run: runProactiveOptOut}
}

func runProactiveOptOut(ctx context.Context, a *app, args []string) error {
	fs, dsn := a.flags(proactiveActions["opt-out"], `Stops proactive notices to an address: an email address, or a phone number
as Twilio writes it (+15551234567, whatsapp:+15551234567). SMS and WhatsApp
opt-outs also arrive by themselves when a customer texts STOP; an email
opt-out is recorded here when a customer asks by mail. --lift removes it.
Agents' replies are not stopped by an email opt-out.`)
	reason := fs.String("reason", "asked not to be sent notices", "why, kept with the opt-out")
	lift := fs.Bool("lift", false, "remove the opt-out instead")
	addr, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	addr = strings.TrimSpace(addr)
	if strings.Contains(addr, "@") {
		if addr = commerce.NormalizeEmail(addr); addr == "" {
			return fmt.Errorf("%q is not an email address or a phone number like +15551234567", args[0])
		}
	} else if !strings.HasPrefix(strings.TrimPrefix(addr, "whatsapp:"), "+") {
		return fmt.Errorf("%q is not an email address or a phone number in international form like +15551234567", addr)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		if *lift {
			return twilio.LiftOptOut(ctx, tx, addr)
		}
		return twilio.RecordOptOut(ctx, tx, addr, *reason, a.now())
	})
	if err != nil {
		return err
	}
	if *lift {
		fmt.Fprintf(a.stdout, "%s gets proactive notices again\n", addr)
	} else {
		fmt.Fprintf(a.stdout, "%s gets no more proactive notices\n", addr)
	}
	return nil
}
