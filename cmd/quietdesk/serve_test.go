package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsGracefullyOnSIGINT runs the real binary, holds a write
// request open, interrupts the server and then finishes the request: the
// write must be answered and stored, and the server must exit cleanly.
func TestServeStopsGracefullyOnSIGINT(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string) {
		token := strings.TrimSpace(mustRun(t, "token", "create", "--name", "ci", "--scope", "ingest", "--db", dsn).stdout)

		cmd, logs := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
		addr := waitLog(t, logs, regexp.MustCompile(`msg=serving addr=(\S+)`))

		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("healthz: %d", resp.StatusCode)
		}

		// Send the headers with "Expect: 100-continue": the server answers
		// "100 Continue" when the handler starts reading the body, so from
		// then on the request is in flight.
		body := `{"order_id": "in-flight", "placed_at": "2026-03-02T10:00:00Z", "item_revenue": 12}`
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		fmt.Fprintf(conn, "POST /api/v1/orders HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, token, len(body))
		br := bufio.NewReader(conn)
		req, _ := http.NewRequest("POST", "/api/v1/orders", nil)
		if resp, err := http.ReadResponse(br, req); err != nil || resp.StatusCode != 100 {
			t.Fatalf("before the body: %v %v, want 100 Continue", resp, err)
		}

		cmd.Process.Signal(syscall.SIGINT)
		waitLog(t, logs, regexp.MustCompile(`shutting down`))
		// Once new connections are refused, Shutdown is under way and only
		// the request in flight keeps the server up.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Fatal("serve still accepts connections 10 s after SIGINT")
			}
		}
		io.WriteString(conn, body)
		resp, err = http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("the in-flight request was cut off: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("the in-flight request got %d", resp.StatusCode)
		}
		waitLog(t, logs, regexp.MustCompile(`msg=stopped`))
		if err := cmd.Wait(); err != nil {
			t.Fatalf("serve exited with %v after SIGINT, want 0", err)
		}
		if n := count(t, dsn, `SELECT COUNT(*) FROM orders WHERE external_id = 'in-flight'`); n != 1 {
			t.Fatalf("the in-flight order was not stored")
		}
	})
}

// startBinary starts the binary with args, killed when the test ends, and
// returns its log lines as they come.
func startBinary(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := binaryCommand(args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
	}()
	return cmd, logs
}

// waitLog reads log lines until one matches and returns its first group.
func waitLog(t *testing.T, logs <-chan string, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-logs:
			if !ok {
				t.Fatalf("serve exited before logging %s", re)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				if len(m) > 1 {
					return m[1]
				}
				return line
			}
		case <-timeout:
			t.Fatalf("no log line matching %s in 30 s", re)
		}
	}
}
