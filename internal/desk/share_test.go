package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestShareLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		h := newHistory(t, db)
		h.message("ann@example.com", "email", "customer", t0, "hi")
		ann := h.customer("ann@example.com")
		agent := h.user("maya@brand.example", "Maya")
		now := t0.Add(time.Hour)

		create := func(customer int64, ttl time.Duration) (string, desk.ShareLink, error) {
			var token string
			var link desk.ShareLink
			err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				token, link, err = desk.CreateShareLink(ctx, tx, customer, agent, ttl, now)
				return err
			})
			return token, link, err
		}
		token, link, err := create(ann, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 43 || link.CustomerID != ann || !link.ExpiresAt.Equal(now.Add(7*24*time.Hour)) || link.CreatedBy != "Maya" {
			t.Fatalf("link %+v, token %q", link, token)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT token_hash FROM share_links WHERE id = ?`, link.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, token) || len(stored) != 64 {
			t.Errorf("the token is stored as %q: only its SHA-256 should be", stored)
		}
		other, _, err := create(ann, 30*24*time.Hour)
		if err != nil || other == token {
			t.Fatalf("a second link: %q, %v", other, err)
		}

		open := func(token string, at time.Time) error {
			got, err := desk.OpenShareLink(ctx, db, token, at)
			if err == nil && got.CustomerID != ann {
				t.Errorf("the link opens customer %d", got.CustomerID)
			}
			return err
		}
		if err := open(token, now.Add(7*24*time.Hour-time.Second)); err != nil {
			t.Fatalf("a live link: %v", err)
		}
		gone := []struct {
			name  string
			token string
			at    time.Time
		}{
			{"expired", token, now.Add(7 * 24 * time.Hour)},
			{"unknown", strings.Repeat("A", 43), now},
			{"malformed", "../../etc/passwd", now},
			{"empty", "", now},
		}
		var messages []string
		for _, g := range gone {
			err := open(g.token, g.at)
			if domain.ErrorCode(err) != domain.ENotFound {
				t.Errorf("%s: %v, want not found", g.name, err)
				continue
			}
			messages = append(messages, err.Error())
		}

		if live, err := desk.ShareLinks(ctx, db, ann, now); err != nil || len(live) != 2 {
			t.Fatalf("live links: %+v, %v", live, err)
		}
		revoke := func() desk.ShareLink {
			var l desk.ShareLink
			if err := db.WriteTx(ctx, func(tx *store.Tx) error {
				var err error
				l, err = desk.RevokeShareLink(ctx, tx, link.ID, now.Add(time.Minute))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return l
		}
		revoked := revoke()
		if revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("revoked: %+v", revoked)
		}
		now = now.Add(time.Hour)
		if again := revoke(); !again.RevokedAt.Equal(*revoked.RevokedAt) {
			t.Errorf("revoking again moved the time to %s", again.RevokedAt)
		}
		err = open(token, now)
		if domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("a revoked link: %v", err)
		}
		messages = append(messages, err.Error())
		for _, m := range messages {
			if m != messages[0] {
				t.Errorf("a gone link answers %q, another %q: the answer must not say which", m, messages[0])
			}
		}
		if live, _ := desk.ShareLinks(ctx, db, ann, now); len(live) != 1 {
			t.Errorf("%d live links after one was revoked", len(live))
		}
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := desk.RevokeShareLink(ctx, tx, 999, now)
			return err
		}); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("revoking an unknown link: %v", err)
		}

		for _, ttl := range []time.Duration{31 * 24 * time.Hour, -time.Hour} {
			_, _, err := create(ann, ttl)
			if de, ok := err.(*domain.Error); !ok || de.Code != domain.EInvalid || de.Fields[0].Field != "days" {
				t.Errorf("a link for %s: %v, want an invalid days", ttl, err)
			}
		}
		if _, _, err := create(999, 0); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("a link to an unknown customer: %v", err)
		}
	})
}
