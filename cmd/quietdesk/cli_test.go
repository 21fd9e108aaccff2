package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Most tests run the program in-process, as main would but with the test
// clock (package clocktest), so they can fix "today". The few that need a
// process of their own (signals, kill -9) run the real binary with
// $QUIETDESK_NOW set to the same moment.
var binary string

func TestMain(m *testing.M) {
	os.Unsetenv("QUIETDESK_DB") // tests name their databases
	dir, err := os.MkdirTemp("", "quietdesk-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "quietdesk")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build failed:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binaryCommand is the real binary with args, run as of the test clock.
func binaryCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "QUIETDESK_DB=", clock.EnvNow+"="+clocktest.Default.Format(time.RFC3339))
	return cmd
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	return runWithStdin(t, "", args...)
}

// runWithStdin runs a command line with stdin, as of the test clock.
func runWithStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runAt(t, clocktest.Clock(), stdin, args...)
}

// runAt runs a command line in-process with now as the program's clock.
func runAt(t *testing.T, now clock.Clock, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin), now: now}
	code := a.main(t.Context(), args)
	return result{out.String(), errb.String(), code}
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	return mustRunAt(t, clocktest.Clock(), args...)
}

// mustRunAt runs a command line as of now and fails the test unless it
// succeeds.
func mustRunAt(t *testing.T, now clock.Clock, args ...string) result {
	t.Helper()
	r := runAt(t, now, "", args...)
	if r.code != 0 {
		t.Fatalf("quietdesk %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

const generic = "../../testdata/generic/"

func count(t *testing.T, dsn, query string) int {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// eachDB runs fn with a fresh database DSN of each dialect.
func eachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, storetest.DSN(t, d)) })
	}
}

func TestImportEveryGenericKind(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		kinds := []struct {
			kind string
			n    int
		}{{"orders", 5}, {"order_lines", 4}, {"fulfillment_events", 5}, {"returns", 2}, {"contacts", 4}, {"self_service", 3}, {"costs", 5}, {"actions", 3}}
		for _, k := range kinds {
			// Flags after the positional arguments, as people type them.
			r := mustRun(t, "import", k.kind, generic+k.kind+".csv", "--db", dsn)
			want := fmt.Sprintf("%d rows read, %d created, 0 updated, 0 unchanged, 0 rejected", k.n, k.n)
			if !strings.Contains(r.stdout, want) {
				t.Errorf("import %s: %q does not say %q", k.kind, r.stdout, want)
			}
		}
		for _, k := range kinds {
			r := mustRun(t, "import", "--db", dsn, k.kind, generic+k.kind+".csv")
			want := fmt.Sprintf("%d rows read, 0 created, 0 updated, %d unchanged, 0 rejected", k.n, k.n)
			if !strings.Contains(r.stdout, want) {
				t.Errorf("re-import %s: %q does not say %q", k.kind, r.stdout, want)
			}
		}
		checks := map[string]int{
			// The import brought the rollups up to date itself.
			`SELECT COUNT(*) FROM metric_dirty`:                              0,
			`SELECT COUNT(*) FROM orders`:                                    5,
			`SELECT COUNT(*) FROM customers WHERE merged_into IS NULL`:       4,
			`SELECT item_revenue FROM orders WHERE external_id = '5001'`:     12000,
			`SELECT shipping_charged FROM orders WHERE external_id = '5001'`: 490,
			`SELECT COUNT(*) FROM order_lines`:                               4,
			`SELECT refund_amount FROM returns WHERE external_id = 'R-1'`:    11000,
			`SELECT COUNT(*) FROM contacts WHERE source = 'imported'`:        4,
			`SELECT COUNT(*) FROM contacts c JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'C-1' AND o.external_id = '5001' AND c.attribution = 'text'`:     1,
			`SELECT COUNT(*) FROM contacts c JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'C-2' AND o.external_id = '5002' AND c.attribution = 'explicit'`: 1,
			`SELECT COUNT(*) FROM contacts c JOIN orders o ON o.id = c.order_id WHERE c.external_id = 'C-3' AND o.external_id = '5003' AND c.attribution = 'recent'`:   1,
			`SELECT COUNT(*) FROM contacts WHERE is_repeat`:                         1, // C-3: ana wrote 3 days earlier
			`SELECT COUNT(*) FROM self_service_sessions WHERE outcome = 'resolved'`: 2,
			`SELECT amount FROM cost_entries WHERE kind = 'fixed'`:                  120000,
			`SELECT COUNT(*) FROM teams`:                                            2,
			`SELECT COUNT(*) FROM actions WHERE completed_at IS NOT NULL`:           2,
		}
		for q, want := range checks {
			if got := count(t, dsn, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
	})
}

func TestBadRowsAreNamedAndNothingIsStored(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		mustRun(t, "import", "orders", generic+"orders.csv", "--db", dsn)
		cases := []struct {
			kind, file string
			stored     string
			want       []string
		}{
			{"orders", "orders_bad.csv", `SELECT COUNT(*) FROM orders`, []string{
				"orders_bad.csv:3 column placed_at: \"2026-02-30 10:00:00\" is not a time",
				"orders_bad.csv:3 column item_revenue: must not be negative (got -20.00)", // every fault of a row at once
				"orders_bad.csv:4 column status: \"shipped\" is not one of placed, fulfilled, cancelled, test",
				"orders_bad.csv:5 column item_revenue: must not be negative",
				"orders_bad.csv:6 column order_id: duplicate id \"6001\": line 2 has it too",
				"4 of 6 rows rejected, nothing imported",
			}},
			{"contacts", "contacts_bad.csv", `SELECT COUNT(*) FROM contacts`, []string{
				"contacts_bad.csv:3 column channel: \"fax\" is not one of email, chat, voice, sms, social, other",
				"contacts_bad.csv:4 column started_at: \"not a date\" is not a time",
				"contacts_bad.csv:5 column handle_seconds: must not be negative",
			}},
			{"order_lines", "order_lines_bad.csv", `SELECT COUNT(*) FROM order_lines`, []string{
				"order_lines_bad.csv:3 column quantity: must be positive (got -1)",
				"order_lines_bad.csv:4 column order_id: order \"9999\" is not a known order",
			}},
			{"costs", "costs_bad.csv", `SELECT COUNT(*) FROM cost_entries`, []string{
				"costs_bad.csv:3 column end_date: is required for a fixed cost",
				"costs_bad.csv:4: duplicate row: line 2 describes the same cost",
				"costs_bad.csv:5 column channel: \"fax\" is not one of",
			}},
			{"returns", "returns_bad.csv", `SELECT COUNT(*) FROM returns`, []string{
				"returns_bad.csv:3 column order_id: order \"77777\" is not a known order: import the orders first",
			}},
			{"orders", "orders_missing_column.csv", `SELECT COUNT(*) FROM orders`, []string{
				"line 1: missing required column(s) placed_at for orders",
			}},
		}
		for _, c := range cases {
			before := count(t, dsn, c.stored)
			r := run(t, "import", c.kind, generic+c.file, "--db", dsn)
			if r.code != 1 {
				t.Errorf("%s: exit %d, want 1", c.file, r.code)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("%s: stderr does not say %q:\n%s", c.file, w, r.stderr)
				}
			}
			if after := count(t, dsn, c.stored); after != before {
				t.Errorf("%s: a refused file changed the store: %d -> %d rows", c.file, before, after)
			}
		}

		// --skip-bad imports the good rows and writes the bad ones with
		// their reasons.
		rejects := filepath.Join(t.TempDir(), "rejects.csv")
		r := mustRun(t, "import", "orders", generic+"orders_bad.csv", "--skip-bad", rejects, "--db", dsn)
		if !strings.Contains(r.stdout, "6 rows read, 2 created, 0 updated, 0 unchanged, 4 rejected") {
			t.Errorf("skip-bad summary: %s", r.stdout)
		}
		f, err := os.Open(rejects)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 || rows[0][0] != "line" || rows[0][len(rows[0])-1] != "reject_reason" {
			t.Fatalf("reject file: %v", rows)
		}
		if rows[1][0] != "3" || !strings.Contains(rows[1][len(rows[1])-1], "placed_at") {
			t.Errorf("first rejected row: %v", rows[1])
		}
		if got := count(t, dsn, `SELECT COUNT(*) FROM orders WHERE external_id IN ('6001', '6005')`); got != 2 {
			t.Errorf("good rows stored: %d, want 2", got)
		}
	})
}

func TestEveryCommandHasHelp(t *testing.T) {
	r := run(t, "--help")
	if r.code != 0 {
		t.Fatalf("--help exit %d", r.code)
	}
	if r.stderr != "" {
		t.Errorf("--help wrote to stderr: %q", r.stderr)
	}
	var names []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "  ") {
			names = append(names, strings.Fields(line)[0])
		}
	}
	if len(names) < 4 {
		t.Fatalf("usage lists %v", names)
	}
	for _, n := range names {
		r := run(t, n, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: quietdesk "+n) || r.stderr != "" {
			t.Errorf("%s --help: exit %d\nstdout: %s\nstderr: %s", n, r.code, r.stdout, r.stderr)
		}
	}
	if r := run(t, "nonsense"); r.code != 2 || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: %+v", r)
	}
}

func TestBackupAndSettings(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	mustRun(t, "import", "orders", generic+"orders.csv", "--db", dsn)
	if r := run(t, "settings", "set", "timezone", "Mars/Olympus", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "IANA name") {
		t.Errorf("bad time zone accepted: %+v", r)
	}
	mustRun(t, "settings", "set", "timezone", "Europe/Paris", "--db", dsn)
	if r := mustRun(t, "settings", "get", "timezone", "--db", dsn); strings.TrimSpace(r.stdout) != "Europe/Paris" {
		t.Errorf("timezone = %q", r.stdout)
	}
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	mustRun(t, "backup", copyPath, "--db", dsn)
	if n := count(t, copyPath, `SELECT COUNT(*) FROM orders`); n != 5 {
		t.Errorf("backup has %d orders", n)
	}
}

// A killed import leaves every committed batch whole and nothing of the
// batch in flight; running it again finishes the job.
func TestKilledImportConverges(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "q.db")
	path := filepath.Join(dir, "orders.csv")
	const rows, batch = 60000, 1000
	var b strings.Builder
	b.WriteString("order_id,customer_email,placed_at,item_revenue\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "K%d,c%d@example.com,2026-03-%02d 10:00:00,%d.50\n", i, i%5000, 1+i%28, 10+i%90)
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	mustRun(t, "migrate", "--db", dsn)

	cmd := binaryCommand("import", "orders", path, "--db", dsn, "--batch", fmt.Sprint(batch))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for count(t, dsn, `SELECT COUNT(*) FROM orders`) < 3*batch && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	n := count(t, dsn, `SELECT COUNT(*) FROM orders`)
	if n == rows {
		t.Skip("the import finished before it could be killed")
	}
	if n%batch != 0 {
		t.Fatalf("after the kill %d orders are stored: not a whole number of %d-row batches", n, batch)
	}
	r := mustRun(t, "import", "orders", path, "--db", dsn)
	want := fmt.Sprintf("%d rows read, %d created, 0 updated, %d unchanged", rows, rows-n, n)
	if !strings.Contains(r.stdout, want) {
		t.Fatalf("re-run: %s (want %s)", r.stdout, want)
	}
	if got := count(t, dsn, `SELECT COUNT(*) FROM orders`); got != rows {
		t.Fatalf("after re-run %d orders, want %d", got, rows)
	}
}

func TestMetricsCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		for _, k := range []string{"orders", "contacts", "costs"} {
			mustRun(t, "import", k, generic+k+".csv", "--db", dsn)
		}
		// Week 2026-W10: orders 5001, 5002, 5003 count (5004 was cancelled
		// before fulfilment, 5005 is a test); contacts C-1, C-2, C-3.
		r := mustRun(t, "metrics", "--metric", "cpo", "--from", "2026-03-02", "--to", "2026-03-08", "--format", "json", "--db", dsn)
		want := `"period": "2026-W10",
      "start": "2026-03-02",
      "value": 1,
      "numerator": 3,
      "denominator": 3`
		if !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, `"group"`) {
			t.Errorf("cpo json:\n%s", r.stdout)
		}
		r = mustRun(t, "metrics", "--metric", "contacts", "--by", "channel", "--from", "2026-03-02", "--to", "2026-03-08", "--format", "csv", "--db", dsn)
		if !strings.Contains(r.stdout, "period,start,channel,contacts,numerator,denominator,volume_surge,partial\n2026-W10,2026-03-02,chat,1,1,1,false,false\n") {
			t.Errorf("contacts by channel csv:\n%s", r.stdout)
		}
		// The rollups and the raw rows agree, and a rebuild changes nothing.
		raw := mustRun(t, "metrics", "--metric", "support_cost", "--by", "channel", "--from", "2026-03-02", "--to", "2026-03-22", "--raw", "--format", "csv", "--db", dsn)
		mustRun(t, "metrics", "rebuild", "--db", dsn)
		rolled := mustRun(t, "metrics", "--metric", "support_cost", "--by", "channel", "--from", "2026-03-02", "--to", "2026-03-22", "--format", "csv", "--db", dsn)
		if raw.stdout != rolled.stdout || !strings.Contains(raw.stdout, "2026-W10") {
			t.Errorf("raw:\n%s\nrolled up:\n%s", raw.stdout, rolled.stdout)
		}
		if r := run(t, "metrics", "--metric", "orders", "--by", "channel", "--from", "2026-03-02", "--to", "2026-03-08", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "by: orders cannot be cut by channel") {
			t.Errorf("an order metric cut by a contact dimension: %+v", r)
		}
	})
}
