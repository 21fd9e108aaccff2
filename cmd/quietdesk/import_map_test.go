package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --map reads a file whose columns were renamed: refused without it,
// imported with it, unchanged the second time; a malformed --map is
// refused before anything is read.
func TestImportMapRenamesColumns(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		file := filepath.Join(t.TempDir(), "renamed.csv")
		if err := os.WriteFile(file, []byte("Order #,Ordered on,Revenue\nA-1,2026-11-02 10:00:00,35.50\nA-2,2026-11-03 11:00:00,12\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if r := run(t, "import", "orders", file, "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "missing required column(s) order_id, placed_at, item_revenue") {
			t.Fatalf("without --map: exit %d\n%s", r.code, r.stderr)
		}
		maps := []string{"--map", "Order #=order_id", "--map", "Ordered on=placed_at", "--map", "Revenue=item_revenue"}
		r := mustRun(t, append([]string{"import", "orders", file, "--db", dsn}, maps...)...)
		if !strings.Contains(r.stdout, "2 rows read, 2 created, 0 updated, 0 unchanged, 0 rejected") {
			t.Errorf("with --map: %s", r.stdout)
		}
		if got := count(t, dsn, `SELECT COUNT(*) FROM orders WHERE external_id IN ('A-1', 'A-2') AND item_revenue IN (3550, 1200)`); got != 2 {
			t.Errorf("%d orders stored as mapped", got)
		}
		r = mustRun(t, append([]string{"import", "orders", file, "--db", dsn}, maps...)...)
		if !strings.Contains(r.stdout, "2 rows read, 0 created, 0 updated, 2 unchanged, 0 rejected") {
			t.Errorf("again: %s", r.stdout)
		}
		if r := run(t, "import", "orders", file, "--db", dsn, "--map", "Order #"); r.code == 0 || !strings.Contains(r.stderr, "--map") {
			t.Errorf("a malformed --map: exit %d\n%s", r.code, r.stderr)
		}
	})
}
