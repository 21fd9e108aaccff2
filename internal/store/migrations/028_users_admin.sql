-- Users managed from the settings pages (docs/settings.md#users): a user
-- can be deactivated (refused at login, sessions ended) and reactivated,
-- the last login is shown, and people are invited with a one-time link to
-- set their own password. An invited user has an empty password_hash,
-- which no password matches, until the link is used.
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
ALTER TABLE users ADD COLUMN last_login_at BIGINT;

-- Only the SHA-256 of an invitation's token is kept (like sessions and API
-- tokens): the link is shown to the admin once, and mailed when a relay is
-- configured. used_at makes it one-time; a newer link replaces older ones.
CREATE TABLE invitations (
    id          {{id}},
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX invitations_user ON invitations (user_id);
