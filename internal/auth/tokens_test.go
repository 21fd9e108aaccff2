package auth_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestTokenLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tok, plain, err := auth.Create(ctx, db, " shop sync ", []string{"read,ingest", "ingest"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "qd_") || len(plain) < 40 {
			t.Fatalf("token %q: want qd_ and 32 random bytes", plain)
		}
		if tok.Name != "shop sync" || !slices.Equal(tok.Scopes, []string{"ingest", "read"}) {
			t.Fatalf("created %+v", tok)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT token_hash FROM api_tokens WHERE id = ?`, tok.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, plain[3:]) || len(stored) != 64 {
			t.Fatalf("stored %q: want only a SHA-256 hex digest", stored)
		}

		got, err := auth.Verify(ctx, db, plain, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || !got.Allows(auth.ScopeIngest) || got.Allows(auth.ScopeAdmin) {
			t.Fatalf("verified %+v", got)
		}
		for _, bad := range []string{"", "qd_nope", plain + "x", strings.TrimPrefix(plain, "qd_")} {
			if _, err := auth.Verify(ctx, db, bad, t0); domain.ErrorCode(err) != domain.EUnauthorized {
				t.Errorf("Verify(%q) = %v, want unauthorized", bad, err)
			}
		}

		if err := auth.Revoke(ctx, db, tok.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := auth.Revoke(ctx, db, tok.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatalf("second revoke: %v", err)
		}
		if _, err := auth.Verify(ctx, db, plain, t0.Add(time.Hour)); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Fatalf("revoked token verified: %v", err)
		}
		if err := auth.Revoke(ctx, db, 999, t0); domain.ErrorCode(err) != domain.ENotFound {
			t.Fatalf("revoke unknown = %v, want not_found", err)
		}

		list, err := auth.List(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("list %+v", list)
		}
	})
}

func TestLastUsedIsWrittenAtMostOnceAMinute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tok, plain, err := auth.Create(ctx, db, "ci", []string{"ingest"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() time.Time {
			t.Helper()
			var v *int64
			if err := db.QueryRow(ctx, `SELECT last_used_at FROM api_tokens WHERE id = ?`, tok.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if v == nil {
				return time.Time{}
			}
			return time.Unix(*v, 0).UTC()
		}
		if !lastUsed().IsZero() {
			t.Fatal("a new token has a last use")
		}
		steps := []struct {
			at   time.Time
			want time.Time
		}{
			{t0.Add(10 * time.Second), t0.Add(10 * time.Second)},
			{t0.Add(40 * time.Second), t0.Add(10 * time.Second)}, // 30 s later: not written
			{t0.Add(69 * time.Second), t0.Add(10 * time.Second)},
			{t0.Add(70 * time.Second), t0.Add(70 * time.Second)}, // a minute later: written
		}
		for _, s := range steps {
			if _, err := auth.Verify(ctx, db, plain, s.at); err != nil {
				t.Fatal(err)
			}
			if got := lastUsed(); !got.Equal(s.want) {
				t.Fatalf("after use at %s: last_used_at = %s, want %s", s.at.Format(time.TimeOnly), got.Format(time.TimeOnly), s.want.Format(time.TimeOnly))
			}
		}
	})
}

func TestCreateRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cases := []struct {
			name   string
			scopes []string
			fields []string
		}{
			{"", []string{"ingest"}, []string{"name"}},
			{"x", nil, []string{"scopes"}},
			{"x", []string{"ingest,write"}, []string{"scopes"}},
			{" ", []string{" "}, []string{"scopes", "name"}},
		}
		for _, c := range cases {
			_, _, err := auth.Create(ctx, db, c.name, c.scopes, t0)
			var e *domain.Error
			if !errors.As(err, &e) || e.Code != domain.EInvalid {
				t.Fatalf("Create(%q, %q) = %v, want invalid", c.name, c.scopes, err)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, c.fields) {
				t.Errorf("Create(%q, %q) named %q, want %q", c.name, c.scopes, fields, c.fields)
			}
		}
		if list, _ := auth.List(ctx, db); len(list) != 0 {
			t.Fatalf("bad input stored %d tokens", len(list))
		}
	})
}
