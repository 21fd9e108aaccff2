package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// sendJSON sends a JSON request with the visitor's session cookie.
func (v *visitor) sendJSON(method, path string, body any) reply {
	v.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		v.t.Fatal(err)
	}
	req, err := http.NewRequest(method, v.s.url+path, bytes.NewReader(data))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return v.do(req)
}

// The editors' API: scopes and roles, create and change with the
// version check, publish, history and rollback, each as the document says.
func TestKBEditAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := startSite(t, db)
		_, router := loadDoc(t, s.app)
		admin, deskTok := "Bearer "+s.token("admin"), "Bearer "+s.token("desk")
		art := "/api/v1/kb/articles/en/late-parcel"
		call := func(method, path, tok string, body any, want int) map[string]any {
			t.Helper()
			return documented(t, s.app, router, method, path, tok, body, want)
		}
		in := obj{"title": "My parcel is late", "category": "Shipping", "body": "Sorry: it **ships** soon.", "email": "Hi {{first_name}}, it ships soon.",
			"synonyms": []string{"package", "order"}, "topics": []string{"delivery_delay"}, "note": "first", "version": 0}
		call("PUT", art, deskTok, in, 403)
		call("PUT", art, "Bearer "+s.read, in, 403)
		got := call("PUT", art, admin, in, 201)
		if got["version"] != float64(1) || got["status"] != "draft" || got["updated_by"] != "token:test admin" {
			t.Fatalf("created: %v", got)
		}
		// The same content again changes nothing.
		in["version"] = 1
		if got := call("PUT", art, admin, in, 200); got["version"] != float64(1) {
			t.Errorf("the same article twice: %v", got)
		}
		call("PUT", art, admin, obj{"title": "", "body": "x {{who}}", "status": "live"}, 400)
		call("PUT", "/api/v1/kb/articles/english/late-parcel", admin, obj{"title": "x", "body": "y"}, 400)

		if got := call("POST", art+"/publish", admin, nil, 200); got["version"] != float64(2) || got["status"] != "published" || got["published_at"] == nil {
			t.Errorf("publish: %v", got)
		}
		if got := call("POST", art+"/publish", admin, nil, 200); got["version"] != float64(2) {
			t.Errorf("publish twice: %v", got)
		}
		// A change from version 1 is stale now.
		stale := call("PUT", art, admin, obj{"title": "Late", "body": "Old", "version": 1}, 409)
		if !strings.Contains(fmt.Sprint(stale), "saved version 2") {
			t.Errorf("stale: %v", stale)
		}
		call("GET", "/api/v1/kb/articles/en/nope", deskTok, nil, 404)
		if got := call("GET", art, deskTok, nil, 200); got["title"] != "My parcel is late" || fmt.Sprint(got["synonyms"]) != "[package order]" {
			t.Errorf("get: %v", got)
		}
		call("GET", "/api/v1/kb/articles", "Bearer "+s.read, nil, 403)
		if l := call("GET", "/api/v1/kb/articles?status=published&locale=en", deskTok, nil, 200)["articles"].([]any); len(l) != 1 {
			t.Errorf("published in en: %v", l)
		}
		if l := call("GET", "/api/v1/kb/articles?status=draft", deskTok, nil, 200)["articles"].([]any); len(l) != 0 {
			t.Errorf("drafts: %v", l)
		}
		if l := call("GET", "/api/v1/kb/articles?q=parcel", deskTok, nil, 200)["articles"].([]any); len(l) != 1 {
			t.Errorf("search: %v", l)
		}
		call("GET", "/api/v1/kb/articles?status=live", deskTok, nil, 400)

		call("POST", art+"/rollback", admin, obj{"version": 0}, 400)
		call("POST", art+"/rollback", admin, obj{"version": 7}, 404)
		if got := call("POST", art+"/rollback", admin, obj{"version": 1}, 200); got["version"] != float64(3) || got["status"] != "draft" {
			t.Errorf("rollback: %v", got)
		}
		call("POST", art+"/unpublish", admin, nil, 200)
		vs := call("GET", art+"/versions", deskTok, nil, 200)["versions"].([]any)
		var lines []string
		for _, v := range vs {
			m := v.(map[string]any)
			lines = append(lines, fmt.Sprintf("%v %v %v %v", m["version"], m["status"], m["changed_by"], m["note"]))
		}
		want := "3 draft token:test admin restored version 1|2 published token:test admin published|1 draft token:test admin first"
		if strings.Join(lines, "|") != want {
			t.Errorf("versions:\n%s\nwant\n%s", strings.Join(lines, "|"), want)
		}

		// Sessions: an agent without the right reads but cannot write; an
		// editor's change names their email.
		agent := s.visitor().login("agent@example.com")
		if r := agent.get("/api/v1/kb/articles"); r.status != http.StatusOK {
			t.Errorf("an agent reads the articles: %d", r.status)
		}
		if r := agent.sendJSON("PUT", art, obj{"title": "Mine", "body": "x"}); r.status != http.StatusForbidden {
			t.Errorf("an agent without the right writes: %d", r.status)
		}
		analyst := s.visitor().login("analyst@example.com")
		if r := analyst.get("/api/v1/kb/articles"); r.status != http.StatusForbidden {
			t.Errorf("an analyst reads the articles: %d", r.status)
		}
		editor := kbEditor(t, s, "writer@example.com")
		r := editor.sendJSON("PUT", art, obj{"title": "My parcel is late", "body": "New text", "version": 3})
		if r.status != http.StatusOK || r.json(t)["updated_by"] != "writer@example.com" || r.json(t)["version"] != float64(4) {
			t.Errorf("an editor's change: %d %s", r.status, r.body)
		}
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM kb_versions`).Scan(&n); err != nil || n != 4 {
			t.Errorf("%d versions stored (%v), want 4", n, err)
		}
	})
}
