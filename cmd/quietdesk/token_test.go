package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTokenCreateListRevoke(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		r := mustRun(t, "token", "create", "--name", "shop sync", "--scope", "ingest,read", "--db", dsn)
		plain := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(plain, "qd_") || strings.Contains(plain, "\n") {
			t.Fatalf("stdout %q: want the token alone", r.stdout)
		}
		if !strings.Contains(r.stderr, "shown only this once") {
			t.Errorf("stderr %q: say the token is shown once", r.stderr)
		}

		list := mustRun(t, "token", "list", "--db", dsn)
		if !strings.Contains(list.stdout, "shop sync") || !strings.Contains(list.stdout, "ingest,read") || strings.Contains(list.stdout, plain) {
			t.Fatalf("list:\n%s", list.stdout)
		}

		// Flags after the positional argument, as people type them.
		mustRun(t, "token", "revoke", "1", "--db", dsn)
		var tokens []struct {
			ID        int64   `json:"id"`
			RevokedAt *string `json:"revoked_at"`
		}
		js := mustRun(t, "token", "list", "--json", "--db", dsn)
		if err := json.Unmarshal([]byte(js.stdout), &tokens); err != nil || len(tokens) != 1 || tokens[0].RevokedAt == nil {
			t.Fatalf("list --json after revoke: %s (%v)", js.stdout, err)
		}

		if r := run(t, "token", "revoke", "99", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "no API token 99") {
			t.Errorf("revoke of an unknown id: %+v", r)
		}
		if r := run(t, "token", "create", "--name", "x", "--scope", "write", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, `"write" is not a scope`) {
			t.Errorf("create with a bad scope: %+v", r)
		}
		if r := run(t, "token", "create", "--scope", "ingest", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "name: is required") {
			t.Errorf("create without a name: %+v", r)
		}
	})
}

func TestTokenHelp(t *testing.T) {
	for _, args := range [][]string{{"token", "--help"}, {"token", "create", "--help"}, {"token", "list", "--help"}, {"token", "revoke", "--help"}} {
		r := run(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: quietdesk "+strings.Join(args[:len(args)-1], " ")) {
			t.Errorf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := run(t, "token"); r.code != 2 {
		t.Errorf("token without an action: exit %d, want 2", r.code)
	}
}
