-- Shopify, live (docs/shopify.md). Webhooks can arrive twice and out of
-- order, and a fulfilment or refund can arrive before its order: so the
-- newest Shopify state of each order, fulfilment, refund and customer is
-- kept as Shopify sent it, and the order is mapped again from it whenever
-- any part changes.

-- kind: order, fulfillment, refund, customer. order_id is the Shopify order
-- a fulfilment or refund belongs to. updated_at is the source's own
-- updated_at (a refund's created_at; refunds do not change), in unix
-- seconds: an update older than the one kept is ignored.
CREATE TABLE shopify_objects (
    kind       TEXT NOT NULL,
    shopify_id TEXT NOT NULL,
    order_id   TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (kind, shopify_id)
);
CREATE INDEX shopify_objects_order ON shopify_objects (order_id);

-- Webhook deliveries already taken, by X-Shopify-Webhook-Id: Shopify
-- retries a delivery it thinks failed, and a repeat changes nothing.
CREATE TABLE shopify_webhooks (
    webhook_id  TEXT PRIMARY KEY,
    topic       TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
