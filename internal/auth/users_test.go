package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

func TestUsersAndPasswords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u, err := auth.AddUser(ctx, db, " Dana@Example.com ", "Analyst", "correct horse battery", t0)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Email != "dana@example.com" || u.Role != auth.RoleAnalyst || !u.SeesDashboards() {
			t.Fatalf("added %+v", u)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "$2a$11$") || strings.Contains(stored, "horse") {
			t.Fatalf("stored %q: want a bcrypt hash of cost 11", stored)
		}

		if got, err := auth.Authenticate(ctx, db, "DANA@example.com", "correct horse battery"); err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		for _, bad := range [][2]string{{"dana@example.com", "wrong horse battery"}, {"nobody@example.com", "correct horse battery"}, {"", ""}} {
			_, err := auth.Authenticate(ctx, db, bad[0], bad[1])
			if domain.ErrorCode(err) != domain.EUnauthorized || err.Error() != "wrong email or password" {
				t.Errorf("Authenticate(%q, %q) = %v: want the same unauthorized answer for every failure", bad[0], bad[1], err)
			}
		}

		if _, err := auth.AddUser(ctx, db, "dana@example.com", "admin", "another password", t0); domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("second user with the same email: %v, want conflict", err)
		}
		_, err = auth.AddUser(ctx, db, "not an email", "boss", "short", t0)
		for _, want := range []string{`email: "not an email" is not an email address`, `role: "boss" is not a role`, "password: must have at least 10 characters"} {
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), want) {
				t.Errorf("bad user: %v, want it to say %q", err, want)
			}
		}
		if _, err := auth.AddUser(ctx, db, "x@example.com", "agent", strings.Repeat("é", 40), t0); err == nil || !strings.Contains(err.Error(), "at most 72 bytes") {
			t.Errorf("80-byte password: %v, want it refused (bcrypt would cut it)", err)
		}

		agent, err := auth.AddUser(ctx, db, "sam@example.com", "agent", auth.GeneratePassword(), t0)
		if err != nil || agent.SeesDashboards() {
			t.Fatalf("agent %+v, %v", agent, err)
		}
		list, err := auth.Users(ctx, db)
		if err != nil || len(list) != 2 || list[0].Email != "dana@example.com" || list[1].Role != "agent" {
			t.Fatalf("Users = %+v, %v", list, err)
		}

		// A new password ends every session and the old password.
		_, plain, err := auth.StartSession(ctx, db, u, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.SetPassword(ctx, db, "dana@example.com", "a brand new secret", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.LookupSession(ctx, db, plain, t0.Add(time.Hour)); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Errorf("session after a password change: %v, want it ended", err)
		}
		if _, err := auth.Authenticate(ctx, db, "dana@example.com", "correct horse battery"); err == nil {
			t.Error("the old password still works")
		}
		if _, err := auth.Authenticate(ctx, db, "dana@example.com", "a brand new secret"); err != nil {
			t.Errorf("the new password: %v", err)
		}
		if err := auth.SetPassword(ctx, db, "ghost@example.com", "a brand new secret", t0); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("password of an unknown user: %v, want not found", err)
		}
	})
}

func TestGeneratedPasswordsAreLongAndDifferent(t *testing.T) {
	a, b := auth.GeneratePassword(), auth.GeneratePassword()
	if a == b || len(a) < 20 || len(a) > 72 {
		t.Fatalf("generated %q and %q", a, b)
	}
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u, err := auth.AddUser(ctx, db, "ana@example.com", "admin", "correct horse battery", t0)
		if err != nil {
			t.Fatal(err)
		}
		s, plain, err := auth.StartSession(ctx, db, u, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) < 43 || s.CSRF == "" || s.CSRF == plain || !s.ExpiresAt.Equal(t0.Add(auth.SessionIdle)) {
			t.Fatalf("session %+v with id %q", s, plain)
		}
		var stored string
		if err := db.QueryRow(ctx, `SELECT token_hash FROM sessions WHERE id = ?`, s.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == plain || len(stored) != 64 {
			t.Fatalf("stored %q: want only a SHA-256 hex digest of the id", stored)
		}

		got, err := auth.LookupSession(ctx, db, plain, t0.Add(time.Minute))
		if err != nil || got.ID != s.ID || got.User.Email != "ana@example.com" || got.User.Role != "admin" {
			t.Fatalf("LookupSession = %+v, %v", got, err)
		}
		if !got.CheckCSRF(s.CSRF) || got.CheckCSRF("") || got.CheckCSRF(plain) {
			t.Error("the CSRF token is checked wrong")
		}
		for _, bad := range []string{"", "nope", plain + "x"} {
			if _, err := auth.LookupSession(ctx, db, bad, t0); domain.ErrorCode(err) != domain.EUnauthorized {
				t.Errorf("LookupSession(%q) = %v, want unauthorized", bad, err)
			}
		}

		// Used every six days, it lives on; but never past its lifetime.
		at := t0
		for at.Before(t0.Add(auth.SessionLifetime - 6*24*time.Hour)) {
			at = at.Add(6 * 24 * time.Hour)
			if _, err := auth.LookupSession(ctx, db, plain, at); err != nil {
				t.Fatalf("session used at %s: %v", at, err)
			}
		}
		if _, err := auth.LookupSession(ctx, db, plain, t0.Add(auth.SessionLifetime)); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Errorf("session past its lifetime: %v", err)
		}

		// Left alone, it ends after the idle time.
		for _, c := range []struct {
			after time.Duration
			live  bool
		}{{auth.SessionIdle - time.Second, true}, {auth.SessionIdle, false}} {
			_, idle, err := auth.StartSession(ctx, db, u, t0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := auth.LookupSession(ctx, db, idle, t0.Add(c.after)); (err == nil) != c.live {
				t.Errorf("session unused for %s: %v, want live %v", c.after, err, c.live)
			}
		}

		// Logging out ends it; logging out twice is harmless.
		_, out, err := auth.StartSession(ctx, db, u, t0)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := auth.EndSession(ctx, db, out); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := auth.LookupSession(ctx, db, out, t0); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Errorf("session after logout: %v", err)
		}

		// A new login clears expired sessions.
		if _, _, err := auth.StartSession(ctx, db, u, t0.Add(auth.SessionLifetime+time.Hour)); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d sessions left (%v), want only the new one", n, err)
		}
	})
}
