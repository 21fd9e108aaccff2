package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"quietdesk/internal/store"
	"quietdesk/internal/store/storetest"
)

// TestShutdownFinishesTheRequestInFlight holds a request open half-sent,
// shuts the server down, then sends the rest: the request must be answered
// and its write stored before Shutdown returns.
func TestShutdownFinishesTheRequestInFlight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := start(t, db)
		addr := strings.TrimPrefix(a.url, "http://")
		inFlight := holdRequest(t, addr, a.ingest, "/api/v1/orders", `{"order_id": "late", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 12}`)

		done := make(chan error, 1)
		go func() { done <- a.srv.Shutdown(context.Background()) }()
		waitRefused(t, addr)
		select {
		case err := <-done:
			t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
		default:
		}

		resp := inFlight.finish()
		if resp.StatusCode != 200 {
			t.Fatalf("in-flight request answered %d", resp.StatusCode)
		}
		if err := <-done; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if n := a.count("orders"); n != 1 {
			t.Fatalf("%d orders stored, want the in-flight one", n)
		}
	})
}

// heldRequest is a request whose handler is running, blocked on the body.
type heldRequest struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	rest string
	req  *http.Request
}

// holdRequest sends a request's headers and waits until its handler starts
// reading the body: with "Expect: 100-continue", the server says "100
// Continue" exactly then. That is the server's own signal that the request
// is in flight, so the test needs no sleep.
func holdRequest(t *testing.T, addr, token, path, body string) *heldRequest {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		path, addr, token, len(body))
	br := bufio.NewReader(conn)
	req, _ := http.NewRequest("POST", path, nil)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusContinue {
		t.Fatalf("got %d before sending the body, want 100 Continue", resp.StatusCode)
	}
	return &heldRequest{t: t, conn: conn, br: br, rest: body, req: req}
}

// finish sends the body and reads the final response.
func (h *heldRequest) finish() *http.Response {
	h.t.Helper()
	if _, err := h.conn.Write([]byte(h.rest)); err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.ReadResponse(h.br, h.req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// waitRefused waits until the server stops accepting connections, which
// Shutdown does first.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the server still accepts connections 10 s after Shutdown began")
}
