-- The decision system (DESIGN §3): guardrails, their alerts, corrections
-- with verdicts, and the people who own them.

-- One metric, one red threshold, one owner, one review checkpoint.
-- trigger: below_floor, above_ceiling, cohort_spike, rising_trend,
-- completion_below. threshold is NULL until one is accepted (proposed from
-- the program's first 30 days) for the triggers that need one. dimension is
-- '' for the whole store, else each cohort of it is tested on its own.
-- action_type places its alerts in the priority matrix (§3.4).
CREATE TABLE guardrails (
    name           TEXT PRIMARY KEY,
    area           TEXT NOT NULL DEFAULT '',
    metric         TEXT NOT NULL,
    trigger_kind   TEXT NOT NULL,
    threshold      DOUBLE PRECISION,
    weeks          INTEGER NOT NULL DEFAULT 2,
    dimension      TEXT NOT NULL DEFAULT '',
    min_orders     INTEGER NOT NULL DEFAULT 30,
    owner          TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL DEFAULT '',
    action_type    TEXT NOT NULL DEFAULT '',
    review_weekday TEXT NOT NULL DEFAULT 'monday',
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    position       INTEGER NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL DEFAULT 0
);

-- The default decision table (§3.1). Only owner_completion has a threshold
-- from the start; the others' are proposed from the data.
INSERT INTO guardrails (name, area, metric, trigger_kind, threshold, weeks, dimension, owner, action, action_type, position) VALUES
    ('contribution_floor', 'Revenue quality', 'contribution_per_order', 'below_floor', NULL, 2, 'discount_code', '', 'pause weak cohorts', 'guardrail_update', 1),
    ('return_cost_spike', 'Buyer fit', 'return_cost_ratio', 'cohort_spike', NULL, 8, 'campaign', '', 'refine messaging and policy', 'clarity_fix', 2),
    ('variable_cost_trend', 'Cost control', 'variable_cost_ratio', 'rising_trend', NULL, 6, '', '', 'process correction', 'process_redesign', 3),
    ('owner_completion', 'Execution', 'owner_completion_rate', 'completion_below', 0.8, 1, 'owner', '', 'reduce scope and tighten ownership', 'guardrail_update', 4),
    ('cpo_ceiling', 'Support demand', 'cpo', 'above_ceiling', NULL, 2, 'carrier', '', 'fix the top contact topic at its source', 'clarity_fix', 5);

-- Every edit of a guardrail, for the weekly review's "what changed".
CREATE TABLE guardrail_changes (
    id         {{id}},
    guardrail  TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL DEFAULT '',
    change     TEXT NOT NULL
);
CREATE INDEX guardrail_changes_at ON guardrail_changes (changed_at);

-- A guardrail firing for a scope: one row per run of consecutive firing
-- weeks (since_week to last_week, ISO weeks like 2026-W11), so the same
-- guardrail and scope stay one alert while it keeps firing. state: open,
-- acknowledged, correction_started, resolved (the run ended).
CREATE TABLE alerts (
    id          {{id}},
    guardrail   TEXT NOT NULL,
    dimension   TEXT NOT NULL DEFAULT '',
    grp         TEXT NOT NULL DEFAULT '',
    since_week  TEXT NOT NULL,
    last_week   TEXT NOT NULL,
    value       DOUBLE PRECISION,
    threshold   DOUBLE PRECISION,
    state       TEXT NOT NULL DEFAULT 'open',
    state_note  TEXT NOT NULL DEFAULT '',
    state_by    TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (guardrail, dimension, grp, since_week)
);
CREATE INDEX alerts_last_week ON alerts (last_week);

-- One controlled change against an alert or a metric (§3.3). The status is
-- stored once decided (kept, adjusted, rolled_back); before that it follows
-- the dates (planned, running, review_due). override_reason is set when the
-- verdict differs from the computed one.
CREATE TABLE corrections (
    id              {{id}},
    title           TEXT NOT NULL,
    lever           TEXT NOT NULL DEFAULT '',
    metric          TEXT NOT NULL,
    dimension       TEXT NOT NULL DEFAULT '',
    grp             TEXT NOT NULL DEFAULT '',
    expected_low    DOUBLE PRECISION NOT NULL,
    expected_base   DOUBLE PRECISION NOT NULL,
    expected_high   DOUBLE PRECISION NOT NULL,
    owner           TEXT NOT NULL,
    effort          TEXT NOT NULL DEFAULT 'medium',
    impact          TEXT NOT NULL DEFAULT 'medium',
    action_type     TEXT NOT NULL DEFAULT '',
    start_date      TEXT NOT NULL,
    review_date     TEXT NOT NULL,
    alert_id        BIGINT REFERENCES alerts(id),
    status          TEXT NOT NULL DEFAULT '',
    realized        DOUBLE PRECISION,
    computed_verdict TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    decided_at      BIGINT,
    decided_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX corrections_start ON corrections (start_date);

-- Owners named by guardrails, corrections and actions, with the address
-- the weekly review is mailed to.
CREATE TABLE owners (
    name  TEXT PRIMARY KEY,
    email TEXT NOT NULL DEFAULT ''
);
