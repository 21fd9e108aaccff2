package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"quietdesk/internal/clock/clocktest"
	"strings"
	"testing"
)

// The route table has no handler that panics, so this one test reaches
// inside the package to give the middleware one.
func TestPanicBecomesA500AndALoggedStack(t *testing.T) {
	var logs bytes.Buffer
	s := New(nil, slog.New(slog.NewTextHandler(&logs, nil)), clocktest.Clock())
	h := s.logRequests(s.recoverPanics(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal"`) || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("got %d %s: want a 500 internal error that does not leak the panic", rec.Code, rec.Body)
	}
	for _, want := range []string{"msg=panic", "panic=boom", "stack=", "status=500"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// A client that left mid-request is logged as 499, not as a server error;
// a busy database answers 503 with Retry-After.
func TestClientGoneAndBusyDatabase(t *testing.T) {
	var logs bytes.Buffer
	s := New(nil, slog.New(slog.NewTextHandler(&logs, nil)), clocktest.Clock())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/api/v1/metrics", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.writeError(w, r, fmt.Errorf("query: %w", context.Canceled))
	if w.Code != 499 || strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("client gone: %d, logs %q", w.Code, logs.String())
	}
	w = httptest.NewRecorder()
	s.writeError(w, httptest.NewRequest("GET", "/api/v1/metrics", nil), errors.New("sqlite: step: database is locked (5) (SQLITE_BUSY)"))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "try again") {
		t.Errorf("busy: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

// The request log never holds a secret link's token: reading the log gives
// no one an invitation, a shared timeline or a survey.
func TestLogHidesSecretLinks(t *testing.T) {
	var logs bytes.Buffer
	s := New(nil, slog.New(slog.NewTextHandler(&logs, nil)), clocktest.Clock())
	h := s.logRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, p := range []string{"/invite/tok-invite-123", "/share/tok-share-456", "/csat/tok-csat-789", "/share/tok-share-456/more", "/settings/users"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	got := logs.String()
	for _, secret := range []string{"tok-invite-123", "tok-share-456", "tok-csat-789"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log holds %s:\n%s", secret, got)
		}
	}
	for _, want := range []string{"path=/invite/…", "path=/share/…/more", "path=/settings/users"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}
