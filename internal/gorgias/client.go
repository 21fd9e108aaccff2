package gorgias

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"quietdesk/internal/connect"
)

// maxBody bounds one page read: a page of 100 tickets with their
// messages is a few megabytes.
const maxBody = 64 << 20

// rateLimitWait is how long to wait after a 429 without a Retry-After.
const rateLimitWait = time.Minute

// get reads one JSON document from Gorgias into v, turning Gorgias's
// answers into what the sync does next: a 429 waits for Retry-After,
// refused access or a body that cannot be read stops the connection
// with what to fix, and a server error or the network is retried later.
func get(ctx context.Context, s *connect.Session, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return connect.Stop("Gorgias address %q cannot be used (%v): connect again with a valid --domain", url, err)
	}
	// Basic authentication with the account's email and REST API key.
	req.SetBasicAuth(s.Conn.Config["email"], s.Creds["api_key"])
	req.Header.Set("Accept", "application/json")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("reading Gorgias: %w", err)
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		until := connect.RetryAfter(resp.Header, s.Now(), rateLimitWait)
		return connect.Wait(until, "Gorgias's rate limit was reached")
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return connect.Stop("Gorgias refused access (HTTP %d): check that %s is the email of the user whose REST API key this is (Settings > REST API in %s.gorgias.com) and that the key was not regenerated, then connect again with `quietdesk connections add gorgias`",
			code, s.Conn.Config["email"], s.Conn.Config["domain"])
	case code == http.StatusNotFound:
		return connect.Stop("Gorgias has no such account or page (HTTP 404 at %s): check the domain and connect again", req.URL.Path)
	case code >= 500:
		return fmt.Errorf("Gorgias answered HTTP %d: trying again later", code)
	case code != http.StatusOK:
		return connect.Stop("Gorgias answered HTTP %d at %s: %s", code, req.URL.Path, snippet(resp.Body))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return fmt.Errorf("reading Gorgias: %w", err)
	}
	if len(body) > maxBody {
		return connect.Stop("Gorgias sent a page over %d MB at %s, which cannot be read", maxBody>>20, req.URL.Path)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return connect.Stop("Gorgias sent a page that cannot be read at %s (%v): nothing of it was stored; `quietdesk connections resume %s` tries it again", req.URL.Path, err, s.Conn.Name)
	}
	return nil
}

// snippet is the start of an error body, to say what Gorgias said.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	return strings.TrimSpace(string(b))
}
