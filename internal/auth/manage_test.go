package auth_test

import (
	"context"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// An invited admin who has not set a password does not count as the
// admin who keeps the store manageable, and a link stops working once the
// user has a password another way.
func TestInvitationsAndTheLastAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		admin, err := auth.AddUser(ctx, db, "admin@brand.example", "admin", "long enough password", now)
		if err != nil {
			t.Fatal(err)
		}
		var plain string
		var inv auth.Invitation
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			inv, plain, err = auth.Invite(ctx, tx, "new@brand.example", "admin", admin.Email, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := auth.SetRole(ctx, tx, admin.ID, "agent")
			return err
		})
		if domain.ErrorCode(err) != domain.EConflict {
			t.Fatalf("the only admin with a password was demoted: %v", err)
		}
		if _, err := auth.Authenticate(ctx, db, "new@brand.example", ""); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Errorf("invited user logged in without a password: %v", err)
		}
		if err := auth.SetPassword(ctx, db, "new@brand.example", "set from the cli", now); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.LookupInvitation(ctx, db, plain, now); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("the link works after the password was set another way: %v", err)
		}
		if inv.ExpiresAt != now.Add(auth.InvitationLifetime) {
			t.Errorf("expires %s", inv.ExpiresAt)
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := auth.SetRole(ctx, tx, admin.ID, "agent")
			return err
		}); err != nil {
			t.Errorf("demote with another admin: %v", err)
		}
	})
}
