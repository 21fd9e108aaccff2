package main

import (
	"context"
	"strings"
	"testing"

	"quietdesk/internal/audit"
	"quietdesk/internal/store"
)

// Changes made from the command line are in the audit log as "cli", in
// the transaction of the change; secrets are recorded as "(set)", and a
// refused value records nothing.
func TestCLIChangesAreAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		mustRun(t, "user", "add", "--email", "dana@brand.example", "--role", "admin", "--db", dsn)
		runWithStdin(t, "a new password here\n", "user", "passwd", "--email", "dana@brand.example", "--password-stdin", "--db", dsn)
		mustRun(t, "token", "create", "--name", "sync", "--scope", "ingest", "--db", dsn)
		mustRun(t, "token", "revoke", "1", "--db", dsn)
		mustRun(t, "token", "revoke", "1", "--db", dsn) // already revoked: nothing to record
		if r := run(t, "settings", "set", "timezone", "Mars/Olympus", "--db", dsn); r.code != 1 {
			t.Fatalf("bad zone accepted: %+v", r)
		}
		r := mustRun(t, "settings", "set", "timezone", "Europe/Paris", "--db", dsn)
		if !strings.Contains(r.stderr, "timezone changed: every metric's days and weeks are cut again") {
			t.Errorf("stderr %q", r.stderr)
		}
		mustRun(t, "settings", "set", "timezone", "Europe/Paris", "--db", dsn) // unchanged
		if r := runWithStdin(t, "pa55 word\n", "settings", "set", "smtp.password", "-", "--db", dsn); r.code != 0 {
			t.Fatalf("%+v", r)
		}
		// A key registered the old way (returns.go) still works.
		mustRun(t, "settings", "set", "returns.window_days", "30", "--db", dsn)

		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		list, err := audit.List(context.Background(), db, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(list) - 1; i >= 0; i-- {
			e := list[i]
			got = append(got, strings.TrimSpace(e.Actor+" "+e.Action+" "+e.Target+" "+e.Detail))
		}
		want := []string{
			"cli user.add dana@brand.example role admin",
			"cli user.password dana@brand.example password changed, sessions ended",
			`cli token.create token 1 "sync" scopes ingest`,
			`cli token.revoke token 1 "sync"`,
			`cli setting.set timezone set to "Europe/Paris"`,
			"cli setting.set smtp.password (set)",
			`cli setting.set returns.window_days set to "30"`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
