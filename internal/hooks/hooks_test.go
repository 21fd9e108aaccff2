package hooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/commerce"
	"quietdesk/internal/desk"
	"quietdesk/internal/hooks"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 23, 10, 15, 0, 0, time.UTC)

// The worked example of docs/webhooks.md, computed there with openssl.
func TestSignMatchesTheDocumentedExample(t *testing.T) {
	body := `{"id":"evt-1","platform":"instagram","account":"@brand","sender":{"id":"1789","handle":"@ana","name":"Ana"},"text":"Where is my order?","sent_at":"2026-11-23T10:14:58Z"}`
	got := hooks.Sign("my-shared-secret-123", 1795428900, []byte(body))
	if want := "v1=d7a5874dd3677c4b7eb8c215b068004ef251c0e4ac02997ad684fe632c4ef84d"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if err := hooks.Verify("my-shared-secret-123", "1795428900", got, []byte(body), t0); err != nil {
		t.Fatalf("Verify of its own signature: %v", err)
	}
	for name, c := range map[string]struct {
		ts, sig, body string
		now           time.Time
		kind          error
	}{
		"one byte changed":   {"1795428900", got, strings.Replace(body, "order", "ordes", 1), t0, hooks.ErrSignature},
		"timestamp moved":    {"1795428901", got, body, t0, hooks.ErrSignature},
		"no signature":       {"1795428900", "", body, t0, hooks.ErrSignature},
		"no timestamp":       {"", got, body, t0, hooks.ErrSignature},
		"6 minutes late":     {"1795428900", got, body, t0.Add(6 * time.Minute), hooks.ErrStale},
		"6 minutes early":    {"1795428900", got, body, t0.Add(-6 * time.Minute), hooks.ErrStale},
		"not v1":             {"1795428900", strings.Replace(got, "v1=", "v0=", 1), body, t0, hooks.ErrSignature},
		"4:59 late is fine":  {"1795428900", got, body, t0.Add(4*time.Minute + 59*time.Second), nil},
		"rotating: 2 values": {"1795428900", "v1=00," + got, body, t0, nil},
	} {
		err := hooks.Verify("my-shared-secret-123", c.ts, c.sig, []byte(c.body), c.now)
		if c.kind == nil && err != nil || c.kind != nil && (err == nil || !errorsIs(err, c.kind)) {
			t.Errorf("%s: Verify = %v, want %v", name, err, c.kind)
		}
	}
}

func errorsIs(err, target error) bool {
	for e := err; e != nil; {
		if e == target {
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// receiver is a subscriber's endpoint: it checks each post's signature as
// docs/webhooks.md tells a receiver to, with its own HMAC, and keeps what
// it got.
type receiver struct {
	t      *testing.T
	secret string
	now    func() time.Time
	status int // answer; 200 when 0

	mu    sync.Mutex
	posts []post
}

type post struct {
	event string
	body  hooks.Envelope
	raw   []byte
	ts    int64
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("%s with Content-Type %q, want POST application/json", r.Method, r.Header.Get("Content-Type"))
	}
	ts := r.Header.Get("X-Quietdesk-Timestamp")
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get("X-Quietdesk-Signature")), []byte(want)) {
		rc.t.Errorf("signature %q does not verify (want %s)", r.Header.Get("X-Quietdesk-Signature"), want)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	n, _ := strconv.ParseInt(ts, 10, 64)
	if d := rc.now().Sub(time.Unix(n, 0)); d < 0 || d > time.Second {
		rc.t.Errorf("timestamp %s is %s from the sender's now: it must be signed at send time", ts, d)
	}
	var env hooks.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		rc.t.Errorf("body is not JSON: %v", err)
	}
	if env.Type != r.Header.Get("X-Quietdesk-Event") {
		rc.t.Errorf("X-Quietdesk-Event %q, body type %q", r.Header.Get("X-Quietdesk-Event"), env.Type)
	}
	rc.mu.Lock()
	rc.posts = append(rc.posts, post{event: env.Type, body: env, raw: body, ts: n})
	status := rc.status
	rc.mu.Unlock()
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
}

func (rc *receiver) got() []post {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]post(nil), rc.posts...)
}

// fakeTime is the worker's clock, moved by the test.
type fakeTime struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeTime) Now() time.Time  { f.mu.Lock(); defer f.mu.Unlock(); return f.t }
func (f *fakeTime) Set(t time.Time) { f.mu.Lock(); defer f.mu.Unlock(); f.t = t }

func worker(db *store.DB, now *fakeTime) *notify.Worker {
	// Senders nil: built from the settings as serve builds them, so the
	// hook channel's registered sender is the one used.
	return notify.NewWorker(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Clock(now.Now))
}

func record(t *testing.T, db *store.DB, m desk.Message) desk.Recorded {
	t.Helper()
	var rec desk.Recorded
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		rec, err = desk.RecordMessage(context.Background(), tx, commerce.NewCustomers(clock.Fixed(m.At)), m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func hostileMessage(at time.Time) desk.Message {
	return desk.Message{ExternalID: "social:instagram:m1", Customer: commerce.CustomerRef{System: "instagram", ExternalID: "1789", Name: `Ana "<b>"`},
		Channel: "social", Via: "instagram", Author: "customer", Body: "Where is my order? </script><img src=x onerror=alert(1)> \"quoted\"",
		At: at, Received: at, FromAddr: "@ana"}
}

func TestSubscriberGetsSignedEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := &fakeTime{t: t0}
		rc := &receiver{t: t, now: now.Now}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		all, err := hooks.Add(ctx, db, hooks.New{URL: srv.URL + "/all", Events: []string{"message.created", "conversation.updated", "conversation.created"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		rc.secret = all.Secret
		if !strings.HasPrefix(all.Secret, "whsec_") || len(all.Secret) != 6+64 {
			t.Fatalf("secret %q", all.Secret)
		}
		if strings.Join(all.Events, ",") != "conversation.created,conversation.updated,message.created" {
			t.Fatalf("events %v, want them in the documented order", all.Events)
		}
		if err := db.SetSetting(ctx, store.SiteURLSetting, "https://desk.example.com/"); err != nil {
			t.Fatal(err)
		}

		rec := record(t, db, hostileMessage(t0))
		// A transaction that rolls back sends nothing.
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			m := hostileMessage(t0)
			m.ExternalID, m.Customer.ExternalID = "social:instagram:m2", "2000"
			if _, err := desk.RecordMessage(ctx, tx, commerce.NewCustomers(clock.Fixed(t0)), m); err != nil {
				return err
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatal(err)
		}
		now.Set(t0.Add(10 * time.Second))
		res, err := worker(db, now).RunOnce(ctx)
		if err != nil || res.Sent != 2 || res.Failed+res.Retrying != 0 {
			t.Fatalf("RunOnce = %+v, %v; want 2 sent", res, err)
		}
		posts := rc.got()
		if len(posts) != 2 || posts[0].event != "conversation.created" || posts[1].event != "message.created" {
			t.Fatalf("posts %v, want conversation.created then message.created", posts)
		}
		if posts[0].ts != t0.Add(10*time.Second).Unix() {
			t.Errorf("signed at %d, want the send time", posts[0].ts)
		}
		conv := strconv.FormatInt(rec.ConversationID, 10)
		var got map[string]any
		if err := json.Unmarshal(posts[1].raw, &got); err != nil {
			t.Fatal(err)
		}
		wantJSON := `{"id":"evt_2","type":"message.created","created_at":"2026-11-23T10:15:00Z","data":{
			"conversation":{"id":` + conv + `,"state":"open","channel":"social","subject":"","assignee":null,"team":null,
				"created_at":"2026-11-23T10:15:00Z","last_message_at":"2026-11-23T10:15:00Z","closed_at":null,"url":"https://desk.example.com/conversations/` + conv + `"},
			"message":{"id":` + strconv.FormatInt(rec.MessageID, 10) + `,"conversation_id":` + conv + `,"direction":"in","author":"customer","channel":"social","via":"instagram",
				"kind":"message","subject":"","text":"Where is my order? </script><img src=x onerror=alert(1)> \"quoted\"","from":"@ana","at":"2026-11-23T10:15:00Z",
				"external_id":"social:instagram:m1","attachments":[]},
			"customer":{"id":1,"name":"Ana \"<b>\"","address":"@ana","channel":"social","via":"instagram","identities":[{"kind":"instagram","value":"1789"}]}}}`
		var want map[string]any
		if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(got), mustJSON(want); a != b {
			t.Errorf("message.created payload\n got %s\nwant %s", a, b)
		}
		// Customer text is JSON-encoded, never written into the payload raw.
		if strings.Contains(string(posts[1].raw), "<img") || !strings.Contains(string(posts[1].raw), `\u003cimg`) {
			t.Errorf("the payload carries markup unescaped: %s", posts[1].raw)
		}

		// An agent closes it: conversation.updated with the state before.
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := desk.SetState(ctx, tx, desk.Actor{Name: "Dana"}, rec.ConversationID, "closed", t0.Add(time.Minute))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		now.Set(t0.Add(2 * time.Minute))
		if res, err := worker(db, now).RunOnce(ctx); err != nil || res.Sent != 1 {
			t.Fatalf("RunOnce = %+v, %v; want 1 sent", res, err)
		}
		posts = rc.got()
		upd := posts[len(posts)-1].body
		if upd.Type != "conversation.updated" || upd.Data.Conversation.State != "closed" || strings.Join(upd.Data.Changed, ",") != "state" ||
			upd.Data.Previous.State != "open" || upd.Data.Conversation.ClosedAt == nil || *upd.Data.Conversation.ClosedAt != "2026-11-23T10:16:00Z" {
			t.Errorf("conversation.updated = %s", posts[len(posts)-1].raw)
		}

		// An agent's reply carries where it goes: the customer's handle
		// and platform, for a bridge to deliver.
		err = db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := desk.SendReply(ctx, tx, desk.Reply{ConversationID: rec.ConversationID, Agent: "Dana", Text: "It ships today.", At: t0.Add(3 * time.Minute)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		now.Set(t0.Add(4 * time.Minute))
		if _, err := worker(db, now).RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		var reply *post
		for _, p := range rc.got() {
			if p.event == "message.created" && p.body.Data.Message.Direction == "out" {
				reply = &p
			}
		}
		if reply == nil {
			t.Fatalf("no message.created for the reply: %v", rc.got())
		}
		m, c := reply.body.Data.Message, reply.body.Data.Customer
		if m.Text != "It ships today." || m.Author != "agent" || m.Channel != "social" || c.Address != "@ana" || c.Via != "instagram" {
			t.Errorf("reply payload %s", reply.raw)
		}

		log, err := hooks.Log(ctx, db, all.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) < 4 || log[len(log)-1].Event != "conversation.created" || log[len(log)-1].Status != "sent" || log[len(log)-1].Attempts != 1 {
			t.Fatalf("log %+v", log)
		}
		sub, err := hooks.Get(ctx, db, all.ID)
		if err != nil || sub.LastSuccessAt == nil || sub.Failures != 0 {
			t.Fatalf("subscriber after successes: %+v, %v", sub, err)
		}
		var events int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM webhook_events`).Scan(&events); err != nil || events != len(log) {
			t.Errorf("%d events stored for %d deliveries (the rolled-back message must leave none): %v", events, len(log), err)
		}
	})
}

var errRollback = errorString("roll back")

type errorString string

func (e errorString) Error() string { return string(e) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A subscriber that only fails is retried with notify's backoff, then
// disabled after 24 hours of failures; it gets no new events until it is
// enabled again.
func TestFailingSubscriberIsRetriedThenDisabled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := &fakeTime{t: t0}
		rc := &receiver{t: t, now: now.Now, status: http.StatusServiceUnavailable}
		srv := httptest.NewServer(rc)
		defer srv.Close()
		sub, err := hooks.Add(ctx, db, hooks.New{URL: srv.URL, Events: []string{"message.created"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		rc.secret = sub.Secret
		record(t, db, hostileMessage(t0))

		// The attempts of one delivery, each when notify's backoff makes
		// it due: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h after the last.
		at := t0
		for i, wait := range []time.Duration{0, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
			at = at.Add(wait)
			now.Set(at)
			if _, err := worker(db, now).RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(rc.got()); got != i+1 {
				t.Fatalf("after attempt %d at %s the receiver saw %d posts", i+1, at, got)
			}
			s, err := hooks.Get(ctx, db, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			if s.Failures != i+1 {
				t.Errorf("attempt %d: failures %d", i+1, s.Failures)
			}
			// 20h36m after the first failure it is still waited for;
			// the 8th attempt, 44h36m after, disables it.
			if disabled := s.DisabledAt != nil; disabled != (i == 7) {
				t.Fatalf("attempt %d at +%s: disabled %v", i+1, at.Sub(t0), disabled)
			}
			if i == 7 && (!strings.Contains(s.DisabledReason, "8 posts failed since 2026-11-23T10:15:00Z") || !strings.Contains(s.DisabledReason, "503")) {
				t.Errorf("disabled reason %q", s.DisabledReason)
			}
		}
		log, err := hooks.Log(ctx, db, sub.ID, 10)
		if err != nil || len(log) != 1 || log[0].Status != "failed" || log[0].Attempts != 8 || !strings.Contains(log[0].LastError, "503") {
			t.Fatalf("log %+v, %v", log, err)
		}

		// Disabled: a new message queues nothing for it.
		m := hostileMessage(at)
		m.ExternalID = "social:instagram:m9"
		record(t, db, m)
		if log, _ := hooks.Log(ctx, db, sub.ID, 10); len(log) != 1 {
			t.Fatalf("a disabled subscriber got a delivery: %+v", log)
		}

		// Enabled again, with a clean record, and a working receiver.
		s, err := hooks.Enable(ctx, db, sub.ID)
		if err != nil || s.DisabledAt != nil || s.Failures != 0 || s.FailingSince != nil || s.DisabledReason != "" {
			t.Fatalf("Enable = %+v, %v", s, err)
		}
		rc.mu.Lock()
		rc.status = http.StatusNoContent
		rc.mu.Unlock()
		m.ExternalID = "social:instagram:m10"
		m.At, m.Received = at.Add(time.Minute), at.Add(time.Minute)
		record(t, db, m)
		now.Set(at.Add(2 * time.Minute))
		if res, err := worker(db, now).RunOnce(ctx); err != nil || res.Sent != 1 {
			t.Fatalf("RunOnce after enabling = %+v, %v", res, err)
		}
	})
}

// A subscriber removed while a post waits: the post fails for good
// saying so, and no further events are queued.
func TestRemovedSubscriberGetsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := &fakeTime{t: t0}
		sub, err := hooks.Add(ctx, db, hooks.New{URL: "http://127.0.0.1:1/never", Events: []string{"message.created"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		record(t, db, hostileMessage(t0))
		if err := hooks.Remove(ctx, db, sub.ID); err != nil {
			t.Fatal(err)
		}
		res, err := worker(db, now).RunOnce(ctx)
		if err != nil || res.Failed != 1 {
			t.Fatalf("RunOnce = %+v, %v", res, err)
		}
		failed, err := notify.Failed(ctx, db)
		if err != nil || len(failed) != 1 || !strings.Contains(failed[0].LastError, "was removed") {
			t.Fatalf("failed deliveries %+v, %v", failed, err)
		}
		if err := hooks.Remove(ctx, db, sub.ID); err == nil {
			t.Error("removing it twice did not say it is gone")
		}
	})
}

func TestAddRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for _, c := range []struct {
			n     hooks.New
			field string
		}{
			{hooks.New{URL: "ftp://x", Events: []string{"message.created"}}, "url"},
			{hooks.New{URL: "https://u:p@x.example", Events: []string{"message.created"}}, "url"},
			{hooks.New{URL: "https://x.example"}, "events"},
			{hooks.New{URL: "https://x.example", Events: []string{"message.deleted"}}, "events"},
		} {
			_, err := hooks.Add(ctx, db, c.n, t0)
			if err == nil || !strings.Contains(err.Error(), c.field+":") {
				t.Errorf("Add(%+v) = %v, want an error naming %s", c.n, err, c.field)
			}
		}
		if list, _ := hooks.List(ctx, db); len(list) != 0 {
			t.Fatalf("bad input stored %d subscribers", len(list))
		}
	})
}
