package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWebhooksCommand(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		r := mustRun(t, "webhooks", "add", "https://bridge.example.com/in", "--events", "message.created,conversation.updated", "--description", "Instagram bridge", "--db", dsn)
		if !strings.Contains(r.stdout, "webhook 1 added") || !strings.Contains(r.stdout, "signing secret (shown this once): whsec_") {
			t.Fatalf("add:\n%s", r.stdout)
		}
		secret := r.stdout[strings.Index(r.stdout, "whsec_"):]
		secret = strings.TrimSpace(secret)
		list := mustRun(t, "webhooks", "list", "--db", dsn)
		if !strings.Contains(list.stdout, "https://bridge.example.com/in") || !strings.Contains(list.stdout, "conversation.updated,message.created") ||
			!strings.Contains(list.stdout, "active") || strings.Contains(list.stdout, secret) {
			t.Fatalf("list:\n%s", list.stdout)
		}
		var subs []struct {
			ID     int64    `json:"id"`
			Events []string `json:"events"`
		}
		js := mustRun(t, "webhooks", "list", "--json", "--db", dsn)
		if err := json.Unmarshal([]byte(js.stdout), &subs); err != nil || len(subs) != 1 || len(subs[0].Events) != 2 {
			t.Fatalf("list --json: %s (%v)", js.stdout, err)
		}
		if log := mustRun(t, "webhooks", "log", "1", "--db", dsn); !strings.Contains(log.stdout, "DELIVERY") {
			t.Errorf("log:\n%s", log.stdout)
		}
		if r := run(t, "webhooks", "add", "https://x.example", "--events", "message.deleted", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, `"message.deleted" is not an event type`) {
			t.Errorf("add with a bad event: %+v", r)
		}
		mustRun(t, "webhooks", "enable", "1", "--db", dsn)
		mustRun(t, "webhooks", "remove", "1", "--db", dsn)
		if r := run(t, "webhooks", "remove", "1", "--db", dsn); r.code != 1 || !strings.Contains(r.stderr, "no webhook 1") {
			t.Errorf("remove twice: %+v", r)
		}
		if r := mustRun(t, "webhooks", "--help"); !strings.Contains(r.stdout, "quietdesk webhooks add URL") {
			t.Errorf("help:\n%s", r.stdout)
		}
		mustRun(t, "settings", "set", "social.accounts", "instagram:@brand", "--db", dsn)
		if r := run(t, "settings", "set", "social.accounts", "brand", "--db", dsn); r.code == 0 {
			t.Errorf("a bad social.accounts was taken: %+v", r)
		}
	})
}
