package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	qdclock "quietdesk/internal/clock"
	"quietdesk/internal/hooks"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

var socialNow = time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)

const socialSecret = "my-shared-secret-123"

// postSocial posts body to /webhooks/social signed with secret at ts, the
// way docs/webhooks.md tells a bridge to.
func postSocial(t *testing.T, a *app, secret string, ts time.Time, body string, mutate func(*http.Request)) reply {
	t.Helper()
	req, err := http.NewRequest("POST", a.url+"/webhooks/social", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Quietdesk-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("X-Quietdesk-Signature", hooks.Sign(secret, ts.Unix(), []byte(body)))
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, data}
}

const anaMessage = `{"id":"evt-1","platform":"instagram","account":"@brand","sender":{"id":"1789","handle":"@ana","name":"Ana"},` +
	`"text":"Where is my order? <script>alert(1)</script>","sent_at":"2026-11-23T10:14:58Z",` +
	`"attachments":[{"url":"https://cdn.example.com/media/photo.jpg?sig=1","content_type":"image/jpeg"}]}`

func startSocial(t *testing.T, db *store.DB) *app {
	t.Helper()
	a := start(t, db, func(s *web.Server) { s.Now = qdclock.Fixed(socialNow) })
	if err := db.SetSetting(context.Background(), "social.webhook_secret", socialSecret); err != nil {
		t.Fatal(err)
	}
	return a
}

type tableCounts struct{ messages, contacts, customers, conversations, attachments int }

func (a *app) socialCounts() tableCounts {
	return tableCounts{a.count("messages"), a.count("contacts"), a.count("customers"), a.count("conversations"), a.count("attachments")}
}

func TestSocialWebhookRecordsASignedMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := startSocial(t, db)
		r := postSocial(t, a, socialSecret, socialNow, anaMessage, nil)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if got, want := strings.TrimSpace(string(r.body)), `{"conversation_id":1,"message_id":1,"contact_id":1,"new_contact":true,"duplicate":false}`; got != want {
			t.Fatalf("answer %s, want %s", got, want)
		}
		var m struct {
			ext, channel, via, dir, author, from, body string
			at                                         int64
			customer                                   int64
		}
		err := db.QueryRow(ctx, `SELECT external_id, channel, via, direction, author, from_addr, body, at, customer_id FROM messages WHERE id = 1`).
			Scan(&m.ext, &m.channel, &m.via, &m.dir, &m.author, &m.from, &m.body, &m.at, &m.customer)
		if err != nil {
			t.Fatal(err)
		}
		want := struct {
			ext, channel, via, dir, author, from, body string
			at                                         int64
			customer                                   int64
		}{"social:instagram:evt-1", "social", "instagram", "in", "customer", "@ana", "Where is my order? <script>alert(1)</script>",
			time.Date(2026, 11, 23, 10, 14, 58, 0, time.UTC).Unix(), 1}
		if m != want {
			t.Errorf("stored message %+v\nwant %+v", m, want)
		}
		var name, kind, value string
		if err := db.QueryRow(ctx, `SELECT c.name, i.kind, i.value FROM customers c JOIN customer_identities i ON i.customer_id = c.id WHERE c.id = 1`).Scan(&name, &kind, &value); err != nil {
			t.Fatal(err)
		}
		if name != "Ana" || kind != "instagram" || value != "1789" {
			t.Errorf("customer %q with identity %s:%s, want Ana with instagram:1789", name, kind, value)
		}
		var contactChannel string
		var started int64
		if err := db.QueryRow(ctx, `SELECT channel, started_at FROM contacts WHERE id = 1`).Scan(&contactChannel, &started); err != nil || contactChannel != "social" || started != want.at {
			t.Errorf("contact on %q at %d (%v), want social at %d", contactChannel, started, err, want.at)
		}
		var att struct{ name, ctype, url string }
		if err := db.QueryRow(ctx, `SELECT name, content_type, url FROM attachments WHERE message_id = 1`).Scan(&att.name, &att.ctype, &att.url); err != nil {
			t.Fatal(err)
		}
		if att != (struct{ name, ctype, url string }{"photo.jpg", "image/jpeg", "https://cdn.example.com/media/photo.jpg?sig=1"}) {
			t.Errorf("attachment %+v", att)
		}
		before := a.socialCounts()
		if before != (tableCounts{1, 1, 1, 1, 1}) {
			t.Fatalf("counts %+v", before)
		}

		// The same request again (a replay within the window, or the
		// bridge retrying): 200, duplicate, nothing new.
		r = postSocial(t, a, socialSecret, socialNow, anaMessage, nil)
		if r.status != 200 || !strings.Contains(string(r.body), `"duplicate":true`) || !strings.Contains(string(r.body), `"message_id":1`) {
			t.Errorf("replay: %d %s", r.status, r.body)
		}
		if got := a.socialCounts(); got != before {
			t.Errorf("a replay changed counts: %+v, was %+v", got, before)
		}

		// A later message that answers an earlier one joins its conversation
		// and continues the contact.
		next := `{"id":"evt-2","platform":"instagram","account":"@brand","sender":{"id":"1789","handle":"@ana"},"text":"Order #1001","sent_at":"2026-11-23T10:15:00Z","reply_to":"evt-1"}`
		r = postSocial(t, a, socialSecret, socialNow, next, nil)
		if got, want := strings.TrimSpace(string(r.body)), `{"conversation_id":1,"message_id":2,"contact_id":1,"new_contact":false,"duplicate":false}`; r.status != 200 || got != want {
			t.Errorf("second message: %d %s, want %s", r.status, got, want)
		}
	})
}

func TestSocialWebhookRefusesAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := startSocial(t, db)
		oneByte := strings.Replace(anaMessage, "order", "ordes", 1)
		for _, c := range []struct {
			name   string
			secret string
			ts     time.Time
			body   string
			mutate func(*http.Request)
			status int
			says   string
		}{
			{"one byte changed", socialSecret, socialNow, anaMessage, func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader(oneByte))
				r.ContentLength = int64(len(oneByte))
			}, 401, "X-Quietdesk-Signature: does not match"},
			{"wrong secret", "another-secret-4567", socialNow, anaMessage, nil, 401, "does not match"},
			{"no signature", socialSecret, socialNow, anaMessage, func(r *http.Request) { r.Header.Del("X-Quietdesk-Signature") }, 401, "X-Quietdesk-Signature: is missing"},
			{"no timestamp", socialSecret, socialNow, anaMessage, func(r *http.Request) { r.Header.Del("X-Quietdesk-Timestamp") }, 401, "X-Quietdesk-Timestamp: is missing"},
			{"stale", socialSecret, socialNow.Add(-6 * time.Minute), anaMessage, nil, 400, "outside the 5-minute window"},
			{"from the future", socialSecret, socialNow.Add(6 * time.Minute), anaMessage, nil, 400, "outside the 5-minute window"},
			{"not JSON", socialSecret, socialNow, `{"id":`, nil, 400, `"field":"body"`},
			{"no sender id", socialSecret, socialNow, strings.Replace(anaMessage, `"id":"1789",`, "", 1), nil, 400, `"field":"sender.id","reason":"is required"`},
			{"bad sent_at", socialSecret, socialNow, strings.Replace(anaMessage, "2026-11-23T10:14:58Z", "yesterday", 1), nil, 400, `"field":"sent_at"`},
			{"reserved platform", socialSecret, socialNow, strings.Replace(anaMessage, `"instagram"`, `"email"`, 1), nil, 400, `"field":"platform"`},
			{"bad attachment", socialSecret, socialNow, strings.Replace(anaMessage, "https://cdn", "javascript://cdn", 1), nil, 400, `"field":"attachments[0].url"`},
			{"wrong type", socialSecret, socialNow, strings.Replace(anaMessage, `"text":"Where`, `"text":5,"x":"`, 1), nil, 400, "text"},
		} {
			r := postSocial(t, a, c.secret, c.ts, c.body, c.mutate)
			if r.status != c.status || !strings.Contains(string(r.body), c.says) {
				t.Errorf("%s: %d %s, want %d saying %q", c.name, r.status, r.body, c.status, c.says)
			}
		}
		if got := a.socialCounts(); got != (tableCounts{}) {
			t.Errorf("refused requests stored something: %+v", got)
		}

		// Accounts: when the brand lists its own, others are refused.
		if err := db.SetSetting(ctx, "social.accounts", "instagram:@other, messenger:1234"); err != nil {
			t.Fatal(err)
		}
		r := postSocial(t, a, socialSecret, socialNow, anaMessage, nil)
		if r.status != 403 || !strings.Contains(string(r.body), "social.accounts") {
			t.Errorf("unknown account: %d %s", r.status, r.body)
		}
		if err := db.SetSetting(ctx, "social.accounts", "instagram:BRAND"); err != nil {
			t.Fatal(err)
		}
		if r := postSocial(t, a, socialSecret, socialNow, anaMessage, nil); r.status != 200 {
			t.Errorf("listed account (case and @ aside): %d %s", r.status, r.body)
		}

		// Without a secret the webhook is off.
		if err := db.SetSetting(ctx, "social.webhook_secret", ""); err != nil {
			t.Fatal(err)
		}
		before := a.socialCounts()
		r = postSocial(t, a, "", socialNow, strings.Replace(anaMessage, "evt-1", "evt-3", 1), nil)
		if r.status != 403 || !strings.Contains(string(r.body), "social.webhook_secret") {
			t.Errorf("no secret: %d %s", r.status, r.body)
		}
		if a.socialCounts() != before {
			t.Error("the webhook stored a message with no secret set")
		}
	})
}

// The route is limited per source: past the burst, 429 and nothing read.
func TestSocialWebhookIsRateLimited(t *testing.T) {
	a := startSocial(t, storetest.Open(t, store.SQLite))
	var last reply
	for range web.WebhookBurst + 1 {
		req, _ := http.NewRequest("POST", a.url+"/webhooks/social", bytes.NewReader([]byte("{}")))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = reply{resp.StatusCode, resp.Header, data}
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Fatalf("request %d of a burst: %d %s", web.WebhookBurst+1, last.status, last.body)
	}
}
