-- Connections to a brand's other tools (docs/connections.md): the shop
-- (Shopify) and the helpdesk (Zendesk, Gorgias). Each keeps where its sync
-- stopped, so a sync that dies resumes there. secret holds the credentials
-- sealed with the operator's key (AES-256-GCM); config holds what may be
-- shown (the shop's domain, the helpdesk's subdomain, the account's email).
CREATE TABLE connections (
    id             {{id}},
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    config         TEXT NOT NULL DEFAULT '{}',
    secret         {{blob}},
    state          TEXT NOT NULL DEFAULT 'backfilling',
    phase          TEXT NOT NULL DEFAULT '',
    cursor         TEXT NOT NULL DEFAULT '',
    done           BIGINT NOT NULL DEFAULT 0,
    total          BIGINT NOT NULL DEFAULT -1,
    reason         TEXT NOT NULL DEFAULT '',
    backfilled_at  BIGINT,
    last_sync_at   BIGINT,
    next_sync_at   BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- What admins changed, and who: users, tokens, settings, connections.
CREATE TABLE audit_log (
    id      {{id}},
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
