-- The outbox of outgoing notifications (package notify): every email and
-- chat-webhook post is written here first and sent by a worker, so a failed
-- send is retried and stays visible instead of being lost with the process.

-- key makes enqueuing idempotent: the caller names what the delivery is
-- (review:2026-W47:email:dana@brand.com) and a second enqueue of the same key
-- changes nothing.
-- channel: email or webhook; target: an address or a URL.
-- payload: the JSON posted to a webhook.
-- status: pending (waiting for next_attempt_at), sending (claimed by a
-- worker until claimed_until), sent, failed (gave up; requeued by hand).
-- attempts counts claims, so a claim (id, attempts) names one attempt and a
-- worker whose claim expired cannot overwrite the next attempt's outcome.
CREATE TABLE deliveries (
    id              {{id}},
    key             TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    body_text       TEXT NOT NULL DEFAULT '',
    body_html       TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at BIGINT NOT NULL,
    claimed_by      TEXT NOT NULL DEFAULT '',
    claimed_until   BIGINT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
-- what the worker looks for: due pending rows, and expired claims
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_claims ON deliveries (status, claimed_until);
CREATE INDEX deliveries_created ON deliveries (created_at);
