package shopifysync

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"quietdesk/internal/connect"
)

// The fields of an order Quietdesk reads, shared by the bulk query and
// the incremental pages. Fulfilments and refunds are lists on the order
// (not connections), so the bulk JSONL keeps them on the order's line.
const orderFields = `id name email phone createdAt updatedAt processedAt cancelledAt currencyCode test
displayFinancialStatus displayFulfillmentStatus discountCodes tags sourceName
subtotalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
totalShippingPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
totalTaxSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
totalDiscountsSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
customer { id email phone firstName lastName }
shippingAddress { name countryCode }
billingAddress { name countryCode }
fulfillments { id createdAt updatedAt status displayStatus deliveredAt estimatedDeliveryAt inTransitAt trackingInfo { company number url } }
refunds { id createdAt note totalRefundedSet { shopMoney { amount currencyCode } } }`

const lineFields = `id sku title name quantity originalUnitPriceSet { shopMoney { amount currencyCode } } product { productType }`

// bulkQuery reads every order of the shop, whatever its status.
const bulkQuery = `{ orders { edges { node { ` + orderFields + `
lineItems { edges { node { ` + lineFields + ` } } } } } } }`

const runBulk = `mutation QuietdeskBackfill($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status createdAt }
    userErrors { field message code }
  }
}`

const currentBulk = `query QuietdeskCurrentBulk { currentBulkOperation(type: QUERY) { id status errorCode createdAt url } }`

const pollBulk = `query QuietdeskBulk($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl } } }`

type bulkOperation struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	ErrorCode   string `json:"errorCode"`
	CreatedAt   string `json:"createdAt"`
	URL         string `json:"url"`
	ObjectCount string `json:"objectCount"`
}

// bulkCursor is where the backfill stands: the operation, how far its
// JSONL was stored, and when it started (the incremental sync's start).
type bulkCursor struct {
	Op     string `json:"op"`
	Offset int64  `json:"offset"`
	Since  string `json:"since"`
}

// ChunkOrders is the most orders one backfill step stores.
var ChunkOrders = 500

// PollInterval is how long a step waits before looking at a bulk
// operation Shopify has not finished.
var PollInterval = 3 * time.Second

// startBulk starts the shop's bulk query, or takes up the one already
// running (a sync killed after starting it, before storing its id).
func startBulk(ctx context.Context, s *connect.Session, c *client) error {
	var run struct {
		BulkOperationRunQuery struct {
			BulkOperation *bulkOperation `json:"bulkOperation"`
			UserErrors    []struct {
				Message string `json:"message"`
				Code    string `json:"code"`
			} `json:"userErrors"`
		} `json:"bulkOperationRunQuery"`
	}
	if err := c.do(ctx, runBulk, map[string]any{"query": bulkQuery}, &run); err != nil {
		return err
	}
	op := run.BulkOperationRunQuery.BulkOperation
	for _, e := range run.BulkOperationRunQuery.UserErrors {
		if e.Code != "OPERATION_IN_PROGRESS" {
			return connect.Stop("Shopify refused the backfill's bulk query: %s %s", e.Code, e.Message)
		}
		var cur struct {
			CurrentBulkOperation *bulkOperation `json:"currentBulkOperation"`
		}
		if err := c.do(ctx, currentBulk, nil, &cur); err != nil {
			return err
		}
		op = cur.CurrentBulkOperation
	}
	if op == nil || op.ID == "" {
		return connect.Stop("Shopify started no bulk operation and said why not: resume the connection to try again")
	}
	cur, _ := json.Marshal(bulkCursor{Op: op.ID, Since: op.CreatedAt})
	return s.Commit(ctx, connect.Checkpoint{Phase: phaseBulk, Cursor: string(cur), Total: -1}, nil)
}

// stepBulk polls the bulk operation and, once it is done, stores the next
// chunk of its JSONL.
func stepBulk(ctx context.Context, s *connect.Session, c *client) error {
	var cur bulkCursor
	if err := json.Unmarshal([]byte(s.Conn.Cursor), &cur); err != nil || cur.Op == "" {
		return startBulk(ctx, s, c)
	}
	var poll struct {
		Node *bulkOperation `json:"node"`
	}
	if err := c.do(ctx, pollBulk, map[string]any{"id": cur.Op}, &poll); err != nil {
		return err
	}
	op := poll.Node
	if op == nil {
		return restartBulk(ctx, s, "Shopify no longer knows the bulk operation %s", cur.Op)
	}
	switch op.Status {
	case "CREATED", "RUNNING", "CANCELING":
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(PollInterval):
		}
		return nil
	case "COMPLETED":
	case "EXPIRED":
		// Its file is gone (a week after it finished): start over.
		return restartBulk(ctx, s, "")
	default: // FAILED, CANCELED
		code := op.ErrorCode
		if code == "ACCESS_DENIED" {
			if err := restartBulk(ctx, s, ""); err != nil {
				return err
			}
			return connect.Stop(refused, "bulk operation ACCESS_DENIED")
		}
		if err := restartBulk(ctx, s, ""); err != nil {
			return err
		}
		return connect.Stop("Shopify's bulk operation %s ended %s (%s): `quietdesk connections resume %s` starts a new one", op.ID, op.Status, code, s.Conn.Name)
	}
	if op.URL == "" { // a shop without orders: Shopify writes no file
		return finishBulk(ctx, s, cur, nil, 0)
	}
	orders, next, eof, err := readChunk(ctx, s.HTTP, op.URL, cur.Offset, ChunkOrders)
	if err != nil {
		return err
	}
	if eof {
		return finishBulk(ctx, s, cur, orders, next)
	}
	rest, err := restOrders(orders)
	if err != nil {
		return err
	}
	cur.Offset = next
	b, _ := json.Marshal(cur)
	return commitOrders(ctx, s, connect.Checkpoint{Phase: phaseBulk, Cursor: string(b), Total: -1}, rest)
}

// restartBulk forgets the bulk operation, so the next step starts a new
// one: what was stored stays, and storing it again changes nothing.
func restartBulk(ctx context.Context, s *connect.Session, why string, args ...any) error {
	if err := s.Commit(ctx, connect.Checkpoint{Phase: phaseBulk, Cursor: "", Total: -1}, nil); err != nil {
		return err
	}
	if why != "" {
		return fmt.Errorf(why+": starting the backfill again", args...)
	}
	return nil
}

// finishBulk stores the file's last orders and turns the connection to
// incremental syncs, from when the bulk operation started: what changed
// while it ran is read again (storing it twice changes nothing).
func finishBulk(ctx context.Context, s *connect.Session, cur bulkCursor, orders []*gqlOrder, _ int64) error {
	rest, err := restOrders(orders)
	if err != nil {
		return err
	}
	since := cur.Since
	if since == "" {
		since = s.Now().UTC().Format(time.RFC3339)
	}
	b, _ := json.Marshal(incCursor{Since: since})
	return commitOrders(ctx, s, connect.Checkpoint{Phase: phaseIncremental, Cursor: string(b), Total: -1, Backfilled: true}, rest)
}

// readChunk reads up to n orders of the bulk JSONL at url from byte
// offset on: each order's line, then the lines of its line items (which
// carry the order's id in __parentId). next is the offset of the first
// order not read; eof that the file ended.
func readChunk(ctx context.Context, hc *http.Client, url string, offset int64, n int) (orders []*gqlOrder, next int64, eof bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, false, connect.Stop("Shopify gave a bulk result URL that is not one (%v)", err)
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, false, fmt.Errorf("downloading the bulk result: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		return nil, offset, true, nil // the offset is the file's end
	case resp.StatusCode == http.StatusOK && offset > 0:
		// The server ignored Range: skip what is stored.
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			return nil, 0, false, fmt.Errorf("downloading the bulk result: %w", err)
		}
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent:
	case resp.StatusCode >= 500:
		return nil, 0, false, fmt.Errorf("downloading the bulk result: %s", resp.Status)
	default:
		return nil, 0, false, connect.Stop("downloading the bulk result answered %s: resume the connection to try again", resp.Status)
	}
	r := bufio.NewReaderSize(resp.Body, 256<<10)
	byID := map[string]*gqlOrder{}
	pos := offset
	for {
		line, rerr := r.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, 0, false, fmt.Errorf("downloading the bulk result: %w", rerr)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			var head struct {
				ID       string `json:"id"`
				ParentID string `json:"__parentId"`
			}
			if err := json.Unmarshal(line, &head); err != nil {
				return nil, 0, false, connect.Stop("Shopify's bulk result has a line that is not JSON at byte %d (%v): %s", pos, err, snippet(line))
			}
			if head.ParentID == "" {
				if len(orders) >= n {
					return orders, pos, false, nil
				}
				o := &gqlOrder{}
				if err := json.Unmarshal(line, o); err != nil {
					return nil, 0, false, connect.Stop("Shopify's bulk result has an order that does not read as one at byte %d (%v)", pos, err)
				}
				orders = append(orders, o)
				byID[o.ID] = o
			} else {
				o := byID[head.ParentID]
				if o == nil {
					return nil, 0, false, connect.Stop("Shopify's bulk result has a line item at byte %d whose order %s is not before it", pos, head.ParentID)
				}
				var l gqlLine
				if err := json.Unmarshal(line, &l); err != nil {
					return nil, 0, false, connect.Stop("Shopify's bulk result has a line item that does not read as one at byte %d (%v)", pos, err)
				}
				if o.LineItems == nil {
					o.LineItems = &struct {
						Nodes    []gqlLine `json:"nodes"`
						PageInfo pageInfo  `json:"pageInfo"`
					}{}
				}
				o.LineItems.Nodes = append(o.LineItems.Nodes, l)
			}
		}
		pos += int64(len(line))
		if rerr != nil {
			return orders, pos, true, nil
		}
	}
}
