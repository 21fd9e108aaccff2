package metrics_test

import (
	"context"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/store"
)

func recordMessage(ctx context.Context, db *store.DB, id, email, channel, at string) error {
	when, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return err
	}
	return db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clocktest.Clock()), desk.Message{ExternalID: id, Customer: commerce.CustomerRef{Email: email},
			Channel: channel, Author: "customer", At: when})
		return err
	})
}
