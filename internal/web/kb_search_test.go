package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/chat"
	"quietdesk/internal/kb"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// loadStarterKB stores the starter knowledge base and its synonyms.
func loadStarterKB(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	arts, err := kb.ReadDir(kb.Starter, "starter")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kb.Import(ctx, db, arts, "import", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := db.WriteTx(ctx, func(tx *store.Tx) error {
		_, err := kb.ImportSynonyms(ctx, tx, kb.StarterSynonyms())
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// kbGet sends a request to the search with an Origin header (none when
// empty), without credentials, as a page would.
func kbGet(t *testing.T, a *app, method, query, origin string) reply {
	t.Helper()
	req, err := http.NewRequest(method, a.url+"/api/v1/kb/search"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method == "OPTIONS" {
		req.Header.Set("Access-Control-Request-Method", "GET")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: body}
}

// The public search answers anyone without credentials, best first, in
// the documented shape; bad parameters are refused naming the parameter;
// the brand's own sites may call it from their pages; it writes nothing.
func TestKBSearchAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		loadStarterKB(t, db)
		if err := db.SetSetting(context.Background(), chat.SettingOrigins, "https://shop.brume.example"); err != nil {
			t.Fatal(err)
		}
		a := start(t, db)

		r := kbGet(t, a, "GET", "?q="+url.QueryEscape("wheres my parcel??")+"&locale=en&limit=3", "")
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("search: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		var answer struct {
			Results []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(r.body, &answer); err != nil {
			t.Fatal(err)
		}
		if len(answer.Results) != 3 || answer.Results[0]["slug"] != "where-is-my-order" || answer.Results[0]["title"] != "Where is my order?" {
			t.Fatalf("results: %s", r.body)
		}
		for i, res := range answer.Results {
			keys := slices.Sorted(mapKeys(res))
			if !slices.Equal(keys, []string{"score", "slug", "snippet", "title"}) {
				t.Errorf("result %d has fields %q", i, keys)
			}
			if i > 0 && res["score"].(float64) > answer.Results[i-1]["score"].(float64) {
				t.Errorf("not best first: %s", r.body)
			}
			if s := res["snippet"].(string); s == "" || strings.Contains(s, "**") || strings.Contains(s, "](") {
				t.Errorf("snippet %q", s)
			}
		}

		// French, and every locale; nothing found is an empty list.
		if r := kbGet(t, a, "GET", "?q="+url.QueryEscape("colis en retard")+"&locale=fr", ""); r.status != 200 || !strings.Contains(string(r.body), `"slug":"my-order-is-late"`) {
			t.Errorf("fr: %d %s", r.status, r.body)
		}
		if r := kbGet(t, a, "GET", "?q=zzqxv", ""); r.status != 200 || string(r.body) != "{\"results\":[]}\n" {
			t.Errorf("nothing found: %d %q", r.status, r.body)
		}

		for _, bad := range []struct{ query, field string }{
			{"", "q"}, {"?q=+++", "q"}, {"?q=" + strings.Repeat("a", 501), "q"},
			{"?q=refund&limit=0", "limit"}, {"?q=refund&limit=21", "limit"}, {"?q=refund&limit=five", "limit"},
			{"?q=refund&locale=english", "locale"},
		} {
			r := kbGet(t, a, "GET", bad.query, "")
			var e struct {
				Error struct {
					Code   string `json:"code"`
					Fields []struct {
						Field string `json:"field"`
					} `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal(r.body, &e); err != nil || r.status != 400 || len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != bad.field {
				t.Errorf("%q: %d %s, want 400 naming %s", bad.query, r.status, r.body, bad.field)
			}
		}
		if r := kbGet(t, a, "GET", "?q=refund&limit=20", ""); r.status != 200 {
			t.Errorf("limit 20: %d %s", r.status, r.body)
		}

		// The brand's site calls it from its pages; other sites may not.
		r = kbGet(t, a, "GET", "?q=refund", "https://shop.brume.example")
		if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.brume.example" {
			t.Errorf("allowed origin: %d %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		r = kbGet(t, a, "OPTIONS", "?q=refund", "https://shop.brume.example")
		if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://shop.brume.example" || !strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("preflight: %d %v", r.status, r.header)
		}
		r = kbGet(t, a, "GET", "?q=refund", "https://evil.example")
		if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("another origin: %d %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		if r := kbGet(t, a, "GET", "?q=refund", ""); r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("a request without Origin got CORS headers")
		}

		for _, table := range []string{"kb_searches", "self_service_sessions", "self_service_shown"} {
			var n int
			if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil || n != 0 {
				t.Errorf("the search wrote %d rows to %s (%v)", n, table, err)
			}
		}
	})
}

// One address gets 30 searches at once, then waits (the test clock
// stands still, so nothing refills).
func TestKBSearchRateLimit(t *testing.T) {
	a := start(t, storetest.Open(t, store.SQLite))
	for i := range 30 {
		if r := kbGet(t, a, "GET", "?q=refund", ""); r.status != 200 {
			t.Fatalf("search %d: %d %s", i+1, r.status, r.body)
		}
	}
	r := kbGet(t, a, "GET", "?q=refund", "")
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("search 31: %d %s, Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
}
