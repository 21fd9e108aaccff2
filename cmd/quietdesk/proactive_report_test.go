package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/store"
)

// notifiedStore stores orders O1–O8 and their contacts after early
// October: O4's where-is-my-order contact, one each on O5 and O6 and two
// on O7 (all where-is-my-order), and one on O8.
func notifiedStore(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.WriteTx(ctx, func(tx *store.Tx) error {
		var cid int64
		if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Ann', 0) RETURNING id`).Scan(&cid); err != nil {
			return err
		}
		placed := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC).Unix()
		for i, n := range []int{0, 0, 0, 1, 1, 1, 2, 1} {
			var oid int64
			ext := "O" + string(rune('1'+i))
			if err := tx.QueryRow(ctx, `INSERT INTO orders (external_id, customer_id, placed_at) VALUES (?, ?, ?) RETURNING id`, ext, cid, placed).Scan(&oid); err != nil {
				return err
			}
			for k := range n {
				at := time.Date(2026, 10, 6+k, 9, 0, 0, 0, time.UTC).Unix()
				if _, err := tx.Exec(ctx, `INSERT INTO contacts (customer_id, order_id, channel, started_at, last_message_at, topic) VALUES (?, ?, 'email', ?, ?, 'where_is_my_order')`, cid, oid, at, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

const noticesCSV = `order_id,rule,decided_at,held_out,sent_at,channel
O1,late_shipment,2026-10-05T10:00:00Z,false,2026-10-05T11:00:00Z,email
O2,late_shipment,2026-10-05T10:00:00Z,0,2026-10-05T11:00:00Z,SMS
O3,late_shipment,2026-10-05T10:00:00Z,FALSE,2026-10-05 11:00:00,
O4,late_shipment,2026-10-05T10:00:00Z,false,2026-10-05T11:00:00Z,whatsapp
O5,late_shipment,2026-10-05T10:00:00Z,true,,
O6,late_shipment,2026-10-05T10:00:00Z,1,,
O7,late_shipment,2026-10-05T10:00:00Z,True,,
O8,late_shipment,2026-10-05T10:00:00Z,false,,
`

// Notices sent by another tool are imported as decisions with source
// import, once however often the file comes; a bad file stores nothing
// and names each bad row, field and reason; and the report measures the
// imported decisions: notified O1–O4 (contacts 0,0,0,1) against held-out
// O5–O7 (1,1,2). By hand: cpo 0.25 against 1.333333, variances 0.25 and
// 1/3, Welch error √(0.25/4 + (1/3)/3) = 0.416667, difference −1.083333 ±
// 0.816667 = [−1.9, −0.266667], clipped to [−1.333333, −0.266667]: known,
// 1.083333 × 4 = 4.333333 contacts saved. O8 (not held out, not sent) is
// in neither group.
func TestImportNoticesAndReport(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		notifiedStore(t, dsn)
		dir := t.TempDir()
		file := filepath.Join(dir, "notices.csv")
		if err := os.WriteFile(file, []byte(noticesCSV), 0o600); err != nil {
			t.Fatal(err)
		}
		r := mustRun(t, "import", "notices", file, "--db", dsn)
		if !strings.Contains(r.stdout, "8 rows read, 8 created, 0 updated, 0 unchanged, 0 rejected") {
			t.Errorf("first import: %s", r.stdout)
		}
		r = mustRun(t, "import", "notices", file, "--db", dsn)
		if !strings.Contains(r.stdout, "8 rows read, 0 created, 0 updated, 8 unchanged, 0 rejected") {
			t.Errorf("second import: %s", r.stdout)
		}
		want := map[string]int{
			`SELECT COUNT(*) FROM proactive_decisions WHERE source = 'import'`:                                                     8,
			`SELECT COUNT(*) FROM proactive_decisions WHERE status = 'sent' AND NOT held_out AND sent_at IS NOT NULL`:              4,
			`SELECT COUNT(*) FROM proactive_decisions WHERE status = 'held_out' AND held_out AND sent_at IS NULL AND channel = ''`: 3,
			`SELECT COUNT(*) FROM proactive_decisions WHERE status = 'skipped' AND NOT held_out AND reason <> ''`:                  1,
			`SELECT COUNT(*) FROM proactive_decisions WHERE channel = 'sms'`:                                                       1,
			`SELECT COUNT(*) FROM proactive_decisions WHERE channel = ''`:                                                          5,
		}
		for q, n := range want {
			if got := count(t, dsn, q); got != n {
				t.Errorf("%s: %d, want %d", q, got, n)
			}
		}

		// A changed file updates the imported decision it changes.
		changed := strings.Replace(noticesCSV, "O8,late_shipment,2026-10-05T10:00:00Z,false,,", "O8,late_shipment,2026-10-05T10:00:00Z,false,2026-10-05T12:00:00Z,email", 1)
		if err := os.WriteFile(file, []byte(changed), 0o600); err != nil {
			t.Fatal(err)
		}
		r = mustRun(t, "import", "notices", file, "--db", dsn)
		if !strings.Contains(r.stdout, "0 created, 1 updated, 7 unchanged") {
			t.Errorf("changed import: %s", r.stdout)
		}
		if err := os.WriteFile(file, []byte(noticesCSV), 0o600); err != nil {
			t.Fatal(err)
		}
		mustRun(t, "import", "notices", file, "--db", dsn)

		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte(`order_id,rule,decided_at,held_out,sent_at,channel
O1,other_rule,2026-10-05T10:00:00Z,false,,
O2,other_rule,2026-10-05T10:00:00Z,maybe,,
O3,other_rule,2026-10-05T10:00:00Z,true,2026-10-05T11:00:00Z,
O4,other_rule,2026-10-05T10:00:00Z,false,2026-10-04T11:00:00Z,fax
#999,other_rule,2026-10-05T10:00:00Z,false,,
O1,other_rule,2026-10-06T10:00:00Z,false,,
`), 0o600)
		r = run(t, "import", "notices", bad, "--db", dsn)
		if r.code == 0 {
			t.Fatalf("a bad file was imported: %s", r.stdout)
		}
		for _, s := range []string{
			"bad.csv:3 column held_out: \"maybe\" is not true, false, 1 or 0",
			"bad.csv:4 column sent_at: a held-out order gets no notice",
			"bad.csv:5 column channel: \"fax\" is not a channel of notices",
			"bad.csv:5 column sent_at: 2026-10-04T11:00:00Z is before decided_at",
			"bad.csv:6 column order_id: order \"#999\" is not a known order: import the orders first",
			"bad.csv:7: duplicate row: line 2",
			"5 of 6 rows rejected, nothing imported",
		} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("bad file: %q missing from\n%s", s, r.stderr)
			}
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM proactive_decisions`); n != 8 {
			t.Errorf("%d decisions after a refused file, want 8", n)
		}

		r = mustRun(t, "proactive", "report", "--rule", "late_shipment", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json", "--db", dsn)
		var rep struct {
			Rule       string
			Eligible   int
			Pending    int
			Notified   map[string]float64
			HeldOut    map[string]float64 `json:"held_out"`
			Difference struct {
				CPO  float64
				CI95 [2]float64
			}
			Saved map[string]float64
			Known bool
			Weeks []struct{ Week string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		if rep.Rule != "late_shipment" || rep.Eligible != 8 || rep.Pending != 0 || !rep.Known ||
			rep.Notified["orders"] != 4 || rep.Notified["contacts"] != 1 || rep.Notified["cpo"] != 0.25 || rep.Notified["wismo_rate"] != 0.25 ||
			rep.HeldOut["orders"] != 3 || rep.HeldOut["contacts"] != 4 || rep.HeldOut["cpo"] != 1.333333 || rep.HeldOut["wismo_rate"] != 1 ||
			rep.Difference.CPO != -1.083333 || rep.Difference.CI95 != [2]float64{-1.333333, -0.266667} ||
			rep.Saved["contacts"] != 4.333333 || rep.Saved["support_cost"] != 0 || len(rep.Weeks) != 1 || rep.Weeks[0].Week != "2026-W41" {
			t.Errorf("report:\n%s", r.stdout)
		}
		table := mustRun(t, "proactive", "report", "--rule", "late_shipment", "--from", "2026-10-01", "--to", "2026-10-31", "--db", dsn).stdout
		for _, s := range []string{"Rule late_shipment, decisions 2026-10-01 to 2026-10-31: 8 eligible, 0 pending", "notified", "0.250", "1.333", "-1.083 (95%: -1.333 to -0.267)", "Effect: known. Saved 4.3 contacts"} {
			if !strings.Contains(table, s) {
				t.Errorf("table lacks %q:\n%s", s, table)
			}
		}
		if r := run(t, "proactive", "report", "--from", "2026-10-01", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "--rule is required") {
			t.Errorf("no --rule: %d %s", r.code, r.stderr)
		}
		if r := run(t, "proactive", "report", "--rule", "nope", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, `no rule and no decision is named "nope"`) {
			t.Errorf("unknown rule: %d %s", r.code, r.stderr)
		}
	})
}
