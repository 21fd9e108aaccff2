-- The desk (package desk): what agents do with conversations, the email
-- channel's raw mail and attachments, and what a customer's timeline shows
-- beyond orders, contacts and messages. docs/desk.md defines each concept.

-- People on the desk: the name customers see on replies, and their team.
ALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN team_id BIGINT REFERENCES teams(id);

-- channel: the channel the conversation started on.
-- assignee_id / team_id: who owns it (either, both or none).
-- snoozed_until: hidden from the open views until then; a customer's
-- message wakes it.
-- reply_token: the token of the reply+TOKEN@ address its outbound mail
-- carries, so a reply threads even when a client drops its headers.
-- awaiting_since: the oldest customer message no agent has answered yet
-- (NULL when the brand spoke last); first-response targets are measured
-- from it.
-- updated_at: the last change of any kind, so live views fetch only what
-- moved.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN assignee_id BIGINT REFERENCES users(id);
ALTER TABLE conversations ADD COLUMN team_id BIGINT REFERENCES teams(id);
ALTER TABLE conversations ADD COLUMN snoozed_until BIGINT;
ALTER TABLE conversations ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN reply_token TEXT;
ALTER TABLE conversations ADD COLUMN awaiting_since BIGINT;
ALTER TABLE conversations ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX conversations_reply_token ON conversations (reply_token);
CREATE INDEX conversations_state ON conversations (state, last_message_at);
CREATE INDEX conversations_assignee ON conversations (assignee_id, state, last_message_at);
CREATE INDEX conversations_updated ON conversations (updated_at);

-- first_response_at: the brand's first reply inside this contact (team
-- figures: first response time); replies: the brand's replies in it.
ALTER TABLE contacts ADD COLUMN first_response_at BIGINT;
ALTER TABLE contacts ADD COLUMN replies BIGINT NOT NULL DEFAULT 0;

-- Every message received by mail is kept as it arrived, whatever could or
-- could not be read of it.
CREATE TABLE raw_messages (
    id          {{id}},
    sha256      TEXT NOT NULL UNIQUE,
    received_at BIGINT NOT NULL,
    size        BIGINT NOT NULL,
    content     {{blob}} NOT NULL,
    -- what could not be read (a bad Date, an unknown charset), one per line
    problems    TEXT NOT NULL DEFAULT ''
);

-- email_id: the RFC 5322 Message-ID (without <>), ours on outbound mail.
-- from_addr: the sender as written (name and address).
-- body: what the customer or agent wrote, quoted history and signature
-- removed (what agents read and topics classify); quoted: what was removed.
-- html: the HTML alternative, sanitised when stored.
-- kind: message, auto_reply, bounce, list (mail that is no contact), note.
-- status: outbound delivery: queued, sent, failed (status_detail says why).
ALTER TABLE messages ADD COLUMN email_id TEXT;
ALTER TABLE messages ADD COLUMN from_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN quoted TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN raw_id BIGINT REFERENCES raw_messages(id);
ALTER TABLE messages ADD COLUMN delivery_id BIGINT REFERENCES deliveries(id);
ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN status_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN user_id BIGINT REFERENCES users(id);
CREATE INDEX messages_email_id ON messages (email_id);
-- the contact rules read a contact's latest message (its chat session)
CREATE INDEX messages_contact ON messages (contact_id, at);
CREATE INDEX messages_raw ON messages (raw_id);
CREATE INDEX messages_delivery ON messages (delivery_id);

-- Files that came with a message. Agents download them; nobody else.
CREATE TABLE attachments (
    id           {{id}},
    message_id   BIGINT NOT NULL REFERENCES messages(id),
    name         TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT 'application/octet-stream',
    size         BIGINT NOT NULL,
    -- inline images are referenced from the HTML by cid:content_id
    content_id   TEXT NOT NULL DEFAULT '',
    inline       BOOLEAN NOT NULL DEFAULT FALSE,
    -- NULL when the file was over the size limit: named, not kept
    content      {{blob}}
);
CREATE INDEX attachments_message ON attachments (message_id);

-- What agents did, on a conversation's thread and the customer's timeline:
-- kind note (detail: the text), assign, state, snooze, tag, topic (a
-- correction), merge, unmerge. conversation_id is NULL for events of the
-- customer alone (merges).
CREATE TABLE desk_events (
    id              {{id}},
    customer_id     BIGINT NOT NULL REFERENCES customers(id),
    conversation_id BIGINT REFERENCES conversations(id),
    kind            TEXT NOT NULL,
    actor_id        BIGINT REFERENCES users(id),
    detail          TEXT NOT NULL DEFAULT '',
    at              BIGINT NOT NULL
);
CREATE INDEX desk_events_conversation ON desk_events (conversation_id, at);
CREATE INDEX desk_events_customer ON desk_events (customer_id, at);

-- An agent @mentioned in a note; read_at once they opened it.
CREATE TABLE mentions (
    id       {{id}},
    event_id BIGINT NOT NULL REFERENCES desk_events(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    read_at  BIGINT,
    UNIQUE (event_id, user_id)
);
CREATE INDEX mentions_user ON mentions (user_id, read_at);

-- A merge of customer merged_id into survivor_id, with the ids of every row
-- it moved (JSON by table), so that an unmerge moves exactly those back.
CREATE TABLE customer_merges (
    id          {{id}},
    survivor_id BIGINT NOT NULL REFERENCES customers(id),
    merged_id   BIGINT NOT NULL REFERENCES customers(id),
    moved       TEXT NOT NULL,
    actor_id    BIGINT REFERENCES users(id),
    at          BIGINT NOT NULL,
    undone_at   BIGINT
);
CREATE INDEX customer_merges_survivor ON customer_merges (survivor_id);

-- Read-only links to one customer's timeline. Only a hash of the token is
-- kept; the link is shown once.
CREATE TABLE share_links (
    id          {{id}},
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  BIGINT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- Saved replies: a name and a text with {{variables}} (docs/desk.md).
CREATE TABLE saved_replies (
    id         {{id}},
    name       TEXT NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Handle time (docs/desk.md#handle-time): seconds an agent had the
-- conversation open and active, by contact. Summed into
-- contacts.handle_seconds, which support cost reads.
CREATE TABLE handle_time (
    user_id    BIGINT NOT NULL REFERENCES users(id),
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    seconds    BIGINT NOT NULL DEFAULT 0,
    last_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, contact_id)
);

-- Who has a conversation open and who is typing, until when: the "someone
-- else is replying" warning. Rows expire; nothing needs to delete them.
CREATE TABLE presence (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    typing          BOOLEAN NOT NULL DEFAULT FALSE,
    until           BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

-- One satisfaction question per contact, however often its conversation
-- is closed: asked_at when the survey went out, score 1..5 once answered.
-- token_hash names the link. A rating imported from another helpdesk (a
-- Zendesk or Gorgias ticket's) belongs to an imported contact, which has
-- no conversation.
CREATE TABLE csat (
    id              {{id}},
    conversation_id BIGINT REFERENCES conversations(id),
    contact_id      BIGINT REFERENCES contacts(id),
    external_id     TEXT UNIQUE,
    token_hash      TEXT UNIQUE,
    channel         TEXT NOT NULL DEFAULT '',
    agent           TEXT NOT NULL DEFAULT '',
    topic           TEXT NOT NULL DEFAULT '',
    asked_at        BIGINT NOT NULL,
    score           INTEGER,
    comment         TEXT NOT NULL DEFAULT '',
    answered_at     BIGINT
);
CREATE INDEX csat_answered ON csat (answered_at);
CREATE INDEX csat_conversation ON csat (conversation_id);
CREATE UNIQUE INDEX csat_contact ON csat (contact_id);

-- Outbound mail that is a reply on the desk carries its own sender and
-- threading headers (package notify composes them).
ALTER TABLE deliveries ADD COLUMN from_addr TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN refs TEXT NOT NULL DEFAULT '';
-- FALSE for mail a person wrote (an agent's reply): only automatic mail
-- carries Auto-Submitted, which tells responders not to answer it.
ALTER TABLE deliveries ADD COLUMN automatic BOOLEAN NOT NULL DEFAULT TRUE;
