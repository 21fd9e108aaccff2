package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"quietdesk/internal/auth"
	"quietdesk/internal/store"
)

func TestUserAddListPasswd(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		login := func(email, password string) error {
			t.Helper()
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = auth.Authenticate(context.Background(), db, email, password)
			return err
		}

		// Generated: printed alone on stdout, once.
		r := mustRun(t, "user", "add", "--email", "Dana@Example.com", "--role", "analyst", "--db", dsn)
		generated := strings.TrimSpace(r.stdout)
		if len(generated) < 20 || strings.Contains(generated, "\n") || !strings.Contains(r.stderr, "shown only this once") {
			t.Fatalf("add printed %q / %q: want the password alone on stdout", r.stdout, r.stderr)
		}
		if err := login("dana@example.com", generated); err != nil {
			t.Fatalf("the printed password does not log in: %v", err)
		}

		// From stdin: nothing on stdout.
		r = runWithStdin(t, "correct horse battery\n", "user", "add", "--email", "sam@example.com", "--role", "agent", "--password-stdin", "--db", dsn)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("add --password-stdin: %+v", r)
		}
		if err := login("sam@example.com", "correct horse battery"); err != nil {
			t.Fatalf("the password from stdin does not log in: %v", err)
		}

		list := mustRun(t, "user", "list", "--db", dsn)
		if !strings.Contains(list.stdout, "dana@example.com") || !strings.Contains(list.stdout, "agent") || strings.Contains(list.stdout, generated) {
			t.Fatalf("list:\n%s", list.stdout)
		}
		var users []auth.User
		if err := json.Unmarshal([]byte(mustRun(t, "user", "list", "--json", "--db", dsn).stdout), &users); err != nil || len(users) != 2 || users[1].Role != "agent" {
			t.Fatalf("list --json: %+v (%v)", users, err)
		}

		r = runWithStdin(t, "a brand new secret", "user", "passwd", "--email", "sam@example.com", "--password-stdin", "--db", dsn)
		if r.code != 0 || !strings.Contains(r.stderr, "logged out") {
			t.Fatalf("passwd: %+v", r)
		}
		if err := login("sam@example.com", "a brand new secret"); err != nil {
			t.Fatalf("the new password: %v", err)
		}
		r = mustRun(t, "user", "passwd", "--email", "dana@example.com", "--db", dsn)
		if err := login("dana@example.com", strings.TrimSpace(r.stdout)); err != nil {
			t.Fatalf("the generated new password: %v", err)
		}

		for _, c := range []struct {
			stdin string
			args  []string
			want  string
		}{
			{"", []string{"user", "add", "--email", "dana@example.com", "--role", "admin"}, "already a user dana@example.com"},
			{"", []string{"user", "add", "--email", "x@example.com", "--role", "boss"}, `"boss" is not a role`},
			{"", []string{"user", "add", "--email", "x@example.com", "--role", "agent", "--password-stdin"}, "stdin has no password"},
			{"short\n", []string{"user", "add", "--email", "x@example.com", "--role", "agent", "--password-stdin"}, "at least 10 characters"},
			{"", []string{"user", "passwd", "--email", "ghost@example.com"}, "no user ghost@example.com"},
		} {
			r := runWithStdin(t, c.stdin, append(c.args, "--db", dsn)...)
			if r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("%s: exit %d, stderr %q, want %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
			}
		}
	})
}

func TestUserHelp(t *testing.T) {
	for _, args := range [][]string{{"user", "--help"}, {"user", "add", "--help"}, {"user", "list", "--help"}, {"user", "passwd", "--help"}} {
		r := run(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: quietdesk "+strings.Join(args[:len(args)-1], " ")) {
			t.Errorf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := run(t, "user"); r.code != 2 {
		t.Errorf("user without an action: exit %d, want 2", r.code)
	}
}
