package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A campaign from the command line: created, previewed, sent once, listed.
func TestProactiveCampaignCommands(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		mustRun(t, "import", "orders", generic+"orders.csv", "--db", dsn)
		body := filepath.Join(t.TempDir(), "notice.txt")
		if err := os.WriteFile(body, []byte("Colissimo is running late with order {{.OrderName}}."), 0o600); err != nil {
			t.Fatal(err)
		}
		r := run(t, "proactive", "campaign", "create", "everyone", "--body-file", body, "--db", dsn)
		if r.code != 1 || !strings.Contains(r.stderr, "scope: is empty") {
			t.Errorf("a campaign with no cohort: exit %d, %s", r.code, r.stderr)
		}
		mustRun(t, "proactive", "campaign", "create", "colissimo-late", "--carrier", "Colissimo", "--holdout", "0", "--subject", "About your order", "--body-file", body, "--db", dsn)
		out := mustRun(t, "proactive", "campaign", "preview", "colissimo-late", "--format", "json", "--db", dsn).stdout
		var p struct {
			Orders, HeldOut, Customers, Reachable int
			Sample                                []struct{ Order, Address, Channel string }
		}
		if err := json.Unmarshal([]byte(strings.ReplaceAll(out, "held_out", "heldout")), &p); err != nil {
			t.Fatal(err)
		}
		if p.Orders != 2 || p.HeldOut != 0 || p.Customers != 1 || p.Reachable != 2 || len(p.Sample) != 2 ||
			p.Sample[0].Order != "5001" || p.Sample[0].Address != "a***@example.com" || p.Sample[0].Channel != "email" {
			t.Errorf("preview %s", out)
		}
		if got := mustRun(t, "proactive", "campaign", "send", "colissimo-late", "--db", dsn).stdout; got != "campaign colissimo-late: 2 orders, 2 scheduled, 0 held out, 0 already decided\n" {
			t.Errorf("send: %q", got)
		}
		if got := mustRun(t, "proactive", "campaign", "send", "colissimo-late", "--db", dsn).stdout; got != "campaign colissimo-late: 2 orders, 0 scheduled, 0 held out, 2 already decided\n" {
			t.Errorf("send again: %q", got)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions WHERE rule = 'colissimo-late' AND status = 'scheduled'`); n != 2 {
			t.Errorf("%d decisions scheduled, want 2", n)
		}
		list := mustRun(t, "proactive", "campaign", "list", "--db", dsn).stdout
		if !strings.Contains(list, "colissimo-late") || !strings.Contains(list, "carrier=Colissimo") || !strings.Contains(list, "by cli") {
			t.Errorf("list:\n%s", list)
		}
		r = run(t, "proactive", "campaign", "send", "nope", "--db", dsn)
		if r.code != 1 || !strings.Contains(r.stderr, `no campaign "nope"`) {
			t.Errorf("sending no campaign: exit %d, %s", r.code, r.stderr)
		}
	})
}
