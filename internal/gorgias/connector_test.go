package gorgias_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"quietdesk/internal/gorgias"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

var day = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const (
	email  = "ops@brand.example"
	apiKey = "gorgias-key-1"
)

// recorded is the ticket object of the recorded test event
// (testdata/PipedreamHQ-pipedream), read as JSON.
func recorded(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/PipedreamHQ-pipedream/ticket-updated.test-event.mjs")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(string(b), "export default ")), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

type spec struct {
	id                        int64
	channel, created, updated string
	closed, trashed           any
	subject                   string
	tags                      []string
	customerID                int64
	customerEmail, customer   string
	fromAgent                 bool
	agentReplyAt              string // "" for none
	survey                    any
}

// ticket is the recorded ticket with the named fields changed.
func ticket(t *testing.T, s spec) map[string]any {
	m := recorded(t)
	m["id"], m["channel"], m["created_datetime"], m["updated_datetime"] = s.id, s.channel, s.created, s.updated
	m["closed_datetime"], m["trashed_datetime"], m["subject"], m["from_agent"] = s.closed, s.trashed, s.subject, s.fromAgent
	tags := []any{}
	for i, name := range s.tags {
		tags = append(tags, map[string]any{"id": i + 1, "name": name, "uri": "/api/tags/" + strconv.Itoa(i+1) + "/"})
	}
	m["tags"] = tags
	cu := m["customer"].(map[string]any)
	cu["id"], cu["email"], cu["name"] = s.customerID, s.customerEmail, s.customer
	msgs := []any{}
	if s.agentReplyAt != "" {
		msg := m["messages"].([]any)[0].(map[string]any)
		msg["created_datetime"], msg["from_agent"] = s.agentReplyAt, true
		msgs = append(msgs, msg)
	}
	m["messages"] = msgs
	m["satisfaction_survey"] = s.survey
	return m
}

// server serves GET /api/tickets ordered by updated_datetime ascending,
// two a page, with keyset cursors (the last ticket's update and id), as
// Gorgias's cursor pagination does. It checks the basic auth and query.
type server struct {
	t        *testing.T
	mu       sync.Mutex
	key      string
	tickets  map[int64]map[string]any
	failures []reply
	seen     []string
	*httptest.Server
}

type reply struct {
	status int
	header map[string]string
	body   string
}

func newServer(t *testing.T, tickets ...map[string]any) *server {
	s := &server{t: t, key: apiKey, tickets: map[int64]map[string]any{}}
	s.put(tickets...)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) put(tickets ...map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tk := range tickets {
		s.tickets[int64(toInt(tk["id"]))] = tk
	}
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case int:
		return int64(x)
	}
	return 0
}

func keyOf(tk map[string]any) string {
	return fmt.Sprintf("%s|%012d", tk["updated_datetime"], toInt(tk["id"]))
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	q := r.URL.Query()
	if r.Method != http.MethodGet || r.URL.Path != "/api/tickets" || !ok || user != email || q.Get("limit") != "100" || q.Get("order_by") != "updated_datetime:asc" {
		s.t.Errorf("unexpected request %s %s (auth %q %v)", r.Method, r.URL, user, ok)
	}
	s.seen = append(s.seen, q.Get("cursor"))
	if pass != s.key {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":{"msg":"Unauthorized"}}`))
		return
	}
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		for k, v := range f.header {
			w.Header().Set(k, v)
		}
		if f.status != 0 {
			w.WriteHeader(f.status)
		}
		w.Write([]byte(f.body))
		return
	}
	var all []map[string]any
	for _, tk := range s.tickets {
		all = append(all, tk)
	}
	sort.Slice(all, func(i, j int) bool { return keyOf(all[i]) < keyOf(all[j]) })
	var after []map[string]any
	for _, tk := range all {
		if keyOf(tk) > q.Get("cursor") {
			after = append(after, tk)
		}
	}
	pageItems, next := after, any(nil)
	if len(after) > 2 {
		pageItems, next = after[:2], keyOf(after[1])
	}
	data := []any{}
	for _, tk := range pageItems {
		data = append(data, tk)
	}
	json.NewEncoder(w).Encode(map[string]any{"data": data, "meta": map[string]any{"next_cursor": next, "prev_cursor": nil}, "object": "list", "uri": "/api/tickets"})
}

func history(t *testing.T) []map[string]any {
	return []map[string]any{
		ticket(t, spec{id: 5001, channel: "email", created: "2026-03-02T07:48:12.000000+00:00", updated: "2026-03-02T10:26:12.000000+00:00",
			closed: "2026-03-02T10:26:12.000000+00:00", subject: "Where is my order #2003?", tags: []string{"order-status", "wismo"},
			customerID: 7001, customerEmail: "Sofia@Example.com", customer: "Sofia Marchetti", agentReplyAt: "2026-03-02T08:40:12.000000+00:00",
			survey: map[string]any{"score": 5, "body_text": "Quick and helpful", "scored_datetime": "2026-03-02T11:00:00.000000+00:00", "sent_datetime": "2026-03-02T10:30:00.000000+00:00"}}),
		ticket(t, spec{id: 5002, channel: "chat", created: "2026-03-03T09:00:00.000000+00:00", updated: "2026-03-03T09:30:00.000000+00:00",
			subject: "", tags: nil, customerID: 7002, customerEmail: "lena@example.com", customer: "Lena Vogel"}),
		ticket(t, spec{id: 5003, channel: "instagram-direct-message", created: "2026-03-04T12:00:00.000000+00:00", updated: "2026-03-04T12:05:00.000000+00:00",
			subject: "Size?", tags: []string{"sizing"}, customerID: 7002, customerEmail: "lena@example.com", customer: "Lena Vogel",
			survey: map[string]any{"score": nil, "body_text": nil, "scored_datetime": nil, "sent_datetime": "2026-03-04T13:00:00.000000+00:00"}}),
		ticket(t, spec{id: 5004, channel: "email", created: "2026-03-05T12:00:00.000000+00:00", updated: "2026-03-05T12:01:00.000000+00:00",
			trashed: "2026-03-05T12:01:00.000000+00:00", subject: "You won!", customerID: 7003, customerEmail: "spam@example.net"}),
		ticket(t, spec{id: 5005, channel: "phone", created: "2026-03-06T15:00:00.000000+00:00", updated: "2026-03-06T15:10:00.000000+00:00",
			subject: "Outbound call", fromAgent: true, agentReplyAt: "2026-03-06T15:00:00.000000+00:00", customerID: 7001, customerEmail: "sofia@example.com", customer: "Sofia Marchetti"}),
	}
}

func sealer(t *testing.T) *connect.Sealer {
	s, err := connect.ParseKey(connect.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func connectTo(t *testing.T, db *store.DB, s *server, key *connect.Sealer, apiKey string) {
	t.Helper()
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		_, err := connect.Create(context.Background(), tx, key, "gorgias", gorgias.Kind,
			map[string]string{"domain": "brand", "email": email, "endpoint": s.URL}, map[string]string{"api_key": apiKey}, day)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func syncNow(s *server, db *store.DB, key *connect.Sealer, at time.Time) (*connect.Connection, error) {
	return connect.Sync(context.Background(), db, key, "gorgias", clock.Fixed(at), s.Client(), connect.SyncOptions{})
}

func contacts(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT c.external_id, c.channel, COALESCE((SELECT MIN(i.value) FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'email'), ''),
		c.started_at, COALESCE(c.first_response_at, 0), COALESCE(c.ended_at, 0), c.subject, c.tags, c.agent, c.replies FROM contacts c ORDER BY c.external_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ts := func(v int64) string {
		if v == 0 {
			return "-"
		}
		return time.Unix(v, 0).UTC().Format("01-02 15:04")
	}
	var out []string
	for rows.Next() {
		var ext, ch, mail, subject, tags, agent string
		var started, first, ended, replies int64
		if err := rows.Scan(&ext, &ch, &mail, &started, &first, &ended, &subject, &tags, &agent, &replies); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s %q %q %q %d", ext, ch, mail, ts(started), ts(first), ts(ended), subject, tags, agent, replies))
	}
	return out
}

func count(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGorgiasBackfillThenIncremental(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t, history(t)...), sealer(t)
		connectTo(t, db, srv, key, apiKey)
		c, err := syncNow(srv, db, key, day)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != connect.StateCurrent || c.BackfilledAt == nil || c.Done != 4 {
			t.Fatalf("after backfill: %+v", c)
		}
		want := []string{
			`gorgias-5001 email sofia@example.com 03-02 07:48 03-02 08:40 03-02 10:26 "Where is my order #2003?" "order-status, wismo" "Test User" 1`,
			`gorgias-5002 chat lena@example.com 03-03 09:00 - - "" "" "Test User" 0`,
			`gorgias-5003 social lena@example.com 03-04 12:00 - - "Size?" "sizing" "Test User" 0`,
			`gorgias-5005 voice sofia@example.com 03-06 15:00 - - "Outbound call" "" "Test User" 1`,
		}
		if got := contacts(t, db); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("contacts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := count(t, db, `SELECT COUNT(*) FROM csat WHERE external_id = 'gorgias-5001' AND score = 5 AND comment = 'Quick and helpful'`); n != 1 {
			t.Fatalf("5001's rating: %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM csat WHERE external_id = 'gorgias-5003' AND score IS NULL`); n != 1 {
			t.Fatalf("5003's unanswered survey: %d", n)
		}
		pages := len(srv.seen)
		if pages != 3 || srv.seen[0] != "" {
			t.Fatalf("requests: %q", srv.seen)
		}

		// Later 5002 is closed and re-tagged, and 5005 trashed: both move
		// to the end of the update order.
		tks := history(t)
		b := ticket(t, spec{id: 5002, channel: "chat", created: "2026-03-03T09:00:00.000000+00:00", updated: "2026-11-23T10:03:00.000000+00:00",
			closed: "2026-11-23T10:03:00.000000+00:00", subject: "", tags: []string{"wismo"}, customerID: 7002, customerEmail: "lena@example.com", customer: "Lena Vogel"})
		e := tks[4]
		e["trashed_datetime"], e["updated_datetime"] = "2026-11-23T10:04:00.000000+00:00", "2026-11-23T10:04:00.000000+00:00"
		srv.put(b, e)
		if c, err = syncNow(srv, db, key, day.Add(10*time.Minute)); err != nil || c.State != connect.StateCurrent {
			t.Fatalf("incremental: %+v %v", c, err)
		}
		got := contacts(t, db)
		if len(got) != 3 || got[1] != `gorgias-5002 chat lena@example.com 03-03 09:00 - 11-23 10:03 "" "wismo" "Test User" 0` {
			t.Fatalf("after the incremental sync:\n%s", strings.Join(got, "\n"))
		}
		if srv.seen[pages] != srv.seen[pages-1] {
			t.Fatalf("the incremental sync did not go on from the last page's cursor: %q", srv.seen)
		}
	})
}

func TestGorgiasRateLimitWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t, history(t)...), sealer(t)
		srv.failures = []reply{{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "20"}, body: `{"error":{"msg":"Too many requests"}}`}}
		connectTo(t, db, srv, key, apiKey)
		c, err := syncNow(srv, db, key, day)
		var wait *connect.WaitError
		if !errors.As(err, &wait) || c.State != connect.StateWaiting || c.NextSyncAt == nil || !c.NextSyncAt.Equal(day.Add(20*time.Second)) {
			t.Fatalf("waiting: %+v %v", c, err)
		}
		if c, err = syncNow(srv, db, key, day.Add(time.Minute)); err != nil || c.State != connect.StateCurrent || len(contacts(t, db)) != 4 {
			t.Fatalf("after the wait: %+v %v", c, err)
		}
	})
}

func TestGorgiasRefusedStopsThenResumesAfterReconnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t, history(t)...), sealer(t)
		connectTo(t, db, srv, key, "old-key")
		c, err := syncNow(srv, db, key, day)
		var stop *connect.StopError
		if !errors.As(err, &stop) || c.State != connect.StateStopped || !strings.Contains(c.Reason, "Gorgias refused access (HTTP 401)") || strings.Contains(c.Reason, "old-key") {
			t.Fatalf("stopped: %+v %v", c, err)
		}
		connectTo(t, db, srv, key, apiKey)
		if c, err = syncNow(srv, db, key, day.Add(time.Hour)); err != nil || c.State != connect.StateCurrent || len(contacts(t, db)) != 4 {
			t.Fatalf("after reconnecting: %+v %v", c, err)
		}
	})
}

func TestGorgiasMalformedPageStoresNothing(t *testing.T) {
	for name, body := range map[string]string{
		"truncated": `{"data": [{"id": 1, "channel": "email"`,
		"no meta":   `{"data": []}`,
		"bad time":  `{"data": [{"id": 1, "channel": "email", "created_datetime": "yesterday"}], "meta": {"next_cursor": null}}`,
		"bad score": `{"data": [{"id": 1, "channel": "email", "created_datetime": "2026-03-02T07:48:12+00:00", "satisfaction_survey": {"score": 9}}], "meta": {"next_cursor": null}}`,
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				srv, key := newServer(t, history(t)...), sealer(t)
				srv.failures = []reply{{body: body}}
				connectTo(t, db, srv, key, apiKey)
				c, err := syncNow(srv, db, key, day)
				var stop *connect.StopError
				if !errors.As(err, &stop) || c.State != connect.StateStopped || !strings.Contains(c.Reason, "nothing of it was stored") {
					t.Fatalf("%+v %v", c, err)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 0 || c.Cursor != "" || c.Done != 0 {
					t.Fatalf("stored %d, cursor %q", n, c.Cursor)
				}
			})
		})
	}
}

func TestGorgiasCSVImportThenSyncIsOneContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := ingest.ImportFile(ctx, db, "../../testdata/exports/gorgias_tickets.csv", ingest.Options{Kind: "contacts", Now: clock.Fixed(day)}); err != nil {
			t.Fatal(err)
		}
		before := count(t, db, `SELECT COUNT(*) FROM contacts`)
		if before == 0 {
			t.Fatal("nothing imported")
		}
		// Ticket 91501 of the export, as the API tells it, re-tagged since.
		srv, key := newServer(t, ticket(t, spec{id: 91501, channel: "email", created: "2026-03-02T07:48:12.000000+00:00", updated: "2026-03-05T07:48:12.000000+00:00",
			closed: "2026-03-02T10:26:12.000000+00:00", subject: "Where is my order #2003?", tags: []string{"order-status", "wismo", "synced"},
			customerID: 7001, customerEmail: "sofia.marchetti@example.com", customer: "Sofia Marchetti", agentReplyAt: "2026-03-02T08:40:12.000000+00:00"})), sealer(t)
		connectTo(t, db, srv, key, apiKey)
		if _, err := syncNow(srv, db, key, day); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != before {
			t.Fatalf("%d contacts after the sync, want %d", n, before)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts WHERE external_id = 'gorgias-91501' AND tags = 'order-status, wismo, synced'`); n != 1 {
			t.Fatal("91501 was not updated in place")
		}
		if n := count(t, db, `SELECT COUNT(DISTINCT customer_id) FROM customer_identities WHERE value IN ('sofia.marchetti@example.com', '7001')`); n != 1 {
			t.Fatalf("the customer is %d customers", n)
		}
	})
}

func TestGorgiasCheck(t *testing.T) {
	creds := map[string]string{"api_key": apiKey}
	if err := (gorgias.Connector{}).Check(map[string]string{"domain": "brand", "email": email}, creds); err != nil {
		t.Fatal(err)
	}
	for field, cfg := range map[string]map[string]string{
		"domain":   {"domain": "brand.gorgias.com", "email": email},
		"email":    {"domain": "brand", "email": ""},
		"endpoint": {"domain": "brand", "email": email, "endpoint": "brand"},
	} {
		if err := (gorgias.Connector{}).Check(cfg, creds); err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := (gorgias.Connector{}).Check(map[string]string{"domain": "brand", "email": email}, nil); err == nil || !strings.HasPrefix(err.Error(), "api_key") {
		t.Errorf("api_key: %v", err)
	}
}
