package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/connect"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/web"
)

// pagetest is the connections tests' connector: it reads pages of record
// names from its config's endpoint (an httptest server, pageShop), with
// its token as a bearer token, and stores each record as an audit row.
type pagetest struct{}

func init() { connect.Register("pagetest", pagetest{}) }

func (pagetest) Check(config, creds map[string]string) error {
	if !strings.HasPrefix(config["endpoint"], "http://") {
		return fmt.Errorf("endpoint %q: give the test shop's http:// address", config["endpoint"])
	}
	if creds["token"] == "" {
		return fmt.Errorf("token: required")
	}
	return nil
}

func (pagetest) Every() time.Duration { return 10 * time.Minute }

func (pagetest) Step(ctx context.Context, s *connect.Session) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", s.Conn.Config["endpoint"]+"?cursor="+url.QueryEscape(s.Conn.Cursor), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+s.Creds["token"])
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return false, connect.Stop("the shop refused the token (%s): connect again with a new one", strings.TrimSpace(string(body)))
	case http.StatusTooManyRequests:
		return false, connect.Wait(connect.RetryAfter(resp.Header, s.Now(), time.Minute), "the shop asked to slow down")
	default:
		return false, fmt.Errorf("the shop answered %d", resp.StatusCode)
	}
	var page struct {
		Records []string `json:"records"`
		Next    string   `json:"next"`
		Total   int64    `json:"total"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return false, connect.Stop("the shop sent a page that cannot be read: %v", err)
	}
	if len(page.Records) == 0 {
		return true, s.Commit(ctx, connect.Checkpoint{Phase: "orders", Cursor: s.Conn.Cursor, Total: -1, Backfilled: true}, nil)
	}
	return false, s.Commit(ctx, connect.Checkpoint{Phase: "orders", Cursor: page.Next, Total: page.Total}, func(tx *store.Tx) (int64, error) {
		for _, r := range page.Records {
			if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor, action, target) VALUES (?, 'pagetest', 'pagetest.record', ?)`, s.Now().Unix(), r); err != nil {
				return 0, err
			}
		}
		return int64(len(page.Records)), nil
	})
}

// pageShop serves pagetest's pages: /ok three pages of two records (total
// 6), /unknown the same without a total, /stopped refuses the token with
// hostile text, /waiting asks to wait two minutes. Each path wants its
// token.
type pageShop struct {
	*httptest.Server
	mu     sync.Mutex
	tokens []string // the bearer tokens it was sent
}

const pageSecret = "tok-SECRET-7f3a9"

func newPageShop(t *testing.T) *pageShop {
	p := &pageShop{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.tokens = append(p.tokens, r.Header.Get("Authorization"))
		p.mu.Unlock()
		if r.Method != "GET" || r.Header.Get("Authorization") != "Bearer "+pageSecret {
			http.Error(w, "bad method or token", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/stopped":
			http.Error(w, `<script>alert("reason")</script> token revoked`, http.StatusUnauthorized)
			return
		case "/waiting":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		case "/ok", "/unknown":
		default:
			http.NotFound(w, r)
			return
		}
		i, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		total := int64(6)
		if r.URL.Path == "/unknown" {
			total = -1
		}
		var recs []string
		if i < 3 {
			recs = []string{fmt.Sprintf("r%d", 2*i+1), fmt.Sprintf("r%d", 2*i+2)}
		}
		json.NewEncoder(w).Encode(map[string]any{"records": recs, "next": strconv.Itoa(i + 1), "total": total})
	}))
	t.Cleanup(p.Close)
	return p
}

func newSealer(t *testing.T) *connect.Sealer {
	s, err := connect.ParseKey(connect.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// connectionsSite is a site whose server has the key sealer.
func connectionsSite(t *testing.T, db *store.DB, sealer *connect.Sealer) *site {
	return startSite(t, db, func(srv *web.Server) { srv.Sealer = sealer })
}

// addForm posts the page's add form for pagetest.
func addForm(v *visitor, name, endpoint, token string) reply {
	v.t.Helper()
	page := v.get("/settings/connections")
	return v.post("/settings/connections", url.Values{"csrf": {v.csrf(page)}, "kind": {"pagetest"}, "name": {name},
		"endpoint": {endpoint}, "shop": {"brand.myshopify.com"}, "token": {token}})
}

func auditRows(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT actor, action, target, detail FROM audit_log WHERE action LIKE 'connection.%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var actor, action, target, detail string
		if err := rows.Scan(&actor, &action, &target, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, actor+" "+action+" "+target+" "+detail)
	}
	return out
}

func TestConnectionsAreForAdmins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := connectionsSite(t, db, newSealer(t))
		for _, email := range []string{"analyst@example.com", "agent@example.com"} {
			v := s.visitor().login(email)
			v.page("/settings/connections", http.StatusForbidden)
			home := "/"
			if email == "agent@example.com" {
				home = "/inbox"
			}
			tok := v.csrf(v.get(home))
			for _, path := range []string{"/settings/connections", "/settings/connections/shop/sync", "/settings/connections/shop/pause", "/settings/connections/shop/remove"} {
				if r := v.post(path, url.Values{"csrf": {tok}, "kind": {"pagetest"}, "name": {"shop"}}); r.status != http.StatusForbidden {
					t.Errorf("%s POST %s: %d, want 403", email, path, r.status)
				}
			}
		}
		if n := s.count("connections"); n != 0 {
			t.Errorf("%d connections stored by non-admins", n)
		}
		// The API wants scope read, or a dashboard user's session.
		if r := s.do("GET", "/api/v1/connections", "Bearer "+s.ingest, nil); r.status != http.StatusForbidden {
			t.Errorf("ingest token: %d", r.status)
		}
		if r := s.do("GET", "/api/v1/connections", "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("no token: %d", r.status)
		}
		agent := s.visitor().login("agent@example.com")
		if r := agent.get("/api/v1/connections"); r.status != http.StatusForbidden {
			t.Errorf("agent session: %d", r.status)
		}
	})
}

func TestConnectionsAddSealsTheCredentials(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sealer := newSealer(t)
		s := connectionsSite(t, db, sealer)
		shop := newPageShop(t)
		admin := s.visitor().login("admin@example.com")

		page := admin.page("/settings/connections", http.StatusOK)
		// The three kinds' forms, with their fixed field names; secrets are
		// password inputs.
		mustContain(t, page, `id="add-shopify"`, `name="shop"`, `<input name="access_token" type="password"`,
			`id="add-zendesk"`, `name="subdomain"`, `<input name="api_token" type="password"`,
			`id="add-gorgias"`, `name="domain"`, `<input name="api_key" type="password"`, `id="no-connections"`, `href="/settings" aria-current="page"`)
		if strings.Contains(page, `id="no-key"`) {
			t.Error("a server with a key says it has none")
		}

		// Refused: the form comes back with its config, not its secret.
		r := addForm(admin, "Bad Name", shop.URL+"/ok", pageSecret)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "connection name &#34;Bad Name&#34;") || !strings.Contains(string(r.body), `value="brand.myshopify.com"`) {
			t.Fatalf("bad name: %d\n%s", r.status, r.body)
		}
		if strings.Contains(string(r.body), pageSecret) {
			t.Fatal("a refused form shows the token back")
		}
		r = addForm(admin, `<img src=x onerror=alert(1)>`, shop.URL+"/ok", pageSecret)
		if r.status != http.StatusBadRequest || strings.Contains(string(r.body), "<img src=x") || !strings.Contains(string(r.body), "&lt;img src=x onerror=alert(1)&gt;") {
			t.Fatalf("hostile name: %d\n%s", r.status, r.body)
		}
		r = addForm(admin, "shop", "ftp://nowhere", pageSecret)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "give the test shop&#39;s http:// address") {
			t.Fatalf("bad endpoint: %d\n%s", r.status, r.body)
		}
		if n := s.count("connections"); n != 0 {
			t.Fatalf("%d connections stored from refused forms", n)
		}

		r = addForm(admin, "shop", shop.URL+"/ok", pageSecret)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/settings/connections#connection-shop" {
			t.Fatalf("add: %d %s\n%s", r.status, r.header.Get("Location"), r.body)
		}
		select {
		case <-connect.Woken():
		default:
			t.Error("adding a connection did not wake the connections task")
		}
		var config string
		var secret []byte
		if err := db.QueryRow(ctx, `SELECT config, secret FROM connections WHERE name = 'shop'`).Scan(&config, &secret); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`{"endpoint":%q,"shop":"brand.myshopify.com"}`, shop.URL+"/ok")
		if config != want || len(secret) < 20 || strings.Contains(string(secret), pageSecret) || strings.Contains(config, pageSecret) {
			t.Fatalf("stored config %s, secret %q", config, secret)
		}
		if got := auditRows(t, db); !slices.Equal(got, []string{"admin@example.com connection.save shop pagetest"}) {
			t.Errorf("audit %q", got)
		}
		// The sealed token opens with the server's key: the sync sends it.
		c, err := connect.Sync(ctx, db, sealer, "shop", s.clock.Now, shop.Client(), connect.SyncOptions{})
		if err != nil || c.State != connect.StateCurrent || c.Done != 6 {
			t.Fatalf("sync: %+v %v", c, err)
		}
		if shop.tokens[0] != "Bearer "+pageSecret {
			t.Errorf("the shop was sent %q", shop.tokens[0])
		}
		for _, body := range []string{admin.page("/settings/connections", http.StatusOK), string(s.do("GET", "/api/v1/connections", "Bearer "+s.read, nil).body)} {
			if strings.Contains(body, pageSecret) {
				t.Fatalf("the token is shown:\n%s", body)
			}
		}
		var details string
		db.QueryRow(ctx, `SELECT COALESCE(MAX(detail), '') FROM audit_log WHERE detail LIKE ?`, "%"+pageSecret+"%").Scan(&details)
		if details != "" {
			t.Errorf("the audit log holds the token: %q", details)
		}
		// Saving again replaces the credentials, once more audited.
		if r := addForm(admin, "shop", shop.URL+"/ok", pageSecret); r.status != http.StatusSeeOther {
			t.Fatalf("save again: %d", r.status)
		}
		if n := s.count("connections"); n != 1 {
			t.Errorf("%d connections after saving one twice", n)
		}
	})
}

func TestConnectionsWithoutKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := connectionsSite(t, db, nil)
		admin := s.visitor().login("admin@example.com")
		page := admin.page("/settings/connections", http.StatusOK)
		mustContain(t, page, `id="no-key"`, "quietdesk connections key &gt; quietdesk.key", "QUIETDESK_SECRET_KEY_FILE=", "forms below are disabled")
		if n := strings.Count(page, "<fieldset disabled>"); n != strings.Count(page, "<fieldset") || n < 3 {
			t.Errorf("%d of %d forms disabled", n, strings.Count(page, "<fieldset"))
		}
		r := addForm(admin, "shop", "http://127.0.0.1:1/ok", pageSecret)
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "no secret key") || strings.Contains(string(r.body), pageSecret) {
			t.Fatalf("add without a key: %d\n%s", r.status, r.body)
		}
		if n := s.count("connections"); n != 0 {
			t.Errorf("%d connections stored without a key", n)
		}
		if got := auditRows(t, db); len(got) != 0 {
			t.Errorf("audit %q", got)
		}
	})
}

// stateSite stores four connections and syncs each once: stopped (its
// token refused), waiting (rate-limited), ok (backfilling, one page of
// three), and unknown, whose total is not known.
func stateSite(t *testing.T, db *store.DB) *site {
	sealer := newSealer(t)
	s := connectionsSite(t, db, sealer)
	seedStates(t, db, sealer, s.clock.Now)
	return s
}

func seedStates(t *testing.T, db *store.DB, sealer *connect.Sealer, clock func() time.Time) {
	ctx := context.Background()
	shop := newPageShop(t)
	for _, name := range []string{"stopped", "waiting", "ok", "unknown"} {
		if err := db.WriteTx(ctx, func(tx *store.Tx) error {
			_, err := connect.Create(ctx, tx, sealer, name, "pagetest", map[string]string{"endpoint": shop.URL + "/" + name}, map[string]string{"token": pageSecret}, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		connect.Sync(ctx, db, sealer, name, clock, shop.Client(), connect.SyncOptions{MaxSteps: 1})
	}
}

// section returns a connection's part of the page.
func section(t *testing.T, page, name string) string {
	t.Helper()
	i := strings.Index(page, `<section class="connection" id="connection-`+name+`"`)
	if i < 0 {
		t.Fatalf("no connection %s on the page:\n%s", name, page)
	}
	rest := page[i:]
	return rest[:strings.Index(rest, "</section>")]
}

func TestConnectionsStatesReasonsProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := stateSite(t, db)
		page := s.visitor().login("admin@example.com").page("/settings/connections", http.StatusOK)
		mustContain(t, page, `data-poll="/api/v1/connections" data-tz="UTC"`, "/static/connections.js?v=")

		stopped := section(t, page, "stopped")
		mustContain(t, stopped, `data-state="stopped"`, `<strong class="state">stopped</strong>`,
			`Reason: <span class="reason-text">the shop refused the token (&lt;script&gt;alert(&#34;reason&#34;)&lt;/script&gt; token revoked): connect again with a new one</span>`,
			"fix what the reason says", `/settings/connections/stopped/resume`, `next sync: <span class="next">when due</span>`)
		if strings.Contains(page, `<script>alert("reason")`) {
			t.Error("a connection's reason is written unescaped")
		}
		if strings.Contains(stopped, "/sync") || strings.Contains(stopped, "/pause") {
			t.Error("a stopped connection offers Sync now or Pause")
		}

		waiting := section(t, page, "waiting")
		mustContain(t, waiting, `<strong class="state">waiting</strong>`, "the shop asked to slow down: resuming at 2026-03-25T10:02:00Z",
			`<span class="next">2026-03-25 10:02</span>`, "resumes by itself at 2026-03-25 10:02", `/settings/connections/waiting/sync`, `/settings/connections/waiting/pause`)

		ok := section(t, page, "ok")
		mustContain(t, ok, `<strong class="state">backfilling</strong>`, `<span class="phase"> · orders</span>`,
			`<progress class="bar" max="100" value="33"`, `<span class="records">2 of 6 records (33%)</span>`, `<p class="reason" hidden role="status">`, "Reading the history")

		unknown := section(t, page, "unknown")
		mustContain(t, unknown, `<progress class="bar" max="100" aria-label="unknown: progress">`, "2 records so far")
	})
}

func TestConnectionsActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := stateSite(t, db)
		admin := s.visitor().login("admin@example.com")
		tok := admin.csrf(admin.get("/settings/connections"))
		act := func(name, action string, status int) {
			t.Helper()
			r := admin.post("/settings/connections/"+name+"/"+action, url.Values{"csrf": {tok}})
			if r.status != status {
				t.Fatalf("%s %s: %d, want %d\n%s", action, name, r.status, status, r.body)
			}
		}
		get := func(name string) *connect.Connection {
			t.Helper()
			c, err := connect.Get(ctx, db, name)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// Sync now: a waiting connection is due now, and the task is woken.
		for len(connect.Woken()) > 0 {
			<-connect.Woken()
		}
		s.clock.Add(10 * time.Second)
		act("waiting", "sync", http.StatusSeeOther)
		if c := get("waiting"); c.NextSyncAt == nil || !c.NextSyncAt.Equal(now.Add(10*time.Second)) {
			t.Errorf("sync now: next sync %v", c.NextSyncAt)
		}
		if len(connect.Woken()) != 1 {
			t.Error("sync now did not wake the connections task")
		}
		act("stopped", "sync", http.StatusConflict)
		act("nope", "sync", http.StatusNotFound)

		act("ok", "pause", http.StatusSeeOther)
		if c := get("ok"); c.State != connect.StatePaused {
			t.Errorf("paused: %s", c.State)
		}
		act("ok", "sync", http.StatusConflict)
		body := admin.page("/settings/connections", http.StatusOK)
		mustContain(t, section(t, body, "ok"), `/settings/connections/ok/resume`, "Paused by an admin")
		act("ok", "resume", http.StatusSeeOther)
		act("stopped", "resume", http.StatusSeeOther)
		if c := get("ok"); c.State != connect.StateBackfilling || c.Done != 2 {
			t.Errorf("resumed: %+v", c)
		}
		if c := get("stopped"); c.State != connect.StateBackfilling || c.Reason != "" {
			t.Errorf("resumed after a stop: %+v", c)
		}

		act("unknown", "remove", http.StatusSeeOther)
		if _, err := connect.Get(ctx, db, "unknown"); err == nil {
			t.Error("removed, but still there")
		}
		act("unknown", "remove", http.StatusNotFound)
		if got, want := auditRows(t, db), []string{
			"admin@example.com connection.sync waiting ",
			"admin@example.com connection.pause ok ",
			"admin@example.com connection.resume ok ",
			"admin@example.com connection.resume stopped ",
			"admin@example.com connection.remove unknown ",
		}; !slices.Equal(got, want) {
			t.Errorf("audit\n%q\nwant\n%q", got, want)
		}
	})
}

func TestConnectionsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		sealer := newSealer(t)
		s := connectionsSite(t, db, sealer)
		r := s.do("GET", "/api/v1/connections", "Bearer "+s.read, nil)
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"connections":[]}` {
			t.Fatalf("no connections: %d %s", r.status, r.body)
		}
		seedStates(t, db, sealer, s.clock.Now)
		r = s.do("GET", "/api/v1/connections", "Bearer "+s.read, nil)
		var body struct {
			Connections []map[string]any `json:"connections"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var names []string
		for _, c := range body.Connections {
			names = append(names, c["name"].(string))
			keys := slices.Sorted(mapKeys(c))
			want := []string{"config", "created_at", "done", "id", "kind", "name", "phase", "reason", "state", "total", "updated_at"}
			if c["name"] == "waiting" {
				want = []string{"config", "created_at", "done", "id", "kind", "name", "next_sync_at", "phase", "reason", "state", "total", "updated_at"}
			}
			if !slices.Equal(keys, want) {
				t.Errorf("%s: keys %q, want %q", c["name"], keys, want)
			}
		}
		if !slices.Equal(names, []string{"ok", "stopped", "unknown", "waiting"}) {
			t.Errorf("names %q", names)
		}
		ok := body.Connections[0]
		if ok["state"] != "backfilling" || ok["done"] != 2.0 || ok["total"] != 6.0 || ok["phase"] != "orders" || ok["kind"] != "pagetest" {
			t.Errorf("ok: %v", ok)
		}
		if w := body.Connections[3]; w["state"] != "waiting" || w["next_sync_at"] != "2026-03-25T10:02:00Z" {
			t.Errorf("waiting: %v", w)
		}
		if strings.Contains(string(r.body), pageSecret) || strings.Contains(string(r.body), "cursor") {
			t.Errorf("the API shows a secret or a cursor: %s", r.body)
		}
		// A dashboard user's session reads it too (the page polls it).
		analyst := s.visitor().login("analyst@example.com")
		if r := analyst.get("/api/v1/connections"); r.status != http.StatusOK {
			t.Errorf("analyst session: %d", r.status)
		}
	})
}
