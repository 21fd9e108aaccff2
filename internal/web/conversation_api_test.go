package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// documented sends a request to the real server and holds the request and
// the answer to the OpenAPI document; it returns the decoded answer.
func documented(t *testing.T, a *app, router routers.Router, method, path, authorization string, body any, wantStatus int) map[string]any {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", authorization)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s %s is not in the document: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if wantStatus < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the request does not match the document: %v\n%s", method, path, err, data)
		}
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, wantStatus, out)
	}
	check := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{MultiError: true}}
	check.SetBodyBytes(out)
	if err := openapi3filter.ValidateResponse(context.Background(), check); err != nil {
		t.Errorf("%s %s: the %d answer does not match the document: %v\n%s", method, path, resp.StatusCode, err, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s %s: %s is not a JSON object", method, path, out)
	}
	return v
}

func TestConversationAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		d := startDesk(t, db)
		_, router := loadDoc(t, d.app)
		d.withOrder("ann@example.com")
		d.setUserName("agent@example.com", "Dana Reyes")
		if _, err := db.Exec(context.Background(), `INSERT INTO teams (name) VALUES ('Billing')`); err != nil {
			t.Fatal(err)
		}
		c := d.message(obj{"customer_email": "ann@example.com", "customer_name": "Ann Lee", "subject": "Order #7001", "body": "Where is it?"})
		other := d.message(obj{"customer_email": "bob@example.com", "customer_name": "Bob", "channel": "chat", "body": "Hi", "sent_at": now.Add(-2 * time.Hour).Format(time.RFC3339)})
		tok := "Bearer " + d.deskToken
		call := func(method, path string, body any, want int) map[string]any {
			t.Helper()
			return documented(t, d.app, router, method, path, tok, body, want)
		}
		conv := fmt.Sprintf("/api/v1/conversations/%d", c)

		list := call("GET", "/api/v1/conversations?view=open&limit=1", nil, 200)
		rows := list["conversations"].([]any)
		if len(rows) != 1 || rows[0].(map[string]any)["customer"] != "Ann Lee" || list["next_cursor"] == nil {
			t.Fatalf("the first page: %v", list)
		}
		list = call("GET", "/api/v1/conversations?view=open&limit=1&cursor="+list["next_cursor"].(string), nil, 200)
		if rows := list["conversations"].([]any); len(rows) != 1 || rows[0].(map[string]any)["id"] != float64(other) || list["next_cursor"] != nil {
			t.Errorf("the second page: %v", list)
		}
		call("GET", "/api/v1/conversations?q=7001&view=all", nil, 200)
		call("GET", "/api/v1/conversations?view=mine", nil, 400) // a token has no "mine"
		call("GET", "/api/v1/conversations?view=team&team=Nobody", nil, 400)
		call("GET", "/api/v1/conversations?cursor=nope", nil, 400)

		// Act on it: assign by email and team, correct the topic, tag, note,
		// snooze and wake, reply and wait.
		if got := call("POST", conv+"/assign", obj{"email": "agent@example.com", "team": "Billing"}, 200); got["changed"] != true {
			t.Errorf("assign: %v", got)
		}
		if got := call("POST", conv+"/assign", obj{"email": "agent@example.com", "team": "Billing"}, 200); got["changed"] != false {
			t.Errorf("assign twice: %v", got)
		}
		call("POST", conv+"/assign", obj{"email": "nobody@example.com"}, 400)
		call("POST", conv+"/assign", obj{}, 400)
		call("POST", conv+"/topic", obj{"topic": "where_is_my_order"}, 200)
		call("POST", conv+"/topic", obj{"topic": "nope"}, 400)
		if got := call("POST", conv+"/tags", obj{"add": []string{"VIP"}}, 200); fmt.Sprint(got["tags"]) != "[vip]" {
			t.Errorf("tags: %v", got)
		}
		note := call("POST", conv+"/notes", obj{"text": "@agent please look"}, 201)
		if m := note["mentioned"].([]any); len(m) != 1 || m[0].(map[string]any)["name"] != "Dana Reyes" {
			t.Errorf("note: %v", note)
		}
		call("POST", conv+"/state", obj{"snooze_until": "2026-03-28"}, 200)
		call("POST", conv+"/state", obj{"snooze_until": ""}, 200)
		call("POST", conv+"/state", obj{"state": "later"}, 400)
		call("POST", conv+"/state", obj{}, 400)
		fill := call("POST", conv+"/fill", obj{"text": "Hi {{first_name}}, {{order_number}} is {{order_status}}: {{tracking_link}}"}, 200)
		if fill["text"] != "Hi Ann, #7001 is returned: https://dhl.example/DH7001" || len(fill["missing"].([]any)) != 0 {
			t.Errorf("fill: %v", fill)
		}
		call("POST", conv+"/fill", obj{"text": "{{nope}}"}, 400)
		call("POST", conv+"/fill", obj{"saved_reply_id": 99}, 404)
		reply := call("POST", conv+"/replies", obj{"text": "Hi {{first_name}}, it is on its way.", "then": "waiting"}, 201)
		if reply["state"] != "waiting" || reply["contact_id"] == nil {
			t.Errorf("reply: %v", reply)
		}
		call("POST", conv+"/replies", obj{"text": "x", "then": "later"}, 400)
		call("POST", conv+"/replies", obj{"text": " "}, 400)
		call("POST", "/api/v1/conversations/99999/replies", obj{"text": "x"}, 404)

		// Mail keeps the raw message and the files: the thread links them.
		var first, file int64
		err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
			ctx := context.Background()
			var raw int64
			if err := tx.QueryRow(ctx, `SELECT MIN(id) FROM messages WHERE conversation_id = ?`, c).Scan(&first); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO raw_messages (sha256, received_at, size, content) VALUES ('abc', 0, 3, ?) RETURNING id`, []byte("raw")).Scan(&raw); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE messages SET raw_id = ? WHERE id = ?`, raw, first); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `INSERT INTO attachments (message_id, name, content_type, size, content) VALUES (?, 'label.pdf', 'application/pdf', 2048, ?) RETURNING id`,
				first, []byte("%PDF")).Scan(&file)
		})
		if err != nil {
			t.Fatal(err)
		}

		// The conversation as DESIGN §7.6 promises it.
		got := call("GET", conv, nil, 200)
		msgs := got["messages"].([]any)
		if len(msgs) != 2 {
			t.Fatalf("messages: %v", msgs)
		}
		in, out := msgs[0].(map[string]any), msgs[1].(map[string]any)
		if in["direction"] != "in" || in["text"] != "Where is it?" || in["from"] != "Ann Lee" || in["channel"] != "email" || in["subject"] != "Order #7001" || in["status"] != nil ||
			in["raw_url"] != fmt.Sprintf("/api/v1/messages/%d/raw", first) {
			t.Errorf("the customer's message: %v", in)
		}
		if files := in["attachments"].([]any); len(files) != 1 || fmt.Sprint(files[0]) != fmt.Sprintf("map[id:%d name:label.pdf size:2048 type:application/pdf url:/api/v1/attachments/%d]", file, file) {
			t.Errorf("the customer's files: %v", in["attachments"])
		}
		if _, ok := out["raw_url"]; ok {
			t.Errorf("a reply has no raw message: %v", out)
		}
		if out["direction"] != "out" || out["text"] != "Hi Ann, it is on its way." || out["from"] != "Dana Reyes" && out["from"] == "" || out["status"] != "queued" {
			t.Errorf("the reply: %v", out)
		}
		if got["assignee"] != "Dana Reyes" || got["team"] != "Billing" || got["topic"] != "where_is_my_order" || got["topic_source"] != "agent" ||
			got["state"] != "waiting" || got["customer_url"] != fmt.Sprintf("/customers/%d", d.customerOf(c)) {
			t.Errorf("the conversation: %v", got)
		}
		var kinds []string
		for _, e := range got["events"].([]any) {
			kinds = append(kinds, e.(map[string]any)["kind"].(string))
		}
		if want := []string{"assign", "topic", "tag", "note", "snooze", "snooze"}; !slices.Equal(kinds, want) {
			t.Errorf("events %q, want %q", kinds, want)
		}
		call("GET", "/api/v1/conversations/99999", nil, 404)

		// Bulk.
		bulk := call("POST", "/api/v1/conversations/bulk", obj{"ids": []int64{c, other, 99999}, "action": "close"}, 200)
		results := bulk["results"].([]any)
		if len(results) != 3 || results[2].(map[string]any)["ok"] != false {
			t.Errorf("bulk: %v", bulk)
		}
		call("POST", "/api/v1/conversations/bulk", obj{"ids": []int64{c}, "action": "assign", "team": "Billing"}, 200)
		call("POST", "/api/v1/conversations/bulk", obj{"ids": []int64{}, "action": "close"}, 400)

		// Saved replies: admins write, desk tokens read.
		admin := "Bearer " + d.adminToken
		created := documented(t, d.app, router, "POST", "/api/v1/saved_replies", admin, obj{"name": "Thanks", "body": "Thank you {{first_name}}"}, 201)
		documented(t, d.app, router, "POST", "/api/v1/saved_replies", admin, obj{"name": "Thanks", "body": "Thank you {{first_name}}"}, 200)
		documented(t, d.app, router, "POST", "/api/v1/saved_replies", admin, obj{"name": "Bad", "body": "{{who}}"}, 400)
		documented(t, d.app, router, "POST", "/api/v1/saved_replies", tok, obj{"name": "Mine", "body": "x"}, 403)
		replies := call("GET", "/api/v1/saved_replies", nil, 200)
		if l := replies["saved_replies"].([]any); len(l) != 1 || !slices.Contains(replies["variables"].([]any), any("return_deadline")) {
			t.Errorf("saved replies: %v", replies)
		}
		fill = call("POST", conv+"/fill", obj{"saved_reply_id": created["id"]}, 200)
		if fill["text"] != "Thank you Ann" {
			t.Errorf("fill a saved reply: %v", fill)
		}

		// Presence is an agent's: a token is refused; a session is told who
		// else is there.
		call("POST", conv+"/presence", obj{"typing": true, "active": true}, 403)
		agent := d.visitor().login("agent@example.com")
		admin2 := d.visitor().login("admin@example.com")
		beat := func(v *visitor, typing bool) string {
			t.Helper()
			req, _ := http.NewRequest("POST", d.url+conv+"/presence", strings.NewReader(fmt.Sprintf(`{"typing": %v, "active": true}`, typing)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			r := v.do(req)
			if r.status != 200 {
				t.Fatalf("presence: %d %s", r.status, r.body)
			}
			return string(r.body)
		}
		beat(agent, true)
		if got := beat(admin2, false); !strings.Contains(got, `"name":"Dana Reyes","typing":true`) {
			t.Errorf("the admin is not told Dana is replying: %s", got)
		}
		// Handle time follows the clock: 15 s later, 15 s more.
		d.clock.Add(15 * time.Second)
		if got := beat(agent, false); !strings.Contains(got, `"handle_seconds":15`) {
			t.Errorf("handle time after 15 s: %s", got)
		}
		// A page of another site is refused.
		req, _ := http.NewRequest("POST", d.url+conv+"/presence", strings.NewReader(`{}`))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := agent.do(req); r.status != http.StatusForbidden {
			t.Errorf("a cross-site heartbeat: %d", r.status)
		}
	})
}
