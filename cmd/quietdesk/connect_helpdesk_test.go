package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/connect"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// runEnv runs a command line in-process with this environment and stdin.
func runEnv(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin), now: clocktest.Clock(), getenv: func(k string) string { return env[k] }}
	code := a.main(t.Context(), args)
	return result{out.String(), errb.String(), code}
}

func zendeskFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../internal/zendesk/testdata/airbytehq-airbyte/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A brand connects its Zendesk from the command line and syncs it: the
// token read from stdin is stored sealed, and the recorded ticket becomes
// a contact.
func TestConnectionsAddZendeskAndSync(t *testing.T) {
	// The recorded export page, its ticket made this year's, with the
	// recorded user as its requester.
	page := zendeskFixture(t, "tickets.json")
	tk := page["tickets"].([]any)[0].(map[string]any)
	tk["created_at"], tk["via"] = "2026-03-02T08:14:00Z", map[string]any{"channel": "email"}
	users := zendeskFixture(t, "users.json")["users"].([]any)
	users[0].(map[string]any)["id"] = tk["requester_id"]
	page["users"] = users
	body, _ := json.Marshal(page)
	fields, _ := json.Marshal(zendeskFixture(t, "ticket_fields.json"))
	// The default --since is two years before today.
	wantStart := time.Date(2024, 12, 2, 0, 0, 0, 0, time.UTC).Unix()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if user != "ops@brand.example/token" || pass != "zd-secret-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/api/v2/ticket_fields.json":
			w.Write(fields)
		case "/api/v2/incremental/tickets/cursor.json":
			if r.URL.Query().Get("start_time") != jsonInt(wantStart) {
				t.Errorf("start_time %s, want %d", r.URL.Query().Get("start_time"), wantStart)
			}
			w.Write(body)
		default:
			t.Errorf("unexpected %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()

	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			env := map[string]string{connect.KeyEnv: connect.NewKey()}
			if r := runEnv(t, env, "", "connections", "add", "zendesk", "--help"); r.code != 0 || !strings.Contains(r.stdout, "--token-file") || !strings.Contains(r.stdout, "--since") {
				t.Fatalf("help: %d %q", r.code, r.stdout)
			}
			if r := runEnv(t, env, "", "connections", "add", "zendesk", "--subdomain", "brand", "--email", "ops@brand.example", "--token", "zd-secret-token", "--db", dsn); r.code == 0 {
				t.Fatal("a token was taken from a plain flag")
			}
			if r := runEnv(t, env, "zd-secret-token\n", "connections", "add", "zendesk", "--subdomain", "Brand.zendesk.com", "--email", "ops@brand.example", "--token-file", "-", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "subdomain") {
				t.Fatalf("bad subdomain: %d %q", r.code, r.stderr)
			}
			r := runEnv(t, env, "zd-secret-token\n", "connections", "add", "zendesk", "--subdomain", "brand", "--email", "ops@brand.example", "--token-file", "-", "--endpoint", srv.URL, "--db", dsn)
			if r.code != 0 || !strings.Contains(r.stdout, "connection zendesk (zendesk) saved, backfilling") {
				t.Fatalf("add: %d %q %q", r.code, r.stdout, r.stderr)
			}
			r = runEnv(t, env, "", "connections", "sync", "zendesk", "--db", dsn)
			if r.code != 0 || !strings.Contains(r.stdout, "zendesk: current, 1 records stored (at tickets)") {
				t.Fatalf("sync: %d %q %q", r.code, r.stdout, r.stderr)
			}
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var channel, subject, tags, config string
			var secret []byte
			if err := db.QueryRow(context.Background(), `SELECT channel, subject, tags FROM contacts WHERE external_id = 'zendesk-35436'`).Scan(&channel, &subject, &tags); err != nil {
				t.Fatal(err)
			}
			if channel != "email" || subject != "Help, my printer is on fire!" || tags != "enterprise, other_tag" {
				t.Fatalf("contact: %q %q %q", channel, subject, tags)
			}
			if err := db.QueryRow(context.Background(), `SELECT config, secret FROM connections WHERE name = 'zendesk'`).Scan(&config, &secret); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(secret, []byte("zd-secret-token")) || strings.Contains(config, "zd-secret-token") || !strings.Contains(config, `"since":"2024-12-02"`) {
				t.Fatalf("stored config %s, secret shows the token: %v", config, bytes.Contains(secret, []byte("zd-secret-token")))
			}
		})
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestConnectionsAddGorgiasReadsKeyFile(t *testing.T) {
	dsn := storetest.DSN(t, store.SQLite)
	env := map[string]string{connect.KeyEnv: connect.NewKey()}
	keyFile := t.TempDir() + "/gorgias.key"
	if err := os.WriteFile(keyFile, []byte("g-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runEnv(t, env, "", "connections", "add", "gorgias", "--domain", "brand", "--email", "ops@brand.example", "--db", dsn); r.code == 0 || !strings.Contains(r.stderr, "--api-key-file is required") {
		t.Fatalf("no key: %d %q", r.code, r.stderr)
	}
	r := runEnv(t, env, "", "connections", "add", "gorgias", "--domain", "brand", "--email", "ops@brand.example", "--api-key-file", keyFile, "--db", dsn)
	if r.code != 0 || !strings.Contains(r.stdout, "connection gorgias (gorgias) saved") {
		t.Fatalf("add: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runEnv(t, env, "", "connections", "--json", "--db", dsn); !strings.Contains(r.stdout, `"kind":"gorgias"`) || strings.Contains(r.stdout, "g-secret") {
		t.Fatalf("list: %q", r.stdout)
	}
}
