-- Webhooks out (package hooks, docs/webhooks.md). A subscriber is a URL
-- that gets a signed POST for each event of the types it chose. The secret
-- signs those posts, so it is kept as given (an HMAC needs it); it is shown
-- once, when the subscriber is added, and never listed.
-- events: the chosen event types, comma-separated.
-- failures and failing_since count the posts that failed since the last
-- one that went through; a subscriber failing for too long is disabled
-- (disabled_at, disabled_reason) until an admin enables it again.
CREATE TABLE webhook_subscriptions (
    id              {{id}},
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    events          TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    failing_since   BIGINT,
    last_success_at BIGINT,
    disabled_at     BIGINT,
    disabled_reason TEXT NOT NULL DEFAULT ''
);

-- One event: what happened, once, whatever the number of subscribers. Its
-- id names it in payloads (evt_ID) and in the deliveries' keys, so that a
-- subscriber can drop a post it has already seen. The payload posted is
-- the delivery's.
CREATE TABLE webhook_events (
    id              {{id}},
    type            TEXT NOT NULL,
    conversation_id BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Which outbox delivery (package notify) carries which event to which
-- subscriber: the subscriber's delivery log, newest first.
CREATE TABLE webhook_deliveries (
    subscription_id BIGINT NOT NULL,
    event_id        BIGINT NOT NULL REFERENCES webhook_events(id),
    delivery_id     BIGINT NOT NULL REFERENCES deliveries(id),
    PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (subscription_id, delivery_id);
