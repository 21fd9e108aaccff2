package shopifysync

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"quietdesk/internal/connect"
)

// APIVersion is the Admin API version every request names. Shopify keeps
// a version a year; moving to a newer one is a deliberate change here.
const APIVersion = "2025-07"

// maxBody bounds one GraphQL answer: a page of orders is well under it.
const maxBody = 32 << 20

// client speaks to one shop's Admin GraphQL API.
type client struct {
	url   string // {endpoint}/admin/api/{version}/graphql.json
	token string
	http  *http.Client
	now   func() time.Time
}

func newClient(s *connect.Session) *client {
	base := strings.TrimRight(s.Conn.Config["endpoint"], "/")
	if base == "" {
		base = "https://" + s.Conn.Config["shop"]
	}
	return &client{url: base + "/admin/api/" + APIVersion + "/graphql.json", token: s.Creds["access_token"], http: s.HTTP, now: s.Now}
}

// cost is the extensions.cost Shopify adds to every answer: what the query
// cost and how full the shop's leaky bucket is.
type cost struct {
	RequestedQueryCost float64 `json:"requestedQueryCost"`
	ActualQueryCost    float64 `json:"actualQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// refused is the reason a connection stops when Shopify refuses its token.
const refused = "Shopify refused the access token (%s): reconnect with `quietdesk connections add shopify` and a token whose app has the read_orders, read_customers and read_fulfillments scopes"

// do posts one GraphQL request and decodes data into out. It turns
// Shopify's refusals into the connection's outcomes: a throttle or a 429
// is a connect.Wait, a refused token or an answer that cannot be read is a
// connect.Stop, a server error or the network is a plain error (retried).
func (c *client) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return connect.Stop("the shop's address does not make a valid URL (%v): connect it again with --shop x.myshopify.com", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Shopify-Access-Token", c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("Shopify Admin API: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("Shopify Admin API: reading the answer: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return connect.Stop(refused, resp.Status)
	case resp.StatusCode == http.StatusTooManyRequests:
		return connect.Wait(connect.RetryAfter(resp.Header, c.now(), 10*time.Second), "Shopify asked to slow down (429)")
	case resp.StatusCode == http.StatusPaymentRequired:
		return connect.Stop("Shopify says the shop is frozen (402 Payment Required): resume the connection once its bill is paid")
	case resp.StatusCode == http.StatusLocked:
		return connect.Stop("Shopify says the shop is locked (423): resume the connection once Shopify unlocks it")
	case resp.StatusCode == http.StatusNotFound:
		return connect.Stop("Shopify has no shop at %s (404): check the shop domain and connect again", c.url)
	case resp.StatusCode >= 500:
		return fmt.Errorf("Shopify Admin API answered %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return connect.Stop("Shopify Admin API answered %s: %s", resp.Status, snippet(raw))
	}
	var env struct {
		Data       json.RawMessage `json:"data"`
		Errors     []gqlError      `json:"errors"`
		Extensions struct {
			Cost *cost `json:"cost"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return connect.Stop("Shopify sent an answer that is not the Admin API's JSON (%v): %s", err, snippet(raw))
	}
	if len(env.Errors) > 0 {
		return c.graphqlErrors(env.Errors, env.Extensions.Cost)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return connect.Stop("Shopify sent an answer without data: %s", snippet(raw))
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return connect.Stop("Shopify sent data that does not read as the Admin API's (%v): %s", err, snippet(raw))
	}
	return nil
}

// graphqlErrors decides what Shopify's errors mean for the connection.
func (c *client) graphqlErrors(errs []gqlError, k *cost) error {
	var msgs []string
	for _, e := range errs {
		switch e.Extensions.Code {
		case "THROTTLED":
			return connect.Wait(c.now().Add(throttleWait(k)), "Shopify's rate limit for the shop is used up (THROTTLED)")
		case "ACCESS_DENIED":
			return connect.Stop(refused, "ACCESS_DENIED: "+e.Message)
		case "INTERNAL_SERVER_ERROR":
			// Shopify's own fault: passes by itself, retried a minute later.
			return fmt.Errorf("Shopify Admin API: %s", e.Message)
		}
		m := e.Message
		if e.Extensions.Code != "" {
			m = e.Extensions.Code + ": " + m
		}
		msgs = append(msgs, m)
	}
	return connect.Stop("Shopify refused the query: %s", strings.Join(msgs, "; "))
}

// throttleWait is how long until the bucket holds the points the refused
// query asked for, at the bucket's restore rate; at least a second, and a
// minute when Shopify sent no numbers.
func throttleWait(k *cost) time.Duration {
	if k == nil || k.ThrottleStatus.RestoreRate <= 0 {
		return time.Minute
	}
	need := k.RequestedQueryCost - k.ThrottleStatus.CurrentlyAvailable
	secs := math.Ceil(need / k.ThrottleStatus.RestoreRate)
	return time.Duration(max(secs, 1)) * time.Second
}

// snippet is the start of a body, for a reason someone reads.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return fmt.Sprintf("%q", s)
}
