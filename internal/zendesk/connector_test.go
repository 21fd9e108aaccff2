package zendesk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"quietdesk/internal/ingest"
	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
	"quietdesk/internal/zendesk"
)

var day = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

const (
	email = "agent@brand.example"
	token = "zd-token-1"
	since = "2026-01-01"
)

// fixture reads a recorded Zendesk body (testdata/airbytehq-airbyte).
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "airbytehq-airbyte", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func first(t *testing.T, file, key string) map[string]any {
	return fixture(t, file)[key].([]any)[0].(map[string]any)
}

// tk is the recorded ticket with the named fields changed.
func tk(t *testing.T, id int64, via, status, created string, requester, assignee, group int64, tags []string, fields map[string]any) map[string]any {
	m := first(t, "tickets.json", "tickets")
	m["id"], m["status"], m["created_at"], m["updated_at"] = id, status, created, created
	m["via"] = map[string]any{"channel": via}
	m["requester_id"], m["assignee_id"], m["group_id"] = requester, assignee, group
	m["tags"] = tags
	m["subject"] = fmt.Sprintf("Ticket %d", id)
	m["custom_fields"] = []any{}
	m["satisfaction_rating"] = nil
	for k, v := range fields {
		m[k] = v
	}
	return m
}

func usr(t *testing.T, id int64, name, mail string) map[string]any {
	m := first(t, "users.json", "users")
	m["id"], m["name"], m["email"] = id, name, mail
	return m
}

func grp(t *testing.T, id int64, name string) map[string]any {
	m := first(t, "groups.json", "groups")
	m["id"], m["name"] = id, name
	return m
}

func metric(t *testing.T, ticketID int64, reply, full any, replies int64) map[string]any {
	m := fixture(t, "ticket_metrics.json")["ticket_metric"].(map[string]any)
	m["ticket_id"], m["replies"] = ticketID, replies
	m["reply_time_in_minutes"] = map[string]any{"calendar": reply, "business": nil}
	m["full_resolution_time_in_minutes"] = map[string]any{"calendar": full, "business": nil}
	return m
}

// exportPage is the recorded export page with these tickets and sideloads.
func exportPage(t *testing.T, after string, end bool, tickets, users, groups, metrics []any) []byte {
	p := fixture(t, "tickets.json")
	p["tickets"], p["users"], p["groups"], p["metric_sets"] = tickets, users, groups, metrics
	p["after_cursor"], p["end_of_stream"] = after, end
	b, _ := json.Marshal(p)
	return b
}

type reply struct {
	status int
	header map[string]string
	body   []byte
}

// server speaks the documented Zendesk shapes: it checks the basic auth,
// paths and query, and answers each export request by its start_time or
// cursor. Replies queued under a key are served once each, in order; the
// last one stays.
type server struct {
	t       *testing.T
	mu      sync.Mutex
	token   string
	replies map[string][]reply
	seen    []string
	*httptest.Server
}

func newServer(t *testing.T) *server {
	s := &server{t: t, token: token, replies: map[string][]reply{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	fields := fixture(t, "ticket_fields.json")
	// The recorded account has no order number field: one is added.
	fields["ticket_fields"] = append(fields["ticket_fields"].([]any), map[string]any{"id": 360001, "title": "Order number", "type": "text"})
	b, _ := json.Marshal(fields)
	s.on("fields", reply{body: b})
	return s
}

func (s *server) on(key string, r ...reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies[key] = append(s.replies[key], r...)
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	user, pass, ok := r.BasicAuth()
	if r.Method != http.MethodGet || !ok || user != email+"/token" {
		s.t.Errorf("%s %s: auth %q ok=%v", r.Method, r.URL, user, ok)
	}
	if pass != s.token {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Couldn't authenticate you"}`))
		return
	}
	q := r.URL.Query()
	var key string
	switch r.URL.Path {
	case "/api/v2/ticket_fields.json":
		key = "fields"
	case "/api/v2/incremental/tickets/cursor.json":
		if q.Get("include") != "users,groups,metric_sets" {
			s.t.Errorf("include = %q", q.Get("include"))
		}
		if c := q.Get("cursor"); c != "" {
			key = "cursor=" + c
		} else {
			key = "start_time=" + q.Get("start_time")
		}
	default:
		s.t.Errorf("unexpected path %s", r.URL.Path)
	}
	s.seen = append(s.seen, key)
	rs := s.replies[key]
	if len(rs) == 0 {
		s.t.Errorf("no reply for %s", key)
		w.WriteHeader(http.StatusNotFound)
		return
	}
	rp := rs[0]
	if len(rs) > 1 {
		s.replies[key] = rs[1:]
	}
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	if rp.status != 0 {
		w.WriteHeader(rp.status)
	}
	w.Write(rp.body)
}

var startKey = fmt.Sprintf("start_time=%d", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())

// twoPages serves a backfill of two pages: 101 and 102, then 103 and a
// deleted 104.
func twoPages(t *testing.T, s *server) {
	users := []any{usr(t, 9001, "Ada Lovelace", "Ada@Example.com"), usr(t, 9002, "Bo Chen", "bo@example.com"), usr(t, 9100, "Sam Agent", "sam@brand.example")}
	groups := []any{grp(t, 3432, "Shipping")}
	s.on(startKey, reply{body: exportPage(t, "c1", false, []any{
		tk(t, 101, "email", "solved", "2026-03-02T08:14:00Z", 9001, 9100, 3432, []string{"wismo", "vip"}, map[string]any{
			"custom_fields":       []any{map[string]any{"id": 27642, "value": "745"}, map[string]any{"id": 360001, "value": "#1003"}},
			"satisfaction_rating": map[string]any{"id": 1, "score": "good", "comment": "Quick, thanks"},
		}),
		tk(t, 102, "voice", "open", "2026-03-03T09:00:00Z", 9002, 9100, 3432, []string{}, nil),
	}, users, groups, []any{metric(t, 101, 95, 240, 2)})})
	s.on("cursor=c1", reply{body: exportPage(t, "c2", true, []any{
		tk(t, 103, "native_messaging", "pending", "2026-03-04T10:30:00Z", 9002, 9100, 3432, []string{"returns"}, map[string]any{
			"satisfaction_rating": map[string]any{"id": 2, "score": "offered", "comment": nil},
		}),
		tk(t, 104, "email", "deleted", "2026-03-04T11:00:00Z", 9001, 9100, 3432, nil, nil),
	}, users, groups, []any{metric(t, 103, nil, nil, 0)})})
}

func connectTo(t *testing.T, db *store.DB, s *server, sealer *connect.Sealer, tok string) {
	t.Helper()
	err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
		_, err := connect.Create(context.Background(), tx, sealer, "zendesk", zendesk.Kind,
			map[string]string{"subdomain": "brand", "email": email, "since": since, "endpoint": s.URL}, map[string]string{"api_token": tok}, day)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func syncNow(t *testing.T, db *store.DB, s *server, sealer *connect.Sealer, at time.Time) (*connect.Connection, error) {
	return connect.Sync(context.Background(), db, sealer, "zendesk", clock.Fixed(at), s.Client(), connect.SyncOptions{})
}

type row struct {
	ext, channel, email, name, started, first, ended, tags, agent, team, order string
	replies                                                                    int64
}

func contacts(t *testing.T, db *store.DB) []row {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT c.external_id, c.channel, COALESCE((SELECT MIN(i.value) FROM customer_identities i WHERE i.customer_id = c.customer_id AND i.kind = 'email'), ''), COALESCE(u.name, ''), c.started_at, c.first_response_at, c.ended_at,
		c.tags, c.agent, c.team, c.external_order, c.replies FROM contacts c LEFT JOIN customers u ON u.id = c.customer_id ORDER BY c.external_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ts := func(v *int64) string {
		if v == nil {
			return "-"
		}
		return time.Unix(*v, 0).UTC().Format("01-02 15:04")
	}
	var out []row
	for rows.Next() {
		var r row
		var started int64
		var first, ended *int64
		if err := rows.Scan(&r.ext, &r.channel, &r.email, &r.name, &started, &first, &ended, &r.tags, &r.agent, &r.team, &r.order, &r.replies); err != nil {
			t.Fatal(err)
		}
		r.started, r.first, r.ended = ts(&started), ts(first), ts(ended)
		out = append(out, r)
	}
	return out
}

func csat(t *testing.T, db *store.DB) string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT external_id, COALESCE(score, 0), COALESCE(comment, '') FROM csat ORDER BY external_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, comment string
		var score int
		rows.Scan(&id, &score, &comment)
		out = append(out, fmt.Sprintf("%s:%d:%s", id, score, comment))
	}
	return strings.Join(out, " ")
}

func sealer(t *testing.T) *connect.Sealer {
	s, err := connect.ParseKey(connect.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestZendeskBackfillThenIncremental(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t), sealer(t)
		twoPages(t, srv)
		connectTo(t, db, srv, key, token)
		c, err := syncNow(t, db, srv, key, day)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != connect.StateCurrent || c.BackfilledAt == nil || c.Done != 3 || c.Phase != "tickets" {
			t.Fatalf("after backfill: %+v", c)
		}
		if want := day.Add(5 * time.Minute); c.NextSyncAt == nil || !c.NextSyncAt.Equal(want) {
			t.Fatalf("next sync %v, want %v", c.NextSyncAt, want)
		}
		want := []row{
			{"zendesk-101", "email", "ada@example.com", "Ada Lovelace", "03-02 08:14", "03-02 09:49", "03-02 12:14", "wismo, vip", "Sam Agent", "Shipping", "#1003", 2},
			{"zendesk-102", "voice", "bo@example.com", "Bo Chen", "03-03 09:00", "-", "-", "", "Sam Agent", "Shipping", "", 0},
			{"zendesk-103", "chat", "bo@example.com", "Bo Chen", "03-04 10:30", "-", "-", "returns", "Sam Agent", "Shipping", "", 0},
		}
		if got := contacts(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("contacts:\n got %v\nwant %v", got, want)
		}
		if got := csat(t, db); got != "zendesk-101:5:Quick, thanks zendesk-103:0:" {
			t.Fatalf("csat: %s", got)
		}
		if got := strings.Join(srv.seen, " "); got != "fields "+startKey+" cursor=c1" {
			t.Fatalf("requests: %s", got)
		}

		// Later: 101 was updated (re-tagged) and 102 deleted in Zendesk.
		srv.on("cursor=c2", reply{body: exportPage(t, "c3", true, []any{
			tk(t, 101, "email", "closed", "2026-03-02T08:14:00Z", 9001, 9100, 3432, []string{"wismo", "late"}, map[string]any{
				"custom_fields": []any{map[string]any{"id": 360001, "value": "#1003"}},
			}),
			tk(t, 102, "voice", "deleted", "2026-03-03T09:00:00Z", 9002, 9100, 3432, nil, nil),
		}, []any{usr(t, 9001, "Ada Lovelace", "ada@example.com"), usr(t, 9100, "Sam Agent", "sam@brand.example")}, nil, []any{metric(t, 101, 95, 240, 3)})})
		later := day.Add(10 * time.Minute)
		if c, err = syncNow(t, db, srv, key, later); err != nil {
			t.Fatal(err)
		}
		got := contacts(t, db)
		if len(got) != 2 || got[0].ext != "zendesk-101" || got[0].tags != "wismo, late" || got[0].replies != 3 || got[0].team != "" || got[1].ext != "zendesk-103" {
			t.Fatalf("after the incremental sync: %v", got)
		}
		if c.State != connect.StateCurrent || !strings.Contains(srv.seen[len(srv.seen)-1], "cursor=c2") {
			t.Fatalf("incremental: %+v %v", c, srv.seen)
		}
		// 101's rating is gone from Zendesk's ticket; the stored one stays
		// as the import keeps it; 102 went with its contact.
		if n := count(t, db, `SELECT COUNT(*) FROM csat WHERE external_id = 'zendesk-102'`); n != 0 {
			t.Fatalf("deleted ticket's rating stayed: %d", n)
		}
	})
}

func count(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestZendeskRateLimitWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t), sealer(t)
		srv.on("cursor=c1", reply{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "93"}, body: []byte(`{"error":"APIRateLimitExceeded"}`)})
		twoPages(t, srv)
		connectTo(t, db, srv, key, token)
		c, err := syncNow(t, db, srv, key, day)
		var wait *connect.WaitError
		if !errors.As(err, &wait) {
			t.Fatalf("want a wait, got %v", err)
		}
		if c.State != connect.StateWaiting || c.NextSyncAt == nil || !c.NextSyncAt.Equal(day.Add(93*time.Second)) {
			t.Fatalf("waiting: %+v", c)
		}
		if n := len(contacts(t, db)); n != 2 {
			t.Fatalf("first page stored %d contacts, want 2", n)
		}
		if c, err = syncNow(t, db, srv, key, day.Add(2*time.Minute)); err != nil || c.State != connect.StateCurrent || len(contacts(t, db)) != 3 {
			t.Fatalf("after the wait: %+v %v", c, err)
		}
	})
}

func TestZendeskRefusedStopsThenResumesAfterReconnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t), sealer(t)
		twoPages(t, srv)
		connectTo(t, db, srv, key, "revoked-token")
		c, err := syncNow(t, db, srv, key, day)
		var stop *connect.StopError
		if !errors.As(err, &stop) || c.State != connect.StateStopped || !strings.Contains(c.Reason, "Zendesk refused access (HTTP 401)") || !strings.Contains(c.Reason, email) {
			t.Fatalf("stopped: %+v %v", c, err)
		}
		if strings.Contains(c.Reason, "revoked-token") {
			t.Fatal("the reason shows the token")
		}
		connectTo(t, db, srv, key, token)
		if c, err = syncNow(t, db, srv, key, day.Add(time.Hour)); err != nil || c.State != connect.StateCurrent || len(contacts(t, db)) != 3 {
			t.Fatalf("after reconnecting: %+v %v", c, err)
		}
	})
}

func TestZendeskMalformedPageStoresNothing(t *testing.T) {
	for name, body := range map[string]string{
		"truncated":    `{"tickets": [{"id": 101, "created_at": "2026-03-02T08:14:00Z"`,
		"no tickets":   `{"after_cursor": "c1", "end_of_stream": false}`,
		"bad time":     `{"tickets": [{"id": 101, "status": "open", "created_at": "2 March", "via": {"channel": "email"}}], "after_cursor": "c1", "end_of_stream": true}`,
		"bad rating":   `{"tickets": [{"id": 101, "status": "open", "created_at": "2026-03-02T08:14:00Z", "via": {"channel": "email"}, "satisfaction_rating": {"score": "meh"}}], "after_cursor": "c1", "end_of_stream": true}`,
		"no id at all": `{"tickets": [{"status": "open", "created_at": "2026-03-02T08:14:00Z"}], "after_cursor": "c1", "end_of_stream": true}`,
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				srv, key := newServer(t), sealer(t)
				srv.on(startKey, reply{body: []byte(body)})
				connectTo(t, db, srv, key, token)
				c, err := syncNow(t, db, srv, key, day)
				var stop *connect.StopError
				if !errors.As(err, &stop) || c.State != connect.StateStopped || !strings.Contains(c.Reason, "nothing of it was stored") {
					t.Fatalf("%+v %v", c, err)
				}
				if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 0 || c.Done != 0 || strings.Contains(c.Cursor, "c1") {
					t.Fatalf("stored %d contacts, cursor %q", n, c.Cursor)
				}
			})
		})
	}
}

func TestZendeskCSVImportThenSyncIsOneContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sum, err := ingest.ImportFile(ctx, db, "../../testdata/exports/zendesk_tickets.csv", ingest.Options{Kind: "contacts", Now: clock.Fixed(day)})
		if err != nil {
			t.Fatal(err)
		}
		before := count(t, db, `SELECT COUNT(*) FROM contacts`)
		if before != 26 {
			t.Fatalf("imported %d contacts (%+v)", before, sum)
		}
		srv, key := newServer(t), sealer(t)
		// Ticket 48201 of the export, as the API tells it, now closed with a new tag.
		srv.on(startKey, reply{body: exportPage(t, "c1", true, []any{
			tk(t, 48201, "email", "closed", "2026-03-02T08:14:00Z", 381204457701, 9100, 3432, []string{"order_status", "where_is_my_order", "synced"}, map[string]any{
				"custom_fields": []any{map[string]any{"id": 360001, "value": "#1003"}},
			}),
		}, []any{usr(t, 381204457701, "Emma Schulz", "emma.schulz@example.com"), usr(t, 9100, "Ana Ruiz", "ana@brand.example")}, []any{grp(t, 3432, "Shipping")},
			[]any{metric(t, 48201, 95, 240, 1)})})
		connectTo(t, db, srv, key, token)
		if _, err := syncNow(t, db, srv, key, day); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != before {
			t.Fatalf("%d contacts after the sync, want %d", n, before)
		}
		var tags, agent, team string
		var customers int
		if err := db.QueryRow(ctx, `SELECT tags, agent, team FROM contacts WHERE external_id = 'zendesk-48201'`).Scan(&tags, &agent, &team); err != nil {
			t.Fatal(err)
		}
		if tags != "order_status, where_is_my_order, synced" || agent != "Ana Ruiz" || team != "Shipping" {
			t.Fatalf("48201: %q %q %q", tags, agent, team)
		}
		if err := db.QueryRow(ctx, `SELECT COUNT(DISTINCT customer_id) FROM customer_identities WHERE value IN ('emma.schulz@example.com', '381204457701')`).Scan(&customers); err != nil || customers != 1 {
			t.Fatalf("customers for the requester: %d %v", customers, err)
		}
	})
}

func TestZendeskCheck(t *testing.T) {
	ok := map[string]string{"subdomain": "brand", "email": email, "since": since}
	creds := map[string]string{"api_token": token}
	if err := (zendesk.Connector{}).Check(ok, creds); err != nil {
		t.Fatal(err)
	}
	for field, cfg := range map[string]map[string]string{
		"subdomain": {"subdomain": "Brand.zendesk.com", "email": email, "since": since},
		"email":     {"subdomain": "brand", "email": "agent", "since": since},
		"since":     {"subdomain": "brand", "email": email, "since": "01/01/2026"},
		"endpoint":  {"subdomain": "brand", "email": email, "since": since, "endpoint": "ftp://x"},
	} {
		if err := (zendesk.Connector{}).Check(cfg, creds); err == nil || !strings.HasPrefix(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	if err := (zendesk.Connector{}).Check(ok, map[string]string{}); err == nil || !strings.HasPrefix(err.Error(), "api_token") {
		t.Errorf("api_token: %v", err)
	}
}

// A connection made without a first day (the connections page has no such
// field) reads the history from two years before it was made.
func TestZendeskWithoutSinceStartsTwoYearsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		srv, key := newServer(t), sealer(t)
		start := fmt.Sprintf("start_time=%d", day.AddDate(-2, 0, 0).Unix())
		srv.on(start, reply{body: exportPage(t, "c9", true, []any{}, []any{}, []any{}, []any{})})
		err := db.WriteTx(context.Background(), func(tx *store.Tx) error {
			_, err := connect.Create(context.Background(), tx, key, "zendesk", zendesk.Kind,
				map[string]string{"subdomain": "brand", "email": email, "endpoint": srv.URL}, map[string]string{"api_token": token}, day)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if c, err := syncNow(t, db, srv, key, day); err != nil || c.State != connect.StateCurrent {
			t.Fatalf("sync: %+v %v", c, err)
		}
		if !slices.Contains(srv.seen, start) {
			t.Errorf("requests %v, want %s", srv.seen, start)
		}
	})
}
