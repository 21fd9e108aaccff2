-- People who log in to the web UI, and their sessions. Only hashes are
-- kept: bcrypt for passwords, SHA-256 for session ids (which are 256 random
-- bits, so a fast hash is enough).

-- role: admin, agent, analyst. Emails are stored lower-cased.
CREATE TABLE users (
    id                  {{id}},
    email               TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

-- A session ends at expires_at (idle timeout, pushed forward as it is used)
-- and never later than created_at + the absolute lifetime.
CREATE TABLE sessions (
    id           {{id}},
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
