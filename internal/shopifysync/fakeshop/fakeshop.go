// Package fakeshop is a local stand-in for a shop's Admin GraphQL API, for
// tests and benchmarks: it checks the token header and the API version in
// the path, answers the bulk operation (running, then completed with a
// JSONL file it serves itself, with HTTP ranges) and the orders pages, and
// lets a test put any answer in the way of the next request.
package fakeshop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Order is one order as the GraphQL API writes it, with its line items
// under "lineItems" as a plain list (the fake writes them as the bulk
// JSONL's child lines, or as a connection on a page).
type Order = map[string]any

// Answer is a canned answer a hook gives instead of the fake's own.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Shop is the fake shop.
type Shop struct {
	Token, Version string
	// BulkRunning is how many polls answer RUNNING before COMPLETED.
	BulkRunning int
	// FileDelay is how long each download of the bulk file waits first.
	FileDelay time.Duration
	// CreatedAt is the bulk operation's start time.
	CreatedAt time.Time
	// Cost is the extensions.cost of every answer.
	Cost json.RawMessage
	// Hook, when it returns an answer, is answered instead: kind is run,
	// current, poll, orders or lines.
	Hook func(kind string, vars map[string]any) *Answer

	mu     sync.Mutex
	orders []Order
	polls  int
	file   []byte
	kinds  []string
	srv    *httptest.Server
}

// New starts a fake shop with orders; Close stops it.
func New(token string, orders []Order) *Shop {
	s := &Shop{Token: token, Version: "2025-07", orders: orders, CreatedAt: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
		Cost: json.RawMessage(`{"requestedQueryCost":10,"actualQueryCost":10,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1990,"restoreRate":100.0}}`)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the fake's base URL: the connection's endpoint.
func (s *Shop) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Shop) Close() { s.srv.Close() }

// SetOrders replaces the shop's orders (an order updated in Shopify).
func (s *Shop) SetOrders(orders []Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders = orders
}

// Kinds lists the kinds of GraphQL requests answered so far.
func (s *Shop) Kinds() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.kinds...)
}

// File is the bulk JSONL the fake serves (built at completion).
func (s *Shop) File() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.file
}

// FileURL builds the bulk file from the shop's orders, as a completed
// operation's, and returns its URL.
func (s *Shop) FileURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil {
		s.file = jsonl(s.orders)
	}
	return s.srv.URL + "/bulk/orders.jsonl"
}

const opID = "gid://shopify/BulkOperation/7749099028786"

func (s *Shop) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/bulk/orders.jsonl" {
		if s.FileDelay > 0 {
			time.Sleep(s.FileDelay)
		}
		s.mu.Lock()
		file := s.file
		s.mu.Unlock()
		http.ServeContent(w, r, "orders.jsonl", time.Time{}, bytes.NewReader(file))
		return
	}
	if r.URL.Path != "/admin/api/"+s.Version+"/graphql.json" {
		http.Error(w, `{"errors":"Not Found"}`, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"errors":"POST application/json only"}`, http.StatusBadRequest)
		return
	}
	if r.Header.Get("X-Shopify-Access-Token") != s.Token {
		// Shopify's answer to a wrong or revoked token.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	var req struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"errors":"body is not JSON"}`, http.StatusBadRequest)
		return
	}
	kind := kindOf(req.Query)
	s.mu.Lock()
	s.kinds = append(s.kinds, kind)
	s.mu.Unlock()
	if s.Hook != nil {
		if a := s.Hook(kind, req.Variables); a != nil {
			for k, v := range a.Header {
				w.Header()[k] = v
			}
			if w.Header().Get("Content-Type") == "" {
				w.Header().Set("Content-Type", "application/json")
			}
			w.WriteHeader(max(a.Status, 200))
			w.Write(a.Body)
			return
		}
	}
	var data any
	switch kind {
	case "run":
		if !strings.Contains(fmt.Sprint(req.Variables["query"]), "orders") {
			http.Error(w, `{"errors":"the bulk query reads no orders"}`, http.StatusBadRequest)
			return
		}
		data = map[string]any{"bulkOperationRunQuery": map[string]any{
			"bulkOperation": map[string]any{"id": opID, "status": "CREATED", "createdAt": s.CreatedAt.Format(time.RFC3339)},
			"userErrors":    []any{}}}
	case "current", "poll":
		data = s.poll(kind, r)
	case "orders":
		data = s.page(req.Variables)
	default:
		http.Error(w, `{"errors":"the fake does not answer this query"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": data, "extensions": map[string]any{"cost": s.Cost}})
}

func kindOf(q string) string {
	switch {
	case strings.Contains(q, "bulkOperationRunQuery"):
		return "run"
	case strings.Contains(q, "currentBulkOperation"):
		return "current"
	case strings.Contains(q, "node(id:"):
		return "poll"
	case strings.Contains(q, "orders("):
		return "orders"
	case strings.Contains(q, "order(id:"):
		return "lines"
	}
	return "unknown"
}

func (s *Shop) poll(kind string, r *http.Request) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	op := map[string]any{"id": opID, "status": "RUNNING", "errorCode": nil, "createdAt": s.CreatedAt.Format(time.RFC3339), "url": nil}
	if s.polls < s.BulkRunning {
		s.polls++
	} else {
		if s.file == nil {
			s.file = jsonl(s.orders)
		}
		op["status"] = "COMPLETED"
		op["url"] = "http://" + r.Host + "/bulk/orders.jsonl"
		op["fileSize"] = strconv.Itoa(len(s.file))
	}
	if kind == "current" {
		return map[string]any{"currentBulkOperation": op}
	}
	return map[string]any{"node": op}
}

// jsonl writes orders as a bulk operation's result: each order's line
// without its line items, then one line per line item with __parentId.
func jsonl(orders []Order) []byte {
	var b bytes.Buffer
	for _, o := range orders {
		root := Order{}
		for k, v := range o {
			if k != "lineItems" {
				root[k] = v
			}
		}
		line, _ := json.Marshal(root)
		b.Write(line)
		b.WriteByte('\n')
		lines, _ := o["lineItems"].([]any)
		for _, l := range lines {
			child := map[string]any{}
			for k, v := range l.(map[string]any) {
				child[k] = v
			}
			child["__parentId"] = o["id"]
			line, _ := json.Marshal(child)
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// page answers orders(first:, after:, query: "updated_at:>='…'", sortKey: UPDATED_AT).
func (s *Shop) page(vars map[string]any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := fmt.Sprint(vars["query"])
	since := strings.TrimSuffix(strings.TrimPrefix(q, "updated_at:>='"), "'")
	t, err := time.Parse(time.RFC3339, since)
	if err != nil {
		panic("fakeshop: the orders query is not updated_at:>='RFC 3339': " + q)
	}
	var match []Order
	for _, o := range s.orders {
		u, _ := time.Parse(time.RFC3339, o["updatedAt"].(string))
		if !u.Before(t) {
			match = append(match, o)
		}
	}
	sort.SliceStable(match, func(i, j int) bool {
		return match[i]["updatedAt"].(string) < match[j]["updatedAt"].(string)
	})
	from := 0
	if a, ok := vars["after"].(string); ok && a != "" {
		from, _ = strconv.Atoi(strings.TrimPrefix(a, "cursor-"))
	}
	first := int(vars["first"].(float64))
	to := min(from+first, len(match))
	nodes := []any{}
	for _, o := range match[from:to] {
		n := Order{}
		for k, v := range o {
			n[k] = v
		}
		lines, _ := o["lineItems"].([]any)
		if lines == nil {
			lines = []any{}
		}
		n["lineItems"] = map[string]any{"pageInfo": map[string]any{"hasNextPage": false, "endCursor": nil}, "nodes": lines}
		nodes = append(nodes, n)
	}
	return map[string]any{"orders": map[string]any{
		"pageInfo": map[string]any{"hasNextPage": to < len(match), "endCursor": "cursor-" + strconv.Itoa(to)},
		"nodes":    nodes}}
}
