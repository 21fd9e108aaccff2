-- The proactive engine (docs/proactive.md#sending) works incrementally:
-- each run reads the orders whose promised date or delivery passed since
-- the last run, by these indexes, and the fulfillment events stored since
-- the last run, by their rowid (SQLite's insertion order), instead of
-- scanning every order. The same changes as the PostgreSQL file.
CREATE INDEX orders_promised ON orders (promised_delivery_at);
CREATE INDEX orders_delivered ON orders (delivered_at);

-- Where each scan stopped: promised (a Unix time), delivered (a Unix
-- time), events (the last event's insertion number).
CREATE TABLE proactive_cursors (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
