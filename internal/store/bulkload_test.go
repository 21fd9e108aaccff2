package store_test

import (
	"context"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// schema lists the indexes and triggers of the orders and contacts tables
// with their definitions, and whether each trigger is enabled.
func schema(t *testing.T, db *store.DB) string {
	t.Helper()
	query := `SELECT type || ' ' || name || ' ' || sql FROM sqlite_master WHERE tbl_name IN ('orders', 'contacts') AND sql IS NOT NULL ORDER BY 1`
	if db.Dialect == store.Postgres {
		query = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('orders', 'contacts')
			UNION ALL SELECT tgname || ' ' || tgenabled::text FROM pg_trigger WHERE tgrelid IN ('orders'::regclass, 'contacts'::regclass) AND NOT tgisinternal
			ORDER BY 1`
	}
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestBulkLoadPutsTheSchemaBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		before := schema(t, db)
		if !strings.Contains(before, "orders_customer_placed") || !strings.Contains(before, "contacts_started") {
			t.Fatalf("unexpected schema:\n%s", before)
		}
		load, err := db.StartBulkLoad(ctx, []string{"orders", "contacts"})
		if err != nil {
			t.Fatal(err)
		}
		during := schema(t, db)
		if strings.Contains(during, "orders_customer_placed") || strings.Contains(during, "contacts_started") {
			t.Errorf("secondary indexes still there during the load:\n%s", during)
		}
		if !strings.Contains(during, "orders_external_id_key") && db.Dialect == store.Postgres {
			t.Errorf("a constraint index was dropped:\n%s", during)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			return store.InsertRows(ctx, tx, "orders", []string{"external_id", "placed_at"}, [][]any{{"1", 100}, {"2", 200}}, "")
		}); err != nil {
			t.Fatal(err)
		}
		if err := load.RestoreIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if err := load.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		if err := load.Finish(ctx); err != nil {
			t.Fatalf("second Finish: %v", err)
		}
		if after := schema(t, db); after != before {
			t.Errorf("schema after the load differs:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM orders WHERE placed_at >= 100`).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d orders, %v", n, err)
		}
	})
}
