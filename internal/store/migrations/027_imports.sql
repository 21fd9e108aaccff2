-- Files uploaded on the Import page (docs/import.md#in-the-browser): who
-- sent which file as what, the file itself until it is imported, and what
-- the import did, with the rejected rows kept for download.
CREATE TABLE import_runs (
    id           {{id}},
    user_email   TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    format       TEXT NOT NULL DEFAULT '',
    header_hash  TEXT NOT NULL,
    mapping      TEXT NOT NULL DEFAULT '{}',
    file         {{blob}},
    file_size    BIGINT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'ready',
    summary      TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    rejects      {{blob}},
    created_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT
);
CREATE INDEX import_runs_created ON import_runs (created_at);

-- The column mapping chosen for a file's header, so the next file with the
-- same header (the same tool's export, next month) is read the same way.
CREATE TABLE import_mappings (
    source_key   TEXT NOT NULL PRIMARY KEY,
    kind         TEXT NOT NULL,
    header_hash  TEXT NOT NULL,
    mapping      TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   BIGINT NOT NULL
);
