package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/clock/clocktest"
)

// TestChatToken signs an identity token with the store's chat.secret, as
// of the program's clock, that the widget's check accepts for --ttl.
func TestChatToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	const secret = "0123456789abcdef0123456789abcdef"
	if r := run(t, "chat", "token", "--email", "ann@example.com", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "chat.secret") {
		t.Fatalf("without a secret: %d %s", r.code, r.stderr)
	}
	if r := runWithStdin(t, "short\n", "settings", "set", "chat.secret", "-", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "32 characters") {
		t.Fatalf("a short secret: %d %s", r.code, r.stderr)
	}
	if r := runWithStdin(t, secret+"\n", "settings", "set", "chat.secret", "-", "--db", db); r.code != 0 {
		t.Fatalf("set the secret: %d %s", r.code, r.stderr)
	}
	if r := mustRun(t, "settings", "--db", db); !strings.Contains(r.stdout, "chat.secret=(set)") || strings.Contains(r.stdout, secret) {
		t.Errorf("settings list shows the secret:\n%s", r.stdout)
	}
	tok := strings.TrimSpace(mustRun(t, "chat", "token", "--email", "ann@example.com", "--name", "Ann Lee", "--ttl", "1h", "--db", db).stdout)
	now := clocktest.Clock()()
	id, err := chat.Verify(secret, tok, now.Add(59*time.Minute))
	if err != nil || id.Email != "ann@example.com" || id.Name != "Ann Lee" || id.Exp != now.Add(time.Hour).Unix() {
		t.Fatalf("the token: %+v, %v", id, err)
	}
	if _, err := chat.Verify(secret, tok, now.Add(time.Hour)); err == nil {
		t.Error("the token outlived --ttl")
	}
	if r := run(t, "chat", "token", "--ttl", "1h", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "email or external_id") {
		t.Errorf("naming no one: %d %s", r.code, r.stderr)
	}
	if r := run(t, "settings", "set", "chat.origins", "shop.example", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "not an origin") {
		t.Errorf("a bad origin: %d %s", r.code, r.stderr)
	}
}
