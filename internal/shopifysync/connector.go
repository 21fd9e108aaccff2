// Package shopifysync connects a Shopify shop through its Admin GraphQL
// API: a bulk operation backfills every order (with its line items,
// fulfilments, refunds and customer), then incremental syncs read the
// orders updated since, a page at a time. Every order goes through the
// mapping the webhooks use (internal/shopify), so the webhooks, the JSON
// import and this sync agree on each order. docs/shopify.md.
package shopifysync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"quietdesk/internal/clock"
	"quietdesk/internal/connect"
	"quietdesk/internal/domain"
	"quietdesk/internal/ingest"
	"quietdesk/internal/shopify"
	"quietdesk/internal/store"
)

// Kind is the connection kind.
const Kind = "shopify"

// The connection's phases.
const (
	phaseBulk        = "bulk"
	phaseIncremental = "incremental"
)

func init() { connect.Register(Kind, Connector{}) }

// Connector is the shopify connection kind.
type Connector struct{}

var shopRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*\.myshopify\.com$`)

// Check validates the shop domain, the optional endpoint and the token.
func (Connector) Check(config, creds map[string]string) error {
	var p domain.Problems
	if !shopRe.MatchString(config["shop"]) {
		p.Add("shop", "%q is not a shop domain: give the shop's x.myshopify.com address (Settings > Domains in the Shopify admin)", config["shop"])
	}
	if e := config["endpoint"]; e != "" && !strings.HasPrefix(e, "https://") && !strings.HasPrefix(e, "http://") {
		p.Add("endpoint", "%q must be an http(s) URL", e)
	}
	if strings.TrimSpace(creds["access_token"]) == "" {
		p.Add("access_token", "is required: the Admin API access token of the shop's custom app")
	}
	if len(p) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: "the Shopify connection cannot be saved", Fields: p}
	}
	return nil
}

// Every is how often a current connection reads what changed.
func (Connector) Every() time.Duration { return 5 * time.Minute }

// Step does one unit of the sync: start or poll the bulk operation, store
// a chunk of its result, or store a page of updated orders.
func (Connector) Step(ctx context.Context, s *connect.Session) (bool, error) {
	c := newClient(s)
	switch s.Conn.Phase {
	case "", phaseBulk:
		return false, stepBulk(ctx, s, c)
	case phaseIncremental:
		return stepIncremental(ctx, s, c)
	}
	return false, connect.Stop("the connection is at phase %q, which this build does not know: connect the shop again", s.Conn.Phase)
}

// restOrders writes the orders as the REST API does and checks every one
// against the mapping, so a page with an order that cannot be stored
// stores nothing and says which order and field.
func restOrders(orders []*gqlOrder) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(orders))
	for _, o := range orders {
		b, err := o.rest()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := shopify.CheckOrders(out); err != nil {
		return nil, connect.Stop("Shopify sent an order Quietdesk cannot store, so nothing of its page was: %v", err)
	}
	return out, nil
}

// commitOrders stores orders and the checkpoint in one transaction.
func commitOrders(ctx context.Context, s *connect.Session, cp connect.Checkpoint, orders []json.RawMessage) error {
	env := ingest.NewEnv(clock.Clock(s.Now))
	err := s.Commit(ctx, cp, func(tx *store.Tx) (int64, error) {
		if len(orders) == 0 {
			return 0, nil
		}
		if _, _, err := shopify.ImportOrders(ctx, tx, env, orders); err != nil {
			var de *domain.Error
			if errors.As(err, &de) {
				return 0, connect.Stop("Shopify sent an order Quietdesk cannot store, so nothing of its page was: %v", err)
			}
			return 0, fmt.Errorf("storing Shopify orders: %w", err)
		}
		return int64(len(orders)), nil
	})
	if err != nil {
		env.Customers.Discard()
		return err
	}
	env.Customers.Commit()
	return nil
}
