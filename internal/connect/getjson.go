package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// JSONSource says how to read one tool's JSON API (a helpdesk's REST API):
// its name for messages, the basic-auth pair, and what to tell the admin
// when access is refused.
type JSONSource struct {
	Tool               string // "Zendesk", "Gorgias"
	Username, Password string
	// Refused says what to check and do when the tool answers 401 or 403.
	Refused string
	// NotFound says what to check when the tool answers 404.
	NotFound string
}

// maxPage bounds one page read: a page of tickets with their users,
// metrics or messages is a few megabytes.
const maxPage = 64 << 20

// rateLimitWait is how long to wait after a 429 without a Retry-After.
const rateLimitWait = time.Minute

// GetJSON reads one JSON document at url into v and turns the tool's
// answer into what the sync does next: a 429 waits for Retry-After,
// refused access or a body that cannot be read stops the connection with
// what to fix, and a server error or the network is retried later.
func (src JSONSource) GetJSON(ctx context.Context, s *Session, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Stop("%s address %q cannot be used (%v): connect again with a valid address", src.Tool, url, err)
	}
	req.SetBasicAuth(src.Username, src.Password)
	req.Header.Set("Accept", "application/json")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("reading %s: %w", src.Tool, err)
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		return Wait(RetryAfter(resp.Header, s.Now(), rateLimitWait), src.Tool+"'s rate limit was reached")
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return Stop("%s refused access (HTTP %d): %s", src.Tool, code, src.Refused)
	case code == http.StatusNotFound:
		return Stop("%s has no such account or page (HTTP 404 at %s): %s", src.Tool, req.URL.Path, src.NotFound)
	case code >= 500:
		return fmt.Errorf("%s answered HTTP %d: trying again later", src.Tool, code)
	case code != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return Stop("%s answered HTTP %d at %s: %s", src.Tool, code, req.URL.Path, strings.TrimSpace(string(b)))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPage+1))
	if err != nil {
		return fmt.Errorf("reading %s: %w", src.Tool, err)
	}
	if len(body) > maxPage {
		return Stop("%s sent a page over %d MB at %s, which cannot be read", src.Tool, maxPage>>20, req.URL.Path)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return Stop("%s sent a page that cannot be read at %s (%v): nothing of it was stored; `quietdesk connections resume %s` tries it again", src.Tool, req.URL.Path, err, s.Conn.Name)
	}
	return nil
}
