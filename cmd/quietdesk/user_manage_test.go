package main

import (
	"context"
	"strings"
	"testing"

	"quietdesk/internal/auth"
	"quietdesk/internal/store"
)

// The users page's changes from the command line: a role changed once and
// audited once, the last admin kept, a deactivated user refused at login
// until reactivated, each change in the audit log with the actor cli.
func TestUserRoleAndDeactivation(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		login := func(email string) error {
			t.Helper()
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = auth.Authenticate(context.Background(), db, email, "correct horse battery")
			return err
		}
		for _, u := range [][2]string{{"ada@example.com", "admin"}, {"sam@example.com", "agent"}} {
			runWithStdin(t, "correct horse battery\n", "user", "add", "--email", u[0], "--role", u[1], "--password-stdin", "--db", dsn)
		}
		if r := mustRun(t, "user", "role", "sam@example.com", "analyst", "--db", dsn); !strings.Contains(r.stdout, "sam@example.com is now analyst (was agent)") {
			t.Errorf("role: %q", r.stdout)
		}
		if r := mustRun(t, "user", "role", "sam@example.com", "analyst", "--db", dsn); !strings.Contains(r.stdout, "already analyst") {
			t.Errorf("the same role again: %q", r.stdout)
		}
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"user", "role", "ada@example.com", "agent"}, "demoted"},
			{[]string{"user", "deactivate", "ada@example.com"}, "deactivated"},
			{[]string{"user", "role", "sam@example.com", "boss"}, `"boss" is not a role`},
			{[]string{"user", "deactivate", "ghost@example.com"}, "no user ghost@example.com"},
		} {
			if r := run(t, append(c.args, "--db", dsn)...); r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s: exit %d, stderr %q, want %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
			}
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM users WHERE email = 'ada@example.com' AND role = 'admin' AND deactivated_at IS NULL`); n != 1 {
			t.Errorf("the last admin was changed")
		}

		mustRun(t, "user", "deactivate", "sam@example.com", "--db", dsn)
		if err := login("sam@example.com"); err == nil {
			t.Errorf("a deactivated user logged in")
		}
		if r := mustRun(t, "user", "deactivate", "sam@example.com", "--db", dsn); !strings.Contains(r.stdout, "already deactivated") {
			t.Errorf("deactivate again: %q", r.stdout)
		}
		mustRun(t, "user", "reactivate", "sam@example.com", "--db", dsn)
		if err := login("sam@example.com"); err != nil {
			t.Errorf("a reactivated user cannot log in: %v", err)
		}
		got := count(t, dsn, `SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND target = 'sam@example.com' AND action IN ('user.role', 'user.deactivate', 'user.reactivate')`)
		if got != 3 {
			t.Errorf("%d audit records of sam's changes, want 3 (role, deactivate, reactivate)", got)
		}
	})
}
