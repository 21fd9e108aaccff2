package commerce_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// Two PostgreSQL transactions that see the same new customer at once must
// end with one customer owning the identity, and with both transactions'
// records on that customer.
func TestConcurrentNewCustomerOnPostgres(t *testing.T) {
	db := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	ref := commerce.CustomerRef{Email: "race@example.com"}
	aInserted := make(chan struct{})
	bLookedUp := make(chan struct{})
	var wg sync.WaitGroup
	var ids [2]int64
	errs := make([]error, 2)
	order := func(i int, id string, cust *commerce.Customers) func(tx *store.Tx) error {
		return func(tx *store.Tx) error {
			_, _, err := commerce.UpsertOrders(ctx, tx, cust, []commerce.Order{{ExternalID: id, Customer: ref, PlacedAt: time.Now(), Status: "placed"}})
			if err == nil {
				err = tx.QueryRow(ctx, `SELECT customer_id FROM orders WHERE external_id = ?`, id).Scan(&ids[i])
			}
			return err
		}
	}
	wg.Add(2)
	go func() { // A: creates the customer, and commits once B has looked it up
		defer wg.Done()
		errs[0] = db.WriteTx(ctx, func(tx *store.Tx) error {
			if err := order(0, "A-1", commerce.NewCustomers(clocktest.Clock()))(tx); err != nil {
				return err
			}
			close(aInserted)
			<-bLookedUp
			return nil
		})
	}()
	go func() { // B: looks up before A commits, so it sees no customer
		defer wg.Done()
		<-aInserted
		// The clock is read after the look-up and before the inserts.
		cust := commerce.NewCustomers(func() time.Time { close(bLookedUp); return clocktest.Default })
		errs[1] = db.WriteTx(ctx, order(1, "B-1", cust))
	}()
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("transactions failed: %v, %v", errs[0], errs[1])
	}
	var owner int64
	db.QueryRow(ctx, `SELECT customer_id FROM customer_identities WHERE kind = 'email' AND value = 'race@example.com'`).Scan(&owner)
	var onOwner int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM orders WHERE customer_id = ?`, owner).Scan(&onOwner)
	if onOwner != 2 {
		t.Fatalf("orders on the identity's owner %d: %d, want 2 (A's customer %d, B's %d)", owner, onOwner, ids[0], ids[1])
	}
}
