package proactive

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"quietdesk/internal/store"
)

// Each run reads the orders whose promised date or delivery passed since
// the last one by their indexes, never every undelivered order: the plan
// SQLite chooses for the candidate queries names the range's own index.
func TestCandidateQueriesUseTheirRangeIndex(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for query, index := range map[string]string{promisedSince: "orders_promised (promised_delivery_at>? AND promised_delivery_at<?)", deliveredSince: "orders_delivered (delivered_at>? AND delivered_at<?)"} {
		rows, err := db.Query(ctx, "EXPLAIN QUERY PLAN "+query, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if got := strings.Join(plan, "; "); !strings.Contains(got, index) {
			t.Errorf("%s\nplan: %s\nwant the index %s", query, got, index)
		}
	}
}
