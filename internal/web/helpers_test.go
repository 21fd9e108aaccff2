package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"quietdesk/internal/auth"
	"quietdesk/internal/clock/clocktest"
	"quietdesk/internal/store"
	"quietdesk/internal/web"
)

// app is a real server on a free port over one test database, with a token
// per scope.
type app struct {
	t      *testing.T
	db     *store.DB
	srv    *web.Server
	url    string
	ingest string // token with scope ingest
	read   string // token with scope read only
}

func start(t *testing.T, db *store.DB, configure ...func(*web.Server)) *app {
	t.Helper()
	srv := web.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clocktest.Clock())
	for _, c := range configure {
		c(srv)
	}
	addr, err := srv.Start(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	a := &app{t: t, db: db, srv: srv, url: "http://" + addr}
	a.ingest = a.token("ingest")
	a.read = a.token("read")
	return a
}

func (a *app) token(scopes ...string) string {
	a.t.Helper()
	_, plain, err := auth.Create(context.Background(), a.db, "test "+scopes[0], scopes, time.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	return plain
}

// reply is a response, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value, failing the test when it is
// not JSON.
func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("status %d, body %q is not a JSON object: %v", r.status, r.body, err)
	}
	return v
}

// do sends a request with an Authorization header (none when empty); body
// is marshalled unless it is already []byte.
func (a *app) do(method, path, authorization string, body any) reply {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, data}
}

func (a *app) post(path string, body any) reply { return a.do("POST", path, "Bearer "+a.ingest, body) }

// count returns the number of rows of a table.
func (a *app) count(table string) int {
	a.t.Helper()
	var n int
	if err := a.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

type counts struct{ Created, Updated, Unchanged int }

func (a *app) wantCounts(r reply, want counts) {
	a.t.Helper()
	if r.status != http.StatusOK {
		a.t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got counts
	if err := json.Unmarshal(r.body, &got); err != nil {
		a.t.Fatal(err)
	}
	if got != want {
		a.t.Fatalf("counts %+v, want %+v (body %s)", got, want, r.body)
	}
}

// obj is a JSON object literal.
type obj = map[string]any

func batch(items ...obj) obj { return obj{"items": items} }
