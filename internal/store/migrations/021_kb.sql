-- The knowledge base (docs/knowledge-base.md). An article is one answer in
-- one locale; translations share its slug. body is the help centre's text
-- in Markdown; chat, email and internal are shorter variants of the same
-- answer ('' = use body). synonyms and topics are comma-separated lists.
-- version counts the article's changes; every change is a row of
-- kb_versions, so the history can be read and any version restored.
CREATE TABLE kb_articles (
    id           {{id}},
    slug         TEXT NOT NULL,
    locale       TEXT NOT NULL,
    title        TEXT NOT NULL,
    category     TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    chat         TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    internal     TEXT NOT NULL DEFAULT '',
    synonyms     TEXT NOT NULL DEFAULT '',
    topics       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft',
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    published_at BIGINT,
    updated_by   TEXT NOT NULL DEFAULT '',
    UNIQUE (slug, locale)
);
CREATE INDEX kb_articles_category ON kb_articles (locale, category);

CREATE TABLE kb_versions (
    id         {{id}},
    article_id BIGINT NOT NULL REFERENCES kb_articles(id),
    version    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    chat       TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    internal   TEXT NOT NULL DEFAULT '',
    synonyms   TEXT NOT NULL DEFAULT '',
    topics     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    UNIQUE (article_id, version)
);

-- Words a brand says mean the same in searches ("parcel, package, order"):
-- one row per group, terms comma-separated.
CREATE TABLE kb_synonyms (
    id     {{id}},
    locale TEXT NOT NULL,
    terms  TEXT NOT NULL,
    UNIQUE (locale, terms)
);

-- One row whose counter every change to articles or synonyms raises, so a
-- process's search index knows when it is stale, whichever process wrote.
CREATE TABLE kb_revision (
    id       INTEGER PRIMARY KEY,
    revision BIGINT NOT NULL
);
INSERT INTO kb_revision (id, revision) VALUES (1, 0);

-- Who may edit the knowledge base besides admins.
ALTER TABLE users ADD COLUMN kb_editor BOOLEAN NOT NULL DEFAULT FALSE;

-- Self-service sessions recorded by the help centre and the chat widget
-- (docs/self-service.md): where they happened, their last activity (a
-- session ends after 30 minutes without one), the words last searched, and
-- the conversation an escalation became.
ALTER TABLE self_service_sessions ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE self_service_sessions ADD COLUMN last_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE self_service_sessions ADD COLUMN query TEXT NOT NULL DEFAULT '';
ALTER TABLE self_service_sessions ADD COLUMN conversation_id BIGINT REFERENCES conversations(id);

-- The articles a session was shown (search results, suggestions) or
-- opened: deflection per article compares sessions shown one with the rest.
CREATE TABLE self_service_shown (
    session_id BIGINT NOT NULL REFERENCES self_service_sessions(id),
    slug       TEXT NOT NULL,
    locale     TEXT NOT NULL DEFAULT '',
    first_at   BIGINT NOT NULL,
    best_rank  INTEGER NOT NULL,
    opened     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (session_id, slug)
);
CREATE INDEX self_service_shown_slug ON self_service_shown (slug);

-- Searches, for the ones that found nothing.
CREATE TABLE kb_searches (
    id         {{id}},
    session_id BIGINT REFERENCES self_service_sessions(id),
    at         BIGINT NOT NULL,
    query      TEXT NOT NULL,
    locale     TEXT NOT NULL DEFAULT '',
    channel    TEXT NOT NULL DEFAULT '',
    results    INTEGER NOT NULL,
    top_slug   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX kb_searches_at ON kb_searches (at);

-- "Did this answer your question?": one answer per session and article,
-- the latest kept.
CREATE TABLE kb_feedback (
    session_id BIGINT NOT NULL REFERENCES self_service_sessions(id),
    slug       TEXT NOT NULL,
    locale     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL,
    helpful    BOOLEAN NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, slug)
);
CREATE INDEX kb_feedback_slug ON kb_feedback (slug, at);
