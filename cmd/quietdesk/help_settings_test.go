package main

import (
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// The help centre's settings refuse what would draw a broken or unsafe
// page, saying what they take, and store what is right.
func TestHelpSettings(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	for _, bad := range []struct{ key, value, says string }{
		{"help.color", "blue", "#"},
		{"help.color", "#12345", "#"},
		{"help.logo_url", "http://brand.example/logo.png", "https"},
		{"help.logo_url", "javascript:alert(1)", "https"},
		{"help.locales", "FR", "fr"},
		{"help.locales", "en,en", "en"},
	} {
		r := run(t, "settings", "set", bad.key, bad.value, "--db", dsn)
		if r.code != 1 || !strings.Contains(r.stderr, bad.says) {
			t.Errorf("settings set %s %q: exit %d, %q (want a refusal mentioning %q)", bad.key, bad.value, r.code, r.stderr, bad.says)
		}
	}
	if n := count(t, dsn, `SELECT COUNT(*) FROM settings WHERE key LIKE 'help.%'`); n != 0 {
		t.Fatalf("refused values stored %d help settings", n)
	}
	for k, v := range map[string]string{"help.color": "#ffdd00", "help.logo_url": "https://cdn.brand.example/logo.svg", "help.locales": "en,fr,pt-BR", "help.name": "Atelier <Brume>"} {
		mustRun(t, "settings", "set", k, v, "--db", dsn)
		if got := strings.TrimSpace(mustRun(t, "settings", "get", k, "--db", dsn).stdout); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}
