-- The proactive engine (docs/proactive.md#sending) works incrementally:
-- each run reads the orders whose promised date or delivery passed since
-- the last run, by these indexes, and the fulfillment events stored since
-- the last run, by seq (their insertion number; SQLite has its rowid),
-- instead of scanning every order. The same changes as the SQLite file.
CREATE INDEX orders_promised ON orders (promised_delivery_at);
CREATE INDEX orders_delivered ON orders (delivered_at);

ALTER TABLE fulfillment_events ADD COLUMN seq BIGSERIAL;
CREATE INDEX fulfillment_events_seq ON fulfillment_events (seq);

-- Where each scan stopped: promised (a Unix time), delivered (a Unix
-- time), events (the last event's seq).
CREATE TABLE proactive_cursors (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
