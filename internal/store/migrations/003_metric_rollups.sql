-- Per-day facts behind every metric, by dimension (dim '' is the store
-- without a cut) and group (grp '' holds the store-wide facts of that cut).
-- Kept current by internal/metrics from the days metric_dirty names.
CREATE TABLE metric_days (
    dim                  TEXT NOT NULL,
    grp                  TEXT NOT NULL,
    day                  TEXT NOT NULL,
    orders               DOUBLE PRECISION NOT NULL DEFAULT 0,
    orders_with_contact  DOUBLE PRECISION NOT NULL DEFAULT 0,
    cohort_contacts      DOUBLE PRECISION NOT NULL DEFAULT 0,
    net_revenue          DOUBLE PRECISION NOT NULL DEFAULT 0,
    cogs                 DOUBLE PRECISION NOT NULL DEFAULT 0,
    fulfillment          DOUBLE PRECISION NOT NULL DEFAULT 0,
    payment_fees         DOUBLE PRECISION NOT NULL DEFAULT 0,
    returns_cost         DOUBLE PRECISION NOT NULL DEFAULT 0,
    contacts             DOUBLE PRECISION NOT NULL DEFAULT 0,
    repeats              DOUBLE PRECISION NOT NULL DEFAULT 0,
    support_cost         DOUBLE PRECISION NOT NULL DEFAULT 0,
    unowned_cost         DOUBLE PRECISION NOT NULL DEFAULT 0,
    self_resolved        DOUBLE PRECISION NOT NULL DEFAULT 0,
    actions_due          DOUBLE PRECISION NOT NULL DEFAULT 0,
    actions_on_time      DOUBLE PRECISION NOT NULL DEFAULT 0,
    closed_conversations DOUBLE PRECISION NOT NULL DEFAULT 0,
    one_contact_closed   DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (dim, day, grp)
);

-- UTC days (Unix time / 86400) whose facts a write may have changed;
-- bucket -1 means everything (a cost rate, a team, the time zone changed).
-- Written by triggers, so every write path is covered.
CREATE TABLE metric_dirty (
    bucket BIGINT PRIMARY KEY
);
-- A new store has nothing to roll up; the first refresh builds from here.
INSERT INTO metric_dirty (bucket) VALUES (-1);

CREATE INDEX conversations_closed ON conversations (closed_at);
CREATE INDEX self_service_order ON self_service_sessions (order_id);
