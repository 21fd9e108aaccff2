package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"quietdesk/internal/selfserve"
	"quietdesk/internal/store"
)

// The rules from the command line: defaults added once, a switch recorded,
// a broken text refused with its line and nothing stored, a preview for a
// stored order.
func TestProactiveRulesCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		if r := mustRun(t, "proactive", "rules", "--db", dsn); !strings.Contains(r.stdout, "No rules yet") {
			t.Errorf("empty list: %q", r.stdout)
		}
		if r := mustRun(t, "proactive", "rules", "init", "--db", dsn); !strings.Contains(r.stdout, "added late_shipment, carrier_exception, backorder, partial_shipment, delivered_check") {
			t.Errorf("init: %q", r.stdout)
		}
		if r := mustRun(t, "proactive", "rules", "init", "--db", dsn); !strings.Contains(r.stdout, "nothing changed") {
			t.Errorf("init again: %q", r.stdout)
		}
		mustRun(t, "proactive", "rules", "set", "late_shipment", "--holdout", "20", "--dry-run=true", "--carrier", "ParcelNow", "--country", "fr", "--db", dsn)
		mustRun(t, "proactive", "rules", "set", "late_shipment", "--holdout", "20", "--dry-run=true", "--carrier", "ParcelNow", "--country", "fr", "--db", dsn)
		mustRun(t, "proactive", "rules", "enable", "late_shipment", "--by", "ann@example.com", "--db", dsn)
		if r := mustRun(t, "proactive", "rules", "enable", "late_shipment", "--db", dsn); !strings.Contains(r.stdout, "already on") {
			t.Errorf("enable twice: %q", r.stdout)
		}
		mustRun(t, "proactive", "rules", "disable", "late_shipment", "--db", dsn)
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_rule_changes c JOIN proactive_rules r ON r.id = c.rule_id WHERE r.name = 'late_shipment' AND ((c.change = 'enabled' AND c.by_whom = 'ann@example.com') OR (c.change = 'disabled' AND c.by_whom = 'cli'))`); n != 2 {
			t.Errorf("%d enable/disable changes recorded", n)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_rule_changes`); n != 5+3 {
			t.Errorf("%d changes: 5 created, 1 edited, 1 enabled, 1 disabled", n)
		}
		r := mustRun(t, "proactive", "rules", "--db", dsn)
		if !strings.Contains(r.stdout, "late_shipment") || !strings.Contains(r.stdout, "20%") || !strings.Contains(r.stdout, "carrier=ParcelNow country=FR") || !strings.Contains(r.stdout, "email:en,fr sms:en,fr whatsapp:en,fr chat:en,fr") {
			t.Errorf("list:\n%s", r.stdout)
		}

		// A broken text: exit 1, channel, locale, line and reason; nothing stored.
		file := filepath.Join(t.TempDir(), "body.txt")
		os.WriteFile(file, []byte("Hello\n\n{{.Ordr}}"), 0o600)
		before := count(t, dsn, `SELECT COUNT(*) FROM proactive_rule_changes`)
		r = run(t, "proactive", "rules", "template", "backorder", "--channel", "email", "--locale", "en", "--subject", "S", "--body-file", file, "--db", dsn)
		if r.code != 1 || !strings.Contains(r.stderr, "email/en line 3: can't evaluate field Ordr") {
			t.Errorf("broken text: exit %d %q", r.code, r.stderr)
		}
		if count(t, dsn, `SELECT COUNT(*) FROM proactive_rule_changes`) != before || count(t, dsn, `SELECT COUNT(*) FROM proactive_templates WHERE body LIKE '%Ordr%'`) != 0 {
			t.Error("a refused text changed the database")
		}
		os.WriteFile(file, []byte("Hello {{.FirstName}}, {{.OrderName}}: {{join .Items \", \"}} by {{.PromisedDate}}.\n{{.StatusURL}}"), 0o600)
		mustRun(t, "proactive", "rules", "template", "backorder", "--channel", "email", "--locale", "fr", "--subject", "{{.Brand}} {{.OrderName}}", "--body-file", file, "--db", dsn)

		// The preview of a stored order.
		ctx := context.Background()
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			var cid, oid int64
			if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Léa Martin', 0) RETURNING id`).Scan(&cid); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO customer_identities (kind, value, customer_id) VALUES ('email', 'lea@example.com', ?)`, cid); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO orders (external_id, name, customer_id, placed_at, promised_delivery_at) VALUES ('5001', '#5001', ?, 1795000000, 1795600000) RETURNING id`, cid).Scan(&oid); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO order_lines (order_id, line_key, product, quantity, unit_price) VALUES (?, '1', 'Linen shirt', 2, 4500)`, oid); err != nil {
				return err
			}
			for k, v := range map[string]string{"help.name": "Atelier", store.SiteURLSetting: "https://desk.example", selfserve.SettingSecret: "0123456789abcdef0123456789abcdef"} {
				if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, k, v); err != nil {
					return err
				}
			}
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		r = mustRun(t, "proactive", "rules", "preview", "backorder", "--order", "#5001", "--channel", "email", "--locale", "fr", "--db", dsn)
		if !strings.HasPrefix(r.stdout, "Subject: Atelier #5001\n\nHello Léa, #5001: 2 × Linen shirt by 25 novembre.\nhttps://desk.example/") || !strings.Contains(r.stdout, "?t=") {
			t.Errorf("preview:\n%s", r.stdout)
		}
		if r := run(t, "proactive", "rules", "preview", "backorder", "--order", "#9999", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, `no order "#9999"`) {
			t.Errorf("unknown order: %d %q", r.code, r.stderr)
		}
		r = mustRun(t, "proactive", "rules", "show", "backorder", "--format", "json", "--db", dsn)
		if !strings.Contains(r.stdout, `"holdout_pct": 10`) || !strings.Contains(r.stdout, `"locale": "fr"`) {
			t.Errorf("show json:\n%s", r.stdout)
		}
	})
}
