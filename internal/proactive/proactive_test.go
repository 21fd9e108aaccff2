package proactive_test

import (
	"context"
	"fmt"
	"testing"

	"quietdesk/internal/proactive"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The holdout is a stable hash: the same order and rule always get the
// same answer, and about the share asked for is held out.
func TestHeldOutIsStableAndFair(t *testing.T) {
	held := 0
	for i := range 20000 {
		id := fmt.Sprintf("#%d", 1000+i)
		h := proactive.HeldOut(id, "late_shipment", 10)
		if h != proactive.HeldOut(id, "late_shipment", 10) {
			t.Fatalf("%s: two answers", id)
		}
		if h {
			held++
		}
	}
	if held < 1800 || held > 2200 {
		t.Errorf("%d of 20000 held out at 10%%", held)
	}
	if proactive.HeldOut("#1", "x", 0) || !proactive.HeldOut("#1", "x", 100) {
		t.Error("0% holds out nothing and 100% everything")
	}
	// Fixed answers: a change to the hash would reshuffle every brand's
	// holdout mid-measurement.
	var first []string
	for i := 1000; i < 1100 && len(first) < 4; i++ {
		if id := fmt.Sprintf("#%d", i); proactive.HeldOut(id, "late_shipment", 10) {
			first = append(first, id)
		}
	}
	if fmt.Sprint(first) != "[#1026 #1029 #1036 #1052]" {
		t.Errorf("the first orders held out of late_shipment are %v; the hash changed", first)
	}
}

// One decision per order and rule: a second insert is refused by the
// database itself, whichever process tries.
func TestOneDecisionPerOrderAndRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.WriteTx(ctx, func(tx *store.Tx) error {
			var cid, oid int64
			if err := tx.QueryRow(ctx, `INSERT INTO customers (name, created_at) VALUES ('Ann', 0) RETURNING id`).Scan(&cid); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO orders (external_id, customer_id, placed_at) VALUES ('#1001', ?, 0) RETURNING id`, cid).Scan(&oid); err != nil {
				return err
			}
			for range 2 {
				if _, err := tx.Exec(ctx, `INSERT INTO proactive_decisions (order_id, rule, decided_at, held_out, status) VALUES (?, 'late_shipment', 0, FALSE, 'scheduled') ON CONFLICT (order_id, rule) DO NOTHING`, oid); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM proactive_decisions`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d decisions, %v", n, err)
		}
	})
}
