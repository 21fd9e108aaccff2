package web_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/desk"
	"quietdesk/internal/domain"
	"quietdesk/internal/notify"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/twilio"
)

const (
	twToken   = "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a90"
	twAccount = "AC0123456789abcdef0123456789abcdef"
)

// twilioFixture reads a collected Twilio request body (internal/twilio/testdata/SOURCE.md).
func twilioFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../twilio/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// twilioApp is a server whose site.url is its own address, with Twilio set up.
func twilioApp(t *testing.T, db *store.DB, settings ...string) *app {
	t.Helper()
	a := start(t, db)
	ctx := context.Background()
	kv := append([]string{store.SiteURLSetting, a.url, twilio.SettingAuthToken, twToken, twilio.SettingAccountSID, twAccount,
		twilio.SettingFrom, "+14155550000", twilio.SettingWhatsAppFrom, "whatsapp:+14155550001"}, settings...)
	for i := 0; i < len(kv); i += 2 {
		if err := db.SetSetting(ctx, kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// postTwilio posts a form body signed as Twilio signs it (sig "" signs it).
func (a *app) postTwilio(body, sig string) reply {
	a.t.Helper()
	if sig == "" {
		params, err := url.ParseQuery(body)
		if err != nil {
			a.t.Fatal(err)
		}
		sig = twilio.Signature(twToken, a.url+twilio.WebhookPath, params)
	}
	req, _ := http.NewRequest("POST", a.url+twilio.WebhookPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "-" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, data}
}

func (a *app) wantTwiML(r reply, contains string) {
	a.t.Helper()
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/xml") || !strings.Contains(string(r.body), contains) {
		a.t.Fatalf("status %d %s: %s; want TwiML with %s", r.status, r.header.Get("Content-Type"), r.body, contains)
	}
}

type twRowCounts map[string]int

func (a *app) twCounts(tables ...string) twRowCounts {
	out := twRowCounts{}
	for _, t := range tables {
		out[t] = a.count(t)
	}
	return out
}

var twTables = []string{"messages", "contacts", "conversations", "customers", "attachments", "opt_outs", "calls", "deliveries"}

func twSameCounts(t *testing.T, what string, got, want twRowCounts) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d %s, want %d", what, got[k], k, v)
		}
	}
}

func TestTwilioWhatsAppImageStoredOnceAndSigned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := twilioApp(t, db)
		body := twilioFixture(t, "botbuilder-community-js/whatsapp_image.form")
		empty := a.twCounts(twTables...)

		// Refused: unsigned, signed wrong, one byte changed.
		for name, r := range map[string]reply{
			"no signature":    a.postTwilio(body, "-"),
			"wrong signature": a.postTwilio(body, "RSOYDt4T1cUTdK1PDd93/VVr8B8="),
			"one byte changed": a.postTwilio(strings.Replace(body, "ME5f0afa", "ME5f0afb", 1),
				twilio.Signature(twToken, a.url+twilio.WebhookPath, mustQuery(t, body))),
		} {
			if r.status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403 (%s)", name, r.status, r.body)
			}
		}
		twSameCounts(t, "after refused requests", a.twCounts(twTables...), empty)

		a.wantTwiML(a.postTwilio(body, ""), "<Response/>")
		var m struct {
			channel, via, from, ext, body string
			contact                       *int64
		}
		if err := db.QueryRow(context.Background(), `SELECT channel, via, from_addr, external_id, body, contact_id FROM messages`).
			Scan(&m.channel, &m.via, &m.from, &m.ext, &m.body, &m.contact); err != nil {
			t.Fatal(err)
		}
		if m.channel != "social" || m.via != "whatsapp" || m.from != "whatsapp:+31612345678" || m.ext != "twilio:MM21151abfaadc1fb79b782f8460862a52" || m.body != "" || m.contact == nil {
			t.Errorf("message stored as %+v", m)
		}
		var name, ctype, link string
		var content []byte
		if err := db.QueryRow(context.Background(), `SELECT name, content_type, url, content FROM attachments`).Scan(&name, &ctype, &link, &content); err != nil {
			t.Fatal(err)
		}
		if name != "media-1.jpg" || ctype != "image/jpeg" || content != nil ||
			link != "https://api.twilio.com/2010-04-01/Accounts/AC1a03647d811fab342c0ad608e382fab2/Messages/MM21151abfaadc1fb79b782f8460862a52/Media/ME5f0afa2336bd0f73ca553fb5a2e3150bc" {
			t.Errorf("attachment %q %q %q content %v", name, ctype, link, content)
		}
		once := twRowCounts{"messages": 1, "contacts": 1, "conversations": 1, "customers": 1, "attachments": 1, "opt_outs": 0, "calls": 0}
		twSameCounts(t, "after the webhook", a.twCounts(twTables...), once)

		// Twilio retries: nothing new.
		a.wantTwiML(a.postTwilio(body, ""), "<Response/>")
		twSameCounts(t, "after the retry", a.twCounts(twTables...), once)

		// The conversation shows the picture as a link.
		var convID int64
		db.QueryRow(context.Background(), `SELECT id FROM conversations`).Scan(&convID)
		d, err := desk.LoadConversation(context.Background(), db, convID)
		if err != nil {
			t.Fatal(err)
		}
		if at := d.Messages[0].Attachments; len(at) != 1 || at[0].Link != link || !at[0].Kept {
			t.Errorf("conversation attachments %+v", at)
		}
		// And so does the customer's timeline.
		var customerID int64
		db.QueryRow(context.Background(), `SELECT customer_id FROM conversations`).Scan(&customerID)
		tl, err := desk.Timeline(context.Background(), db, customerID, desk.Cursor{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range tl.Items {
			if it.Message != nil && len(it.Message.Attachments) == 1 && it.Message.Attachments[0].URL == link {
				found = true
			}
		}
		if !found {
			t.Errorf("the timeline does not link the picture: %+v", tl.Items)
		}
	})
}

func mustQuery(t *testing.T, body string) url.Values {
	v, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTwilioRefusedWithoutAuthToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := twilioApp(t, db, twilio.SettingAuthToken, "")
		r := a.postTwilio(twilioFixture(t, "botbuilder-community-js/whatsapp_text.form"), "")
		if r.status != http.StatusForbidden || a.count("messages") != 0 {
			t.Errorf("status %d, %d messages; want 403 and none", r.status, a.count("messages"))
		}
	})
}

func TestTwilioJSONBodyWithBodySHA256(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := twilioApp(t, db)
		body := []byte(`{"MessageSid": "SM892512e202b34d4109b10a3893fa9640", "AccountSid": "AC1a03647d811fab342c0ad608e382fab2", "From": "+31612345678", "To": "+14123456789", "Body": "test", "NumMedia": "0"}`)
		path := twilio.WebhookPath + "?bodySHA256=" + twilio.BodySHA256(body)
		post := func(b []byte) int {
			req, _ := http.NewRequest("POST", a.url+path, strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Twilio-Signature", twilio.Signature(twToken, a.url+path, nil))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if s := post(append([]byte{}, strings.Replace(string(body), "test", "tesT", 1)...)); s != 403 || a.count("messages") != 0 {
			t.Fatalf("changed body: status %d, %d messages", s, a.count("messages"))
		}
		if s := post(body); s != 200 || a.count("messages") != 1 {
			t.Fatalf("status %d, %d messages", s, a.count("messages"))
		}
	})
}

// fakeTwilio stands in for api.twilio.com: it checks each request as the
// Messages resource documents it and answers with the library fixture, or
// with the error it is told to.
type fakeTwilio struct {
	t      *testing.T
	srv    *httptest.Server
	answer []byte
	mu     sync.Mutex
	forms  []url.Values
	fail   string // a JSON error body to answer 400 with
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{t: t, answer: []byte(twilioFixture(t, "twilio-python/message_create_response.json"))}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		f.mu.Lock()
		f.forms = append(f.forms, form)
		fail := f.fail
		f.mu.Unlock()
		switch {
		case r.Method != "POST" || r.URL.Path != "/2010-04-01/Accounts/"+twAccount+"/Messages.json":
			t.Errorf("request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(404)
		case !ok || user != twAccount || pass != twToken:
			t.Errorf("basic auth %q %q", user, pass)
			w.WriteHeader(401)
		case r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || form.Get("To") == "" || form.Get("Body") == "" || form.Get("From") == "":
			t.Errorf("form %v (%s)", form, r.Header.Get("Content-Type"))
			w.WriteHeader(400)
		case fail != "":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			io.WriteString(w, fail)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			w.Write(f.answer)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTwilio) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.forms)
}

func runOutbox(t *testing.T, db *store.DB) notify.Result {
	t.Helper()
	w := notify.NewWorker(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clocktest.Clock())
	res, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func reply1(t *testing.T, db *store.DB, convID int64, text string) (desk.Recorded, error) {
	var rec desk.Recorded
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		var err error
		rec, err = desk.SendReply(context.Background(), tx, desk.Reply{ConversationID: convID, Agent: "Dana", Text: text, At: clocktest.Default})
		return err
	})
	return rec, err
}

// smsBody is the collected WhatsApp body as plain SMS (SOURCE.md).
func smsBody(t *testing.T) string {
	return strings.ReplaceAll(twilioFixture(t, "botbuilder-community-js/whatsapp_text.form"), "whatsapp%3A", "")
}

func TestTwilioReplyDeliveredThenOptOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := newFakeTwilio(t)
		a := twilioApp(t, db, twilio.SettingAPIURL, fake.srv.URL)
		a.wantTwiML(a.postTwilio(smsBody(t), ""), "<Response/>")
		var convID int64
		var channel, via, from string
		db.QueryRow(ctx, `SELECT conversation_id, channel, via, from_addr FROM messages`).Scan(&convID, &channel, &via, &from)
		if channel != "sms" || via != "sms" || from != "+31612345678" {
			t.Fatalf("inbound SMS stored as %s/%s from %s", channel, via, from)
		}

		rec, err := reply1(t, db, convID, "Your parcel left our warehouse today.")
		if err != nil {
			t.Fatal(err)
		}
		var key, target, ch string
		if err := db.QueryRow(ctx, `SELECT d.key, d.target, d.channel FROM messages m JOIN deliveries d ON d.id = m.delivery_id WHERE m.id = ?`, rec.MessageID).Scan(&key, &target, &ch); err != nil {
			t.Fatal(err)
		}
		if ch != notify.ChannelTwilio || target != "+31612345678" || key != "reply:"+itoa(rec.MessageID) {
			t.Errorf("delivery %s %s %s", ch, target, key)
		}
		if res := runOutbox(t, db); res.Sent != 1 {
			t.Fatalf("outbox %+v", res)
		}
		want := url.Values{"To": {"+31612345678"}, "From": {"+14155550000"}, "Body": {"Your parcel left our warehouse today."}, "StatusCallback": {a.url + "/webhooks/twilio"}}
		if got := fake.forms[0]; got.Encode() != want.Encode() {
			t.Errorf("sent form %v, want %v", got, want)
		}
		var provider string
		db.QueryRow(ctx, `SELECT provider_id FROM deliveries`).Scan(&provider)
		if provider != "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
			t.Errorf("provider_id %q", provider)
		}

		// Twilio's status callbacks for it (the collected ones, naming the sid Twilio answered with).
		delivered := strings.ReplaceAll(twilioFixture(t, "botbuilder-community-js/status_delivered.form"), "SMdf55df64a2ff4920bb0748193cfbb640", provider)
		sent := strings.ReplaceAll(twilioFixture(t, "botbuilder-community-js/status_sent.form"), "SM0cec4ed334e74bcbb64eb8b6684e9654", provider)
		a.wantTwiML(a.postTwilio(delivered, ""), "<Response/>")
		a.wantTwiML(a.postTwilio(sent, ""), "<Response/>") // late: does not undo delivered
		d, err := desk.LoadConversation(ctx, db, convID)
		if err != nil {
			t.Fatal(err)
		}
		if last := d.Messages[len(d.Messages)-1]; last.Status != "delivered" || last.Direction != "out" {
			t.Errorf("reply status %q (%s), want delivered", last.Status, last.Direction)
		}

		// The next reply: Twilio refuses with 21610; the opt-out is recorded.
		fake.mu.Lock()
		fake.fail = `{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}`
		fake.mu.Unlock()
		if _, err := reply1(t, db, convID, "Anything else?"); err != nil {
			t.Fatal(err)
		}
		if res := runOutbox(t, db); res.Failed != 1 {
			t.Fatalf("outbox after 21610: %+v", res)
		}
		var reason string
		if err := db.QueryRow(ctx, `SELECT reason FROM opt_outs WHERE address = '+31612345678'`).Scan(&reason); err != nil {
			t.Fatalf("no opt-out recorded: %v", err)
		}
		before, deliveries := fake.requests(), a.count("deliveries")
		_, err = reply1(t, db, convID, "Hello?")
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EConflict || !strings.Contains(err.Error(), "opted out") {
			t.Fatalf("reply to an opted-out number: %v", err)
		}
		runOutbox(t, db)
		if fake.requests() != before || a.count("deliveries") != deliveries {
			t.Errorf("a refused reply made %d requests and %d deliveries", fake.requests()-before, a.count("deliveries")-deliveries)
		}

		// START lifts it.
		start := strings.Replace(strings.Replace(smsBody(t), "Body=test", "Body=START", 1), "SM892512e202b34d4109b10a3893fa9640", "SM892512e202b34d4109b10a3893fa9641", -1)
		a.wantTwiML(a.postTwilio(start, ""), "<Response/>")
		if a.count("opt_outs") != 0 {
			t.Error("START did not lift the opt-out")
		}
	})
}

func TestTwilioStopRefusesReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := twilioApp(t, db)
		stop := strings.Replace(twilioFixture(t, "botbuilder-community-js/whatsapp_text.form"), "Body=test", "Body=STOP", 1)
		a.wantTwiML(a.postTwilio(stop, ""), "<Response/>")
		var addr string
		if err := db.QueryRow(context.Background(), `SELECT address FROM opt_outs`).Scan(&addr); err != nil || addr != "whatsapp:+31612345678" {
			t.Fatalf("opt-out %q %v", addr, err)
		}
		var convID int64
		db.QueryRow(context.Background(), `SELECT id FROM conversations`).Scan(&convID)
		if _, err := reply1(t, db, convID, "Sorry to see you go"); err == nil || a.count("deliveries") != 0 {
			t.Errorf("reply after STOP: %v, %d deliveries", err, a.count("deliveries"))
		}
	})
}

func TestTwilioVoiceCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := twilioApp(t, db)
		call := func(sid, status string, extra ...string) url.Values {
			v := url.Values{"CallSid": {sid}, "AccountSid": {twAccount}, "From": {"+14158675309"}, "To": {"+18005551212"}, "Caller": {"+14158675309"},
				"CallStatus": {status}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"}}
			for i := 0; i < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return v
		}
		const sid = "CA1234567890ABCDE1234567890ABCDE1"
		a.wantTwiML(a.postTwilio(call(sid, "ringing").Encode(), ""), `<Record action="`+a.url+`/webhooks/twilio"`)
		var body string
		var contact int64
		db.QueryRow(ctx, `SELECT body, contact_id FROM messages WHERE channel = 'voice'`).Scan(&body, &contact)
		if body != "Call from +14158675309" || contact == 0 {
			t.Fatalf("call message %q contact %d", body, contact)
		}
		a.wantTwiML(a.postTwilio(call(sid, "ringing").Encode(), ""), "<Record") // retried: same answer, nothing new
		a.wantTwiML(a.postTwilio(call(sid, "completed", "CallDuration", "252").Encode(), ""), "<Response/>")
		a.wantTwiML(a.postTwilio(call(sid, "completed", "CallDuration", "252").Encode(), ""), "<Response/>")
		var handle int64
		db.QueryRow(ctx, `SELECT handle_seconds FROM contacts WHERE id = ?`, contact).Scan(&handle)
		db.QueryRow(ctx, `SELECT body FROM messages WHERE channel = 'voice'`).Scan(&body)
		if handle != 252 || body != "Call from +14158675309, 4 min 12 s" {
			t.Errorf("after the call: handle %d, body %q", handle, body)
		}
		rec := call(sid, "completed", "RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/"+twAccount+"/Recordings/RE0123456789abcdef0123456789abcdef", "RecordingDuration", "31")
		a.wantTwiML(a.postTwilio(rec.Encode(), ""), "<Response/>")
		a.wantTwiML(a.postTwilio(rec.Encode(), ""), "<Response/>")
		var name, link string
		if err := db.QueryRow(ctx, `SELECT name, url FROM attachments`).Scan(&name, &link); err != nil || name != "Voicemail (31 s)" || link != rec.Get("RecordingUrl") {
			t.Errorf("recording %q %q %v", name, link, err)
		}

		// A missed call, forwarded this time.
		db.SetSetting(ctx, twilio.SettingVoiceForward, "+15550001111")
		const missed = "CA1234567890ABCDE1234567890ABCDE2"
		a.wantTwiML(a.postTwilio(call(missed, "ringing", "From", "+14155550199").Encode(), ""), "<Dial>+15550001111</Dial>")
		a.wantTwiML(a.postTwilio(call(missed, "no-answer", "From", "+14155550199", "CallDuration", "0").Encode(), ""), "<Response/>")
		var outcome string
		db.QueryRow(ctx, `SELECT c.outcome, m.body FROM calls c JOIN messages m ON m.id = c.message_id WHERE c.call_sid = ?`, missed).Scan(&outcome, &body)
		if outcome != "missed" || body != "Missed call from +14155550199 (no-answer)" {
			t.Errorf("missed call: %q %q", outcome, body)
		}
		twSameCounts(t, "calls", a.twCounts("calls", "contacts", "attachments"), twRowCounts{"calls": 2, "contacts": 2, "attachments": 1})
	})
}
