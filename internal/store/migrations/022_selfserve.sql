-- Order status and returns without a person (package selfserve,
-- docs/order-help.md).

-- Every order lookup, answered or not: the audit trail of an attempt to
-- prove an order is one's own, and what the per-order, per-address and
-- per-source limits count. order_key is the order name as typed,
-- normalised (no '#', lower case); identity_hash a keyed hash of the email
-- or phone given (never the address itself). via: email, phone or link.
-- outcome: ok, mismatch (any wrong part: the answer never says which) or
-- limited (refused by a limit before looking).
CREATE TABLE selfserve_lookups (
    id            {{id}},
    at            BIGINT NOT NULL,
    source        TEXT NOT NULL,
    order_key     TEXT NOT NULL,
    identity_hash TEXT NOT NULL,
    via           TEXT NOT NULL,
    outcome       TEXT NOT NULL
);
CREATE INDEX selfserve_lookups_order ON selfserve_lookups (order_key, at);
CREATE INDEX selfserve_lookups_identity ON selfserve_lookups (identity_hash, at);
CREATE INDEX selfserve_lookups_source ON selfserve_lookups (source, at);
CREATE INDEX selfserve_lookups_at ON selfserve_lookups (at);

-- One-time codes that unlock all of a customer's orders. Only a keyed hash
-- of the code is kept. address is the normalised email or phone the code
-- was sent to; one code per address is active at a time (a new one
-- replaces it). status: active, used, replaced, spent (too many tries).
CREATE TABLE selfserve_codes (
    id         {{id}},
    address    TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,
    status     TEXT NOT NULL DEFAULT 'active'
);
CREATE INDEX selfserve_codes_address ON selfserve_codes (address, created_at);

-- Return and cancel requests made by customers. request_key is a hash of
-- what was asked (order, kind, lines, reason): sending the same request
-- twice finds the first. status: requested (allowed by the return policy),
-- refused (refusal says why), escalated (the customer asked a person:
-- conversation_id). A request is confirmed when the shop's return (or the
-- order's cancellation) is stored after it: that is read, not written.
CREATE TABLE selfserve_requests (
    id              {{id}},
    request_key     TEXT NOT NULL UNIQUE,
    order_id        BIGINT NOT NULL REFERENCES orders(id),
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    refusal         TEXT NOT NULL DEFAULT '',
    refusal_text    TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    escalated_at    BIGINT,
    conversation_id BIGINT REFERENCES conversations(id)
);
CREATE INDEX selfserve_requests_order ON selfserve_requests (order_id, created_at);
CREATE INDEX selfserve_requests_status ON selfserve_requests (status, created_at);

-- The lines and quantities a return request names.
CREATE TABLE selfserve_request_lines (
    request_id BIGINT NOT NULL REFERENCES selfserve_requests(id) ON DELETE CASCADE,
    line_key   TEXT NOT NULL,
    sku        TEXT NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    quantity   BIGINT NOT NULL,
    PRIMARY KEY (request_id, line_key)
);
