-- Proactive notices (docs/proactive.md). A rule watches order events (a
-- late shipment, a carrier exception…) or, for a campaign, a cohort of
-- orders chosen once. scope narrows a rule to a cohort (JSON: carrier, sku,
-- country, placed_from, placed_to); holdout_pct of eligible orders get no
-- notice, so what the notices do can be measured.
CREATE TABLE proactive_rules (
    id          {{id}},
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT FALSE,
    dry_run     BOOLEAN NOT NULL DEFAULT FALSE,
    holdout_pct INTEGER NOT NULL DEFAULT 10,
    scope       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL DEFAULT ''
);

-- A rule's text per channel (email, sms, whatsapp, chat) and locale, as
-- Go templates over the order (docs/proactive.md#templates).
CREATE TABLE proactive_templates (
    rule_id BIGINT NOT NULL REFERENCES proactive_rules(id),
    channel TEXT NOT NULL,
    locale  TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body    TEXT NOT NULL,
    PRIMARY KEY (rule_id, channel, locale)
);

-- What happened to rules, for the weekly review's "what changed": switched
-- on or off, edited, a campaign sent.
CREATE TABLE proactive_rule_changes (
    id      {{id}},
    rule_id BIGINT NOT NULL REFERENCES proactive_rules(id),
    at      BIGINT NOT NULL,
    change  TEXT NOT NULL,
    by_whom TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX proactive_rule_changes_at ON proactive_rule_changes (at);

-- One decision per order and rule, ever: the unique key is what keeps two
-- processes from sending the same notice twice. rule is the rule's name
-- (imported notices may name rules defined elsewhere). status: held_out,
-- scheduled (due_at is when it may go), sent, failed, skipped (opted out,
-- capped, no address; reason says which), dry_run.
CREATE TABLE proactive_decisions (
    id         {{id}},
    order_id   BIGINT NOT NULL REFERENCES orders(id),
    rule       TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    held_out   BOOLEAN NOT NULL,
    status     TEXT NOT NULL,
    due_at     BIGINT,
    sent_at    BIGINT,
    channel    TEXT NOT NULL DEFAULT '',
    message_id BIGINT REFERENCES messages(id),
    reason     TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    UNIQUE (order_id, rule)
);
CREATE INDEX proactive_decisions_rule ON proactive_decisions (rule, decided_at);
CREATE INDEX proactive_decisions_due ON proactive_decisions (status, due_at);
