package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

const (
	widgetOrigin = "https://shop.example"
	widgetSecret = "0123456789abcdef0123456789abcdef-brand"
)

// startChat is a desk whose widget may run on widgetOrigin.
func startChat(t *testing.T, db *store.DB) *deskSite {
	t.Helper()
	d := startDesk(t, db)
	ctx := context.Background()
	for k, v := range map[string]string{chat.SettingOrigins: widgetOrigin, chat.SettingSecret: widgetSecret} {
		if err := db.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// widget sends a request as the widget on a page of origin does.
func (d *deskSite) chatCall(method, path, origin, visitor string, hdr map[string]string, body any) reply {
	d.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case *multipart.Writer:
		d.t.Fatal("pass the form's bytes")
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	default:
		data, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, d.url+path, rd)
	if err != nil {
		d.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if visitor != "" {
		req.Header.Set("X-Quietdesk-Visitor", visitor)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, data}
}

// newChatVisitor opens a session as a new anonymous visitor.
func (d *deskSite) newChatVisitor() string {
	d.t.Helper()
	r := d.chatCall("POST", "/chat/session", widgetOrigin, "", nil, nil)
	if r.status != http.StatusOK {
		d.t.Fatalf("session: %d %s", r.status, r.body)
	}
	v, _ := r.json(d.t)["visitor"].(string)
	if !strings.HasPrefix(v, "qv_") {
		d.t.Fatalf("no visitor token: %s", r.body)
	}
	return v
}

func wantChatProblem(t *testing.T, r reply, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if field == "" {
		return
	}
	if !strings.Contains(string(r.body), `"field":"`+field+`"`) {
		t.Fatalf("the answer names no problem with %s: %s", field, r.body)
	}
}

func TestWidgetScript(t *testing.T) {
	d := startChat(t, storetest.Open(t, store.SQLite))
	r := d.chatCall("GET", "/widget.js", "", "", nil, nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
		!strings.Contains(r.header.Get("Cache-Control"), "max-age=86400") || r.header.Get("ETag") == "" ||
		r.header.Get("Cross-Origin-Resource-Policy") != "cross-origin" || !bytes.Contains(r.body, []byte(`data-slot="suggestions"`)) {
		t.Fatalf("GET /widget.js: %d %v", r.status, r.header)
	}
	again := d.chatCall("GET", "/widget.js", "", "", map[string]string{"If-None-Match": r.header.Get("ETag")}, nil)
	if again.status != http.StatusNotModified || len(again.body) != 0 {
		t.Errorf("revalidation: %d, %d bytes", again.status, len(again.body))
	}
}

func TestChatCORS(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	d := startChat(t, db)
	pre := d.chatCall("OPTIONS", "/chat/messages", widgetOrigin, "", map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-quietdesk-visitor"}, nil)
	if pre.status != http.StatusNoContent || pre.header.Get("Access-Control-Allow-Origin") != widgetOrigin ||
		!strings.Contains(pre.header.Get("Access-Control-Allow-Headers"), "X-Quietdesk-Visitor") || pre.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v", pre.status, pre.header)
	}
	for _, origin := range []string{"https://evil.example", "https://shop.example.evil.example", "null"} {
		r := d.chatCall("POST", "/chat/session", origin, "", nil, nil)
		wantChatProblem(t, r, http.StatusForbidden, "")
		if r.header.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(string(r.body), "chat.origins") {
			t.Errorf("from %s: %v %s", origin, r.header, r.body)
		}
		if p := d.chatCall("OPTIONS", "/chat/session", origin, "", nil, nil); p.status != http.StatusForbidden {
			t.Errorf("preflight from %s: %d", origin, p.status)
		}
	}
	if n := d.count("chat_visitors"); n != 0 {
		t.Errorf("refused origins made %d visitors", n)
	}
	r := d.chatCall("POST", "/chat/session", widgetOrigin, "", nil, nil)
	if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != widgetOrigin || !strings.Contains(r.header.Get("Vary"), "Origin") {
		t.Errorf("an allowed origin: %d %v", r.status, r.header)
	}
}

func TestChatSession(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	d := startChat(t, db)
	v := d.newChatVisitor()
	// The same visitor again: no new token, no new row.
	r := d.chatCall("POST", "/chat/session", widgetOrigin, v, nil, nil)
	got := r.json(t)
	if r.status != http.StatusOK || got["visitor"] != nil || got["identified"] != false || got["open"] != true || got["greeting"] != chat.DefaultGreeting || d.count("chat_visitors") != 1 {
		t.Fatalf("session again: %d %s (%d visitors)", r.status, r.body, d.count("chat_visitors"))
	}
	// An unknown token gets a fresh visitor.
	if r := d.chatCall("POST", "/chat/session", widgetOrigin, "qv_unknown", nil, nil); r.status != http.StatusOK || r.json(t)["visitor"] == nil {
		t.Errorf("unknown token: %d %s", r.status, r.body)
	}
	ok, _ := chat.Sign(widgetSecret, chat.Identity{Email: "ann@example.com", Name: "Ann Lee", Exp: now.Add(time.Hour).Unix()})
	r = d.chatCall("POST", "/chat/session", widgetOrigin, v, map[string]string{"X-Quietdesk-Identity": ok}, nil)
	if got := r.json(t); r.status != http.StatusOK || got["identified"] != true || got["name"] != "Ann Lee" || got["email_known"] != true {
		t.Errorf("identified: %d %s", r.status, r.body)
	}
	expired, _ := chat.Sign(widgetSecret, chat.Identity{Email: "ann@example.com", Exp: now.Add(-time.Second).Unix()})
	forged, _ := chat.Sign("another-secret-another-secret-another", chat.Identity{Email: "ann@example.com", Exp: now.Add(time.Hour).Unix()})
	for name, tok := range map[string]string{"expired": expired, "forged": forged, "garbage": "x.y"} {
		r := d.chatCall("POST", "/chat/session", widgetOrigin, v, map[string]string{"X-Quietdesk-Identity": tok}, nil)
		wantChatProblem(t, r, http.StatusUnauthorized, "")
		if name == "expired" && !strings.Contains(string(r.body), "expired") {
			t.Errorf("expired: %s", r.body)
		}
	}
	// Away outside the chat hours (the test clock is a Wednesday, 10:00 UTC).
	db.SetSetting(context.Background(), chat.SettingHours, "Sat-Sun 10:00-12:00")
	db.SetSetting(context.Background(), chat.SettingAway, "Back at the weekend.")
	if got := d.chatCall("POST", "/chat/session", widgetOrigin, v, nil, nil).json(t); got["open"] != false || got["away_message"] != "Back at the weekend." {
		t.Errorf("away: %v", got)
	}
}

func TestChatMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startChat(t, db)
		v := d.newChatVisitor()
		post := func(body any) reply { return d.chatCall("POST", "/chat/messages", widgetOrigin, v, nil, body) }

		wantChatProblem(t, post(obj{"text": "hi"}), http.StatusBadRequest, "client_id")
		wantChatProblem(t, post(obj{"client_id": "abcdefgh1", "text": " "}), http.StatusBadRequest, "text")
		wantChatProblem(t, post(obj{"client_id": "abcdefgh1", "text": "hi", "extra": 1}), http.StatusBadRequest, "body")
		wantChatProblem(t, post([]byte(`{"client_id": `)), http.StatusBadRequest, "body")
		wantChatProblem(t, d.chatCall("POST", "/chat/messages", widgetOrigin, "qv_nobody", nil, obj{"client_id": "abcdefgh1", "text": "hi"}), http.StatusUnauthorized, "")
		wantChatProblem(t, d.chatCall("POST", "/chat/messages", widgetOrigin, "", nil, obj{"client_id": "abcdefgh1", "text": "hi"}), http.StatusUnauthorized, "")
		if n := d.count("messages"); n != 0 {
			t.Fatalf("bad posts stored %d messages", n)
		}

		first := post(obj{"client_id": "abcdefgh1", "text": "Do you ship to Norway?"})
		if first.status != http.StatusOK {
			t.Fatalf("post: %d %s", first.status, first.body)
		}
		again := post(obj{"client_id": "abcdefgh1", "text": "Do you ship to Norway?"})
		if again.json(t)["duplicate"] != true || d.count("messages") != 1 || d.count("contacts") != 1 {
			t.Errorf("the same post twice: %s; %d messages", again.body, d.count("messages"))
		}
		var channel, author, session string
		db.QueryRow(context.Background(), `SELECT channel, author, session_id FROM messages`).Scan(&channel, &author, &session)
		if channel != "chat" || author != "customer" || session == "" {
			t.Errorf("stored as %s by %s in session %q", channel, author, session)
		}

		// A file: a PNG is kept as an attachment; a program is refused.
		png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
		form := func(name string, data []byte) reply {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			mw.WriteField("client_id", "file-"+strings.ReplaceAll(name, ".", "-"))
			mw.WriteField("text", "see this")
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(data)
			mw.Close()
			return d.chatCall("POST", "/chat/messages", widgetOrigin, v, map[string]string{"Content-Type": mw.FormDataContentType()}, b.Bytes())
		}
		if r := form("label.png", png); r.status != http.StatusOK {
			t.Fatalf("a PNG: %d %s", r.status, r.body)
		}
		wantChatProblem(t, form("setup.exe", []byte("MZ\x90\x00\x03\x00\x00\x00")), http.StatusBadRequest, "file")
		var name, ctype string
		var size int
		db.QueryRow(context.Background(), `SELECT name, content_type, size FROM attachments`).Scan(&name, &ctype, &size)
		if d.count("attachments") != 1 || name != "label.png" || ctype != "image/png" || size != len(png) {
			t.Errorf("attachments: %d, %s %s %d", d.count("attachments"), name, ctype, size)
		}
		// Agents open it from the conversation.
		var id int64
		db.QueryRow(context.Background(), `SELECT id FROM attachments`).Scan(&id)
		if r := d.do("GET", fmt.Sprintf("/api/v1/attachments/%d", id), "Bearer "+d.deskToken, nil); r.status != http.StatusOK || !bytes.Equal(r.body, png) {
			t.Errorf("the agent's download: %d", r.status)
		}
		if r := d.chatCall("POST", "/chat/messages", widgetOrigin, v, map[string]string{"Content-Type": "text/plain"}, []byte("hi")); r.status != http.StatusBadRequest {
			t.Errorf("text/plain: %d", r.status)
		}
	})
}

func TestChatSeenTypingEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startChat(t, db)
		a, b := d.newChatVisitor(), d.newChatVisitor()
		post := func(v, id, text string) int64 {
			r := d.chatCall("POST", "/chat/messages", widgetOrigin, v, nil, obj{"client_id": id, "text": text})
			if r.status != http.StatusOK {
				t.Fatalf("post: %d %s", r.status, r.body)
			}
			return int64(r.json(t)["conversation_id"].(float64))
		}
		convA := post(a, "seen-a-01", "hello")
		post(b, "seen-b-01", "hello too")
		var msgB int64
		db.QueryRow(context.Background(), `SELECT id FROM messages WHERE body = 'hello too'`).Scan(&msgB)

		wantChatProblem(t, d.chatCall("POST", "/chat/seen", widgetOrigin, a, nil, obj{}), http.StatusBadRequest, "message_id")
		wantChatProblem(t, d.chatCall("POST", "/chat/seen", widgetOrigin, a, nil, obj{"message_id": msgB}), http.StatusNotFound, "")
		wantChatProblem(t, d.chatCall("POST", "/chat/seen", widgetOrigin, a, nil, obj{"message_id": 99999}), http.StatusNotFound, "")
		wantChatProblem(t, d.chatCall("POST", "/chat/email", widgetOrigin, a, nil, obj{"email": "not an address"}), http.StatusBadRequest, "email")
		if r := d.chatCall("POST", "/chat/email", widgetOrigin, a, nil, obj{"email": "ann@example.com"}); r.status != http.StatusNoContent {
			t.Fatalf("email: %d %s", r.status, r.body)
		}
		state := func() map[string]any {
			r := d.do("GET", fmt.Sprintf("/chat/conversations/%d/visitor", convA), "Bearer "+d.deskToken, nil)
			if r.status != http.StatusOK {
				t.Fatalf("visitor state: %d %s", r.status, r.body)
			}
			return r.json(t)
		}
		if got := state(); got["typing"] != false || got["email"] != "ann@example.com" {
			t.Errorf("before typing: %v", got)
		}
		if r := d.chatCall("POST", "/chat/typing", widgetOrigin, a, nil, obj{}); r.status != http.StatusNoContent {
			t.Fatalf("typing: %d %s", r.status, r.body)
		}
		if got := state(); got["typing"] != true {
			t.Errorf("after typing: %v", got)
		}
		d.clock.Add(10 * time.Second)
		if got := state(); got["typing"] != false {
			t.Errorf("ten seconds later: %v", got)
		}
		// The visitor's state is for the desk only.
		if r := d.do("GET", fmt.Sprintf("/chat/conversations/%d/visitor", convA), "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("without a token: %d", r.status)
		}
	})
}

// chatEvent is one event read from a stream.
type chatEvent struct {
	name string
	data map[string]any
}

// openChatStream opens a visitor's stream and returns its events as they come.
func (d *deskSite) openChatStream(ctx context.Context, visitor string, hdr map[string]string) <-chan chatEvent {
	d.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", d.url+"/chat/stream", nil)
	req.Header.Set("Origin", widgetOrigin)
	req.Header.Set("X-Quietdesk-Visitor", visitor)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		d.t.Fatalf("stream: %d %v", resp.StatusCode, resp.Header)
	}
	out := make(chan chatEvent, 16)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev chatEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(line[6:]), &ev.data)
			case line == "" && ev.name != "":
				out <- ev
				ev = chatEvent{}
			}
		}
	}()
	return out
}

func nextChatEvent(t *testing.T, events <-chan chatEvent, name string, within time.Duration) chatEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended before a %s event", name)
			}
			if ev.name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", name, within)
		}
	}
}

func chatTexts(ev chatEvent) []string {
	var out []string
	for _, m := range ev.data["messages"].([]any) {
		mm := m.(map[string]any)
		out = append(out, fmt.Sprint(mm["from"], ": ", mm["text"]))
	}
	return out
}

// TestChatStream: the visitor's stream sends their messages, and an
// agent's reply within well under a second; another visitor's stream
// never carries them.
func TestChatStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startChat(t, db)
		d.setUserName("agent@example.com", "Sam Ortiz")
		a, b := d.newChatVisitor(), d.newChatVisitor()
		r := d.chatCall("POST", "/chat/messages", widgetOrigin, a, nil, obj{"client_id": "stream-a-1", "text": "Is it waterproof?"})
		conv := int64(r.json(t)["conversation_id"].(float64))
		d.chatCall("POST", "/chat/messages", widgetOrigin, b, nil, obj{"client_id": "stream-b-1", "text": "B's secret"})

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		evA, evB := d.openChatStream(ctx, a, nil), d.openChatStream(ctx, b, nil)
		nextChatEvent(t, evA, "ready", 5*time.Second)
		nextChatEvent(t, evB, "ready", 5*time.Second)
		if got := chatTexts(nextChatEvent(t, evA, "messages", 5*time.Second)); strings.Join(got, "|") != "You: Is it waterproof?" {
			t.Errorf("A's first messages: %q", got)
		}
		if got := chatTexts(nextChatEvent(t, evB, "messages", 5*time.Second)); strings.Join(got, "|") != "You: B's secret" {
			t.Errorf("B's first messages: %q", got)
		}
		sent := time.Now()
		if r := d.do("POST", fmt.Sprintf("/api/v1/conversations/%d/replies", conv), "Bearer "+d.deskToken, obj{"text": "Yes, fully."}); r.status != http.StatusCreated {
			t.Fatalf("reply: %d %s", r.status, r.body)
		}
		got := chatTexts(nextChatEvent(t, evA, "messages", time.Second))
		if strings.Join(got, "|") != "Support: Yes, fully." && !strings.HasSuffix(strings.Join(got, "|"), ": Yes, fully.") {
			t.Errorf("A got %q", got)
		}
		if took := time.Since(sent); took > 500*time.Millisecond {
			t.Errorf("the reply took %s to reach the visitor", took)
		}
		select {
		case ev := <-evB:
			if ev.name == "messages" {
				t.Errorf("B's stream carried %q", chatTexts(ev))
			}
		case <-time.After(300 * time.Millisecond):
		}
		// An unknown visitor gets no stream.
		if r := d.chatCall("GET", "/chat/stream", widgetOrigin, "qv_nobody", nil, nil); r.status != http.StatusUnauthorized {
			t.Errorf("unknown visitor's stream: %d", r.status)
		}
		if r := d.chatCall("GET", "/chat/stream?after=x", widgetOrigin, a, nil, nil); r.status != http.StatusBadRequest {
			t.Errorf("a bad after: %d", r.status)
		}
	})
}

func TestChatRateLimited(t *testing.T) {
	d := startChat(t, storetest.Open(t, store.SQLite))
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		r := d.chatCall("POST", "/chat/session", widgetOrigin, "", nil, nil)
		limited = r.status == http.StatusTooManyRequests && r.header.Get("Retry-After") != ""
	}
	if !limited {
		t.Error("40 new visitors at once from one address were all let in")
	}
}
