package web

import (
	"bytes"
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
