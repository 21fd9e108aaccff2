package shopifysync

import (
	"context"
	"encoding/json"
	"time"

	"quietdesk/internal/connect"
)

// PageOrders is how many orders one incremental page asks for. With
// linesPerPage line items each it stays under Shopify's single-query cost
// limit (1,000 points); an order with more lines has them read on their own.
const (
	PageOrders   = 50
	linesPerPage = 15
)

const ordersPage = `query QuietdeskOrders($first: Int!, $after: String, $query: String!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ` + orderFields + `
      lineItems(first: 15) { pageInfo { hasNextPage endCursor } nodes { ` + lineFields + ` } }
    }
  }
}`

const moreLines = `query QuietdeskOrderLines($id: ID!, $after: String) {
  order(id: $id) { lineItems(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { ` + lineFields + ` } } }
}`

// incCursor is where the incremental sync stands: the orders updated
// since Since, read up to After (Shopify's page cursor), and the latest
// updatedAt read so far, which becomes the next sync's Since.
type incCursor struct {
	Since string `json:"since"`
	After string `json:"after,omitempty"`
	Max   string `json:"max,omitempty"`
}

// stepIncremental stores one page of the orders updated since the cursor's
// Since. The last page moves Since to the newest updatedAt read: the
// filter is inclusive (>=), so an order updated in that same second is
// read again rather than missed.
func stepIncremental(ctx context.Context, s *connect.Session, c *client) (bool, error) {
	var cur incCursor
	if err := json.Unmarshal([]byte(s.Conn.Cursor), &cur); err != nil || cur.Since == "" {
		return false, connect.Stop("the connection's incremental cursor %q cannot be read: connect the shop again", s.Conn.Cursor)
	}
	vars := map[string]any{"first": PageOrders, "query": "updated_at:>='" + cur.Since + "'"}
	if cur.After != "" {
		vars["after"] = cur.After
	}
	var page struct {
		Orders *struct {
			PageInfo pageInfo    `json:"pageInfo"`
			Nodes    []*gqlOrder `json:"nodes"`
		} `json:"orders"`
	}
	if err := c.do(ctx, ordersPage, vars, &page); err != nil {
		return false, err
	}
	if page.Orders == nil {
		return false, connect.Stop("Shopify sent a page of orders without its orders")
	}
	for _, o := range page.Orders.Nodes {
		if err := allLines(ctx, c, o); err != nil {
			return false, err
		}
		if later(o.UpdatedAt, cur.Max) {
			cur.Max = o.UpdatedAt
		}
	}
	rest, err := restOrders(page.Orders.Nodes)
	if err != nil {
		return false, err
	}
	done := !page.Orders.PageInfo.HasNextPage
	next := cur
	if done {
		next = incCursor{Since: cur.Since}
		if later(cur.Max, cur.Since) {
			next.Since = cur.Max
		}
	} else {
		next.After = page.Orders.PageInfo.EndCursor
	}
	b, _ := json.Marshal(next)
	return done, commitOrders(ctx, s, connect.Checkpoint{Phase: phaseIncremental, Cursor: string(b), Total: -1}, rest)
}

// allLines reads the rest of an order's line items when the page held
// only the first ones.
func allLines(ctx context.Context, c *client, o *gqlOrder) error {
	for o.LineItems != nil && o.LineItems.PageInfo.HasNextPage {
		var more struct {
			Order *gqlOrder `json:"order"`
		}
		if err := c.do(ctx, moreLines, map[string]any{"id": o.ID, "after": o.LineItems.PageInfo.EndCursor}, &more); err != nil {
			return err
		}
		if more.Order == nil || more.Order.LineItems == nil {
			return connect.Stop("Shopify sent no line items for order %s", o.ID)
		}
		o.LineItems.Nodes = append(o.LineItems.Nodes, more.Order.LineItems.Nodes...)
		o.LineItems.PageInfo = more.Order.LineItems.PageInfo
	}
	return nil
}

// later reports whether RFC 3339 time a is after b (an empty b is before
// everything).
func later(a, b string) bool {
	ta, err := time.Parse(time.RFC3339, a)
	if err != nil {
		return false
	}
	tb, err := time.Parse(time.RFC3339, b)
	return err != nil || ta.After(tb)
}
