-- Quietdesk's foundation schema. Times are Unix seconds, dates 'YYYY-MM-DD',
-- money integer cents (see package store). External ids are the ids the
-- brand's own systems use; every upsert is keyed on them.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE customers (
    id          {{id}},
    name        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    -- set when this customer was proven to be another one; the survivor keeps
    -- every identity, order and contact
    merged_into BIGINT REFERENCES customers(id)
);

-- kind: email, phone, or the system that issued an external id (customer,
-- shopify, zendesk, gorgias, ...). Emails and phones are stored normalised.
CREATE TABLE customer_identities (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    PRIMARY KEY (kind, value)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);

CREATE TABLE orders (
    id                   {{id}},
    external_id          TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL DEFAULT '',
    customer_id          BIGINT REFERENCES customers(id),
    placed_at            BIGINT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'placed',
    fulfilled_at         BIGINT,
    cancelled_at         BIGINT,
    currency             TEXT NOT NULL DEFAULT '',
    item_revenue         BIGINT NOT NULL DEFAULT 0,
    discounts            BIGINT NOT NULL DEFAULT 0,
    shipping_charged     BIGINT NOT NULL DEFAULT 0,
    cogs                 BIGINT NOT NULL DEFAULT 0,
    fulfillment_cost     BIGINT NOT NULL DEFAULT 0,
    payment_fees         BIGINT NOT NULL DEFAULT 0,
    sales_channel        TEXT NOT NULL DEFAULT '',
    campaign             TEXT NOT NULL DEFAULT '',
    discount_code        TEXT NOT NULL DEFAULT '',
    category             TEXT NOT NULL DEFAULT '',
    sku                  TEXT NOT NULL DEFAULT '',
    country              TEXT NOT NULL DEFAULT '',
    carrier              TEXT NOT NULL DEFAULT '',
    warehouse            TEXT NOT NULL DEFAULT '',
    tags                 TEXT NOT NULL DEFAULT '',
    promised_delivery_at BIGINT,
    delivered_at         BIGINT,
    -- hash of every stored field: an identical re-import is detected and
    -- skipped without rewriting the row
    row_hash             BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX orders_customer_placed ON orders (customer_id, placed_at);
CREATE INDEX orders_placed ON orders (placed_at);
CREATE INDEX orders_name ON orders (name);

CREATE TABLE order_lines (
    order_id   BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    line_key   TEXT NOT NULL,
    sku        TEXT NOT NULL DEFAULT '',
    product    TEXT NOT NULL DEFAULT '',
    category   TEXT NOT NULL DEFAULT '',
    quantity   BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    unit_cost  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, line_key)
);

-- kind: fulfilled, shipped, delivered, delayed, exception
CREATE TABLE fulfillment_events (
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,
    at       BIGINT NOT NULL,
    detail   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (order_id, kind, at)
);

CREATE TABLE returns (
    id                   {{id}},
    external_id          TEXT NOT NULL UNIQUE,
    order_id             BIGINT NOT NULL REFERENCES orders(id),
    returned_at          BIGINT NOT NULL,
    refund_amount        BIGINT NOT NULL DEFAULT 0,
    return_shipping_cost BIGINT NOT NULL DEFAULT 0,
    restocked_cogs       BIGINT NOT NULL DEFAULT 0,
    reason               TEXT NOT NULL DEFAULT '',
    row_hash             BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX returns_order ON returns (order_id);

CREATE TABLE teams (
    id   {{id}},
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE agents (
    id      {{id}},
    name    TEXT NOT NULL UNIQUE,
    email   TEXT NOT NULL DEFAULT '',
    team_id BIGINT REFERENCES teams(id)
);

-- state: open, waiting (on the customer), closed
CREATE TABLE conversations (
    id              {{id}},
    customer_id     BIGINT NOT NULL REFERENCES customers(id),
    subject         TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'open',
    created_at      BIGINT NOT NULL,
    last_message_at BIGINT NOT NULL,
    closed_at       BIGINT
);
CREATE INDEX conversations_customer ON conversations (customer_id, last_message_at);

-- One customer-initiated interaction on one channel: what CPO counts.
-- source: native (made by the desk's contact rules) or imported (one per
-- imported row). attribution: explicit, text, recent, none.
CREATE TABLE contacts (
    id               {{id}},
    external_id      TEXT UNIQUE,
    customer_id      BIGINT REFERENCES customers(id),
    conversation_id  BIGINT REFERENCES conversations(id),
    order_id         BIGINT REFERENCES orders(id),
    attribution      TEXT NOT NULL DEFAULT 'none',
    external_order   TEXT NOT NULL DEFAULT '',
    channel          TEXT NOT NULL,
    source           TEXT NOT NULL DEFAULT 'native',
    started_at       BIGINT NOT NULL,
    last_message_at  BIGINT NOT NULL,
    ended_at         BIGINT,
    topic            TEXT NOT NULL DEFAULT '',
    topic_confidence DOUBLE PRECISION,
    handle_seconds   BIGINT NOT NULL DEFAULT 0,
    agent            TEXT NOT NULL DEFAULT '',
    team             TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL DEFAULT '',
    tags             TEXT NOT NULL DEFAULT '',
    is_repeat        BOOLEAN NOT NULL DEFAULT FALSE,
    row_hash         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX contacts_started ON contacts (started_at);
CREATE INDEX contacts_customer_started ON contacts (customer_id, started_at);
CREATE INDEX contacts_conversation ON contacts (conversation_id, channel, last_message_at);
CREATE INDEX contacts_order ON contacts (order_id);

-- direction: in (from the customer) or out. author: customer, agent,
-- system, proactive. contact_id is set on every message that belongs to a
-- contact (customer messages and the agent replies inside that contact).
CREATE TABLE messages (
    id              {{id}},
    external_id     TEXT UNIQUE,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    contact_id      BIGINT REFERENCES contacts(id),
    customer_id     BIGINT NOT NULL REFERENCES customers(id),
    channel         TEXT NOT NULL,
    direction       TEXT NOT NULL,
    author          TEXT NOT NULL,
    agent           TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT 'message',
    session_id      TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    at              BIGINT NOT NULL,
    row_hash        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX messages_conversation ON messages (conversation_id, at);
CREATE INDEX messages_customer ON messages (customer_id, at);

CREATE TABLE self_service_sessions (
    id          {{id}},
    external_id TEXT NOT NULL UNIQUE,
    started_at  BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    customer_id BIGINT REFERENCES customers(id),
    order_id    BIGINT REFERENCES orders(id),
    kind        TEXT NOT NULL DEFAULT '',
    topic       TEXT NOT NULL DEFAULT '',
    article     TEXT NOT NULL DEFAULT '',
    row_hash    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX self_service_started ON self_service_sessions (started_at);

-- kind: team_rate (hourly cost of team from start_date), contact_fee (per
-- contact on channel, '' = all), fixed (spread evenly start..end).
-- natural_key makes a re-imported cost line the same row.
CREATE TABLE cost_entries (
    id          {{id}},
    natural_key TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL DEFAULT '',
    team        TEXT NOT NULL DEFAULT '',
    channel     TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    row_hash    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE actions (
    id           {{id}},
    external_id  TEXT NOT NULL UNIQUE,
    owner        TEXT NOT NULL,
    title        TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    completed_at BIGINT,
    guardrail    TEXT NOT NULL DEFAULT '',
    row_hash     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX actions_due ON actions (due_date);

-- Only a hash of the token is kept; the token itself is shown once.
CREATE TABLE api_tokens (
    id           {{id}},
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
