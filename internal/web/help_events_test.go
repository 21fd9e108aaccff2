package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"quietdesk/internal/chat"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// event posts a self-service event as a browser on origin would.
func (a *app) event(origin string, header map[string]string, body string) reply {
	a.t.Helper()
	req, err := http.NewRequest("POST", a.url+"/api/v1/self-service/events", strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, data}
}

// eventFields lists the fields a 400 names.
func eventFields(t *testing.T, r reply) []string {
	t.Helper()
	var e struct {
		Error struct {
			Fields []struct{ Field string }
		}
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out []string
	for _, f := range e.Error.Fields {
		out = append(out, f.Field)
	}
	return out
}

const shopOrigin = "https://shop.raincoat.example"

// TestSelfServiceEvents: the events a browser reports land on one
// session, at the server's time; bad input is refused naming the field,
// other sites are refused, and a conversation is only tied to a session
// by the chat visitor who may read it.
func TestSelfServiceEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedHelp(t, db, helpArticles, helpSettings)
		ctx := context.Background()
		if err := db.SetSetting(ctx, chat.SettingOrigins, shopOrigin); err != nil {
			t.Fatal(err)
		}
		a := start(t, db)
		const session = "s3ss10n-0123456789abcdef"
		ok := func(body string) {
			t.Helper()
			if r := a.event(shopOrigin, nil, body); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != shopOrigin {
				t.Fatalf("%s: status %d, CORS %q: %s", body, r.status, r.header.Get("Access-Control-Allow-Origin"), r.body)
			}
		}
		ok(`{"session":"` + session + `","channel":"chat","type":"search","locale":"en","query":"where is my parcel","shown":["where-is-my-order","delivery-times"]}`)
		ok(`{"session":"` + session + `","channel":"chat","type":"view","slug":"where-is-my-order"}`)
		ok(`{"session":"` + session + `","channel":"chat","type":"view","slug":"where-is-my-order"}`)
		ok(`{"session":"` + session + `","channel":"chat","type":"feedback","slug":"where-is-my-order","helpful":false,"comment":"I want a date"}`)

		var channel, outcome, query, article string
		var started, last int64
		if err := db.QueryRow(ctx, `SELECT channel, outcome, query, article, started_at, last_at FROM self_service_sessions WHERE external_id = ?`, "web:"+session).
			Scan(&channel, &outcome, &query, &article, &started, &last); err != nil {
			t.Fatal(err)
		}
		if channel != "chat" || outcome != "resolved" || query != "where is my parcel" || article != "where-is-my-order" || started != clocktest.Default.Unix() || last != started {
			t.Errorf("the session is %s %s %q %s %d..%d", channel, outcome, query, article, started, last)
		}
		if n := a.count("self_service_sessions"); n != 1 {
			t.Errorf("%d sessions, want 1", n)
		}
		rows, err := db.Query(ctx, `SELECT slug, best_rank, opened FROM self_service_shown ORDER BY slug`)
		if err != nil {
			t.Fatal(err)
		}
		var shown []string
		for rows.Next() {
			var slug string
			var rank int
			var opened bool
			if err := rows.Scan(&slug, &rank, &opened); err != nil {
				t.Fatal(err)
			}
			shown = append(shown, slug+" "+map[bool]string{true: "opened", false: "shown"}[opened]+" "+string(rune('0'+rank)))
		}
		rows.Close()
		if got, want := strings.Join(shown, ", "), "delivery-times shown 2, where-is-my-order opened 1"; got != want {
			t.Errorf("shown %q, want %q", got, want)
		}
		var helpful bool
		var comment string
		if err := db.QueryRow(ctx, `SELECT helpful, comment FROM kb_feedback WHERE slug = ?`, "where-is-my-order").Scan(&helpful, &comment); err != nil || helpful || comment != "I want a date" {
			t.Errorf("feedback %v %q (%v)", helpful, comment, err)
		}

		bad := []struct {
			body   string
			fields string
		}{
			{`{"session":"short","channel":"chat","type":"view","slug":"x"}`, "session"},
			{`{"session":"` + session + `","channel":"fax","type":"view","slug":"x"}`, "channel"},
			{`{"session":"` + session + `","channel":"chat","type":"order_status","outcome":"resolved"}`, "body"},
			{`{"session":"` + session + `","channel":"chat","type":"return"}`, "type,outcome"},
			{`{"session":"` + session + `","channel":"chat","type":"search","locale":"de","query":"x"}`, "locale"},
			{`{"session":"` + session + `","channel":"chat","type":"feedback","slug":"Not A Slug"}`, "slug,helpful"},
			{`{"session":"` + session + `","channel":"chat","type":"escalate","conversation_id":1}`, "conversation_id"},
			{`{"session":"` + session + `","channel":"chat","type":"search","at":"2020-01-01"}`, "body"},
			{`not json`, "body"},
		}
		for _, b := range bad {
			r := a.event(shopOrigin, nil, b.body)
			if r.status != 400 || strings.Join(eventFields(t, r), ",") != b.fields {
				t.Errorf("%s: status %d, fields %q, want 400 naming %s", b.body, r.status, eventFields(t, r), b.fields)
			}
		}
		if r := a.event("https://evil.example", nil, `{"session":"`+session+`","channel":"chat","type":"view","slug":"delivery-times"}`); r.status != 403 {
			t.Errorf("an event from another site: status %d, want 403", r.status)
		}
		req, _ := http.NewRequest("OPTIONS", a.url+"/api/v1/self-service/events", nil)
		req.Header.Set("Origin", shopOrigin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Quietdesk-Visitor") {
			t.Errorf("preflight: %d %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Headers"))
		}
		if n := a.count("kb_searches"); n != 1 {
			t.Errorf("refused events left %d searches, want 1", n)
		}

		// A chat visitor's message, then its escalation: tied only for
		// the visitor who wrote it.
		visitor := a.chatVisitor(shopOrigin)
		conv := a.chatMessage(shopOrigin, visitor, "Where is my parcel? It is late.")
		other := a.chatVisitor(shopOrigin)
		body := `{"session":"` + session + `","channel":"chat","type":"escalate","conversation_id":` + jsonInt(conv) + `}`
		if r := a.event(shopOrigin, map[string]string{"X-Quietdesk-Visitor": other}, body); r.status != 400 || strings.Join(eventFields(t, r), ",") != "conversation_id" {
			t.Errorf("another visitor's escalation: status %d %s", r.status, r.body)
		}
		if r := a.event(shopOrigin, map[string]string{"X-Quietdesk-Visitor": visitor}, body); r.status != 200 {
			t.Fatalf("the escalation: status %d %s", r.status, r.body)
		}
		var convID int64
		if err := db.QueryRow(ctx, `SELECT outcome, conversation_id FROM self_service_sessions WHERE external_id = ?`, "web:"+session).Scan(&outcome, &convID); err != nil || outcome != "escalated" || convID != conv {
			t.Errorf("the session is %s with conversation %d (%v), want escalated with %d", outcome, convID, err, conv)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// chatVisitor opens a widget session and returns the visitor's token.
func (a *app) chatVisitor(origin string) string {
	a.t.Helper()
	r := a.widgetCall("POST", "/chat/session", origin, "", nil)
	if r.status != 200 {
		a.t.Fatalf("chat session: %d %s", r.status, r.body)
	}
	return r.json(a.t)["visitor"].(string)
}

// chatMessage sends a visitor's message and returns its conversation.
func (a *app) chatMessage(origin, visitor, text string) int64 {
	a.t.Helper()
	r := a.widgetCall("POST", "/chat/messages", origin, visitor, map[string]string{"client_id": fmt.Sprintf("client-%08d", len(text)), "text": text})
	if r.status != 200 {
		a.t.Fatalf("chat message: %d %s", r.status, r.body)
	}
	return int64(r.json(a.t)["conversation_id"].(float64))
}

func (a *app) widgetCall(method, path, origin, visitor string, body any) reply {
	a.t.Helper()
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(data))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	if visitor != "" {
		req.Header.Set("X-Quietdesk-Visitor", visitor)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, out}
}
